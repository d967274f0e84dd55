import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEMO_CASES, runDemo, type DemoResult } from '../../local/sandbox/demo';
import { isProcessAlive, readReadyFile } from '../../local/sandbox/ready-file';
import { startSandbox } from '../../local/sandbox/sandbox';
import { logger } from '../../logger';
import { addCommonOptions, examples, runLocal, type CommandContext } from '../command-kit';
import { unreachable } from '../errors';
import { EXIT } from '../exit-codes';
import type { Output } from '../io';
import { banner, demoResultText, readyLine, summaryRows, summaryTable, targetFlag } from '../sandbox-report';
import { defaultDataDir } from '../target';
import { parsePositive } from '../time-window';

interface SandboxOptions {
  json?: boolean;
  once?: boolean;
  demo: boolean;
  s3Port: string;
  gcsPort: string;
  sfnPort: string;
  dataDir?: string;
  verbose?: boolean;
}

/** `s3gcs sandbox` (= `npm start`): the whole system on 127.0.0.1, a short demo, then serving until Ctrl-C. */
export function registerSandbox(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sandbox')
    .description('run S3, GCS and Step Functions locally with the real workflow, show a demo, serve until Ctrl-C')
    .option('--once', 'exit after the demo: status 0 only if every demo outcome is the expected one')
    .option('--no-demo', 'skip the demo: just serve')
    .option('--s3-port <port>', 'S3 endpoint port on 127.0.0.1 (0 = any free port)', '0')
    .option('--gcs-port <port>', 'GCS endpoint port on 127.0.0.1 (0 = any free port)', '0')
    .option('--sfn-port <port>', 'Step Functions endpoint port on 127.0.0.1 (0 = any free port)', '0')
    .option('--data-dir <dir>', 'where executions, alerts, logs and the ready file go (Default: $S3GCS_DATA_DIR or .tmp/sandbox)')
    .option('--verbose', "print the workflow's own structured logs too");
  addCommonOptions(cmd, { target: false }).addHelpText(
    'after',
    examples([
      'npm start                                      # = s3gcs sandbox',
      'npm start -- --once                            # the demo, then exit (0 = every outcome as expected)',
      'npm start -- --no-demo --json --s3-port 9000   # one JSON ready line, then serve',
    ]),
  );
  cmd.action((opts: SandboxOptions) => runLocal(ctx, opts, (out) => runSandbox(ctx, opts, out)));
}

async function runSandbox(ctx: CommandContext, opts: SandboxOptions, out: Output): Promise<number> {
  const port = (text: string, option: string): number => (text === '0' ? 0 : parsePositive(text, option, { integer: true, max: 65535 }));
  const ports = { s3Port: port(opts.s3Port, '--s3-port'), gcsPort: port(opts.gcsPort, '--gcs-port'), sfnPort: port(opts.sfnPort, '--sfn-port') };
  const defaultDir = defaultDataDir(ctx.io);
  const dataDir = opts.dataDir ? resolve(ctx.io.cwd, opts.dataDir) : defaultDir;
  const other = safeReady(dataDir);
  if (other && other.pid !== process.pid && isProcessAlive(other.pid)) {
    throw unreachable(`another sandbox (pid ${other.pid}) is running with data directory ${dataDir}`, 'Stop it (Ctrl-C in its terminal), or start this one with another --data-dir.');
  }
  if (!opts.verbose) logger.setLogLevel('SILENT');

  const sb = await startSandbox({ dataDir, ...ports, onWarning: (line) => void ctx.io.stderr.write(`${line}\n`) });
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stopRequested = r));
  const removeHandler = ctx.io.onInterrupt(() => stopRequested());
  try {
    out.result(readyLine(sb));
    const flag = targetFlag(sb, defaultDir, ctx.io.cwd);
    out.line(banner(sb, flag));
    let code: number = EXIT.OK;
    if (opts.demo) {
      out.line('');
      out.line(`Demo: ${DEMO_CASES.length} uploads to s3://${sb.sourceBucket}, each backed up by its own execution…`);
      // Executions finish in any order; print each timeline as soon as those before it in the demo are printed.
      const finished = new Map<number, DemoResult>();
      let printed = 0;
      const demo = runDemo({ s3: sb.s3, sourceBucket: sb.sourceBucket, stepFunctions: sb.stepFunctions }, DEMO_CASES, (r) => {
        finished.set(DEMO_CASES.indexOf(r.case), r);
        for (let next = finished.get(printed); next; next = finished.get(printed)) {
          out.line('');
          out.line(demoResultText(next, printed, DEMO_CASES.length));
          printed++;
        }
      });
      const results = await Promise.race([demo, stopped.then(() => undefined)]);
      if (!results) return EXIT.INTERRUPTED;
      const rows = summaryRows(results);
      const ok = rows.every((r) => r.asExpected);
      out.line('');
      out.line(summaryTable(rows));
      out.line('');
      out.line(ok ? 'Every demo outcome is the expected one.' : 'Some demo outcomes were NOT the expected ones (see above).');
      out.result({ demo: rows, ok });
      code = ok ? EXIT.OK : EXIT.PROBLEMS;
    }
    if (opts.once) return code;
    out.line('');
    out.line(`Serving. Executions: npm run s3gcs -- executions ${flag}. Stop with Ctrl-C.`);
    await stopped;
    out.note('Stopping…');
    return code;
  } finally {
    removeHandler();
    await sb.close();
  }
}

function safeReady(dataDir: string): { pid: number } | undefined {
  try {
    return readReadyFile(dataDir);
  } catch {
    return undefined;
  }
}
