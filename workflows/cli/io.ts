import { CliError } from './errors';
import { displayLines, displayText } from './safe-text';

/** Where the CLI writes; injectable so tests run commands in-process and read what a person would see. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Registers a Ctrl-C handler; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  exitQuietlyWhenStdoutCloses();
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

let pipeGuarded = false;

/**
 * `s3gcs … | head`: once the reader has gone, a write fails with EPIPE, which Node raises as an unhandled 'error'
 * event (a crash with a stack trace). Stop instead, as a program killed by SIGPIPE would, with the exit code so far:
 * the reader has what it wanted. EPIPE on stderr is ignored (there is nowhere left to report it).
 */
function exitQuietlyWhenStdoutCloses(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(Number(process.exitCode ?? 0));
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/**
 * Presentation: human text on stdout, or with --json exactly one JSON document (or one per line for streams) on
 * stdout and nothing else. Notes and progress go to stderr so piping stdout stays clean.
 */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** A line of the human report (dropped with --json). */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${displayLines(text)}\n`);
  }

  /** The machine-readable result (only with --json). */
  result(value: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Progress notes for a person, on stderr (dropped with --json). */
  note(text: string): void {
    if (!this.json) this.io.stderr.write(`${displayLines(text)}\n`);
  }

  /** One error line and a hint, on stderr (as JSON with --json). */
  error(err: CliError): void {
    if (this.json) {
      this.io.stderr.write(`${JSON.stringify({ error: err.message, hint: err.hint, exitCode: err.exitCode })}\n`);
      return;
    }
    this.io.stderr.write(`s3gcs: error: ${displayLines(err.message)}\n`);
    if (err.hint) this.io.stderr.write(`  hint: ${displayLines(err.hint)}\n`);
  }
}

/** Aligned columns; the last column is not padded. Cells are single values: unsafe characters are escaped (displayText). */
export function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(displayText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
