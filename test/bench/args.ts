import { parseArgs } from 'node:util';
import type { Method } from './copy-bench';

export interface BenchArgs {
  sizes: number[];
  runs: number;
  methods: Method[];
  /** Workflow bench: objects and concurrencies (empty = skip). */
  workflowObjects: number;
  workflowConcurrency: number[];
  /** Engine options for the comparison (undefined = the engine's defaults). */
  partSizeMiB?: number;
  concurrency?: number;
  uploadChunkMiB?: number;
  /** Try a grid of engine options at the largest size. */
  tune: boolean;
  stage: string;
  installRclone: boolean;
  /** Write docs/benchmarks.md and the chart: by default only for the canonical run (no size, run, method or engine flags). */
  write: boolean;
  json?: string;
  help: boolean;
  quick: boolean;
}

const KIB = 1024;
const FULL_SIZES = [KIB, KIB ** 2, 64 * KIB ** 2, KIB ** 3];
const QUICK_SIZES = [KIB, KIB ** 2, 16 * KIB ** 2];
const ALL_METHODS: Method[] = ['raw', 'old', 'rclone', 'engine'];

export const HELP = `npm run bench -- [options]

Measures copies from the local S3 server (fauxqs) to the GCS emulator, each in its own process: the raw pipe
(this machine's limit), the old design, rclone copyto and our engine; then the whole local workflow with many small
objects; then the cost model. Writes docs/benchmarks.md and docs/benchmarks.svg.

  --quick                 small sizes (1 KiB, 1 MiB, 16 MiB), 1 run, 200 workflow objects; does not write docs
                          unless --write is given
  --sizes LIST            object sizes, e.g. 1KiB,1MiB,64MiB,1GiB (Default: those four)
  --runs N                runs per case; the median and min–max are reported (Default: 3)
  --methods LIST          any of raw,old,rclone,engine (Default: all four)
  --part-size-mib N       engine part size for the comparison (Default: the engine's)
  --concurrency N         engine ranged-GET concurrency for the comparison (Default: the engine's)
  --upload-chunk-mib N    engine resumable-upload request size, a multiple of 1/4 MiB (Default: the engine's)
  --tune                  also try part size 8/16/32 MiB x concurrency 2/4/8 at the largest size (1 run each)
  --workflow-objects N    objects through the local workflow (Default: 1000; 0 skips the workflow bench)
  --workflow-concurrency LIST   executions at once (Default: 1,16)
  --stage NAME            stage whose synthesized settings feed the cost model (Default: production)
  --no-install            do not apt-get install rclone when it is missing (its rows are then left out)
  --write                 write docs/benchmarks.md and docs/benchmarks.svg (Default: only for the canonical run —
                          no --quick/--sizes/--runs/--methods/engine/workflow flags, no BENCH_* variables)
  --json FILE             also write every sample and summary as JSON to FILE ('-' = stdout)
  --help                  this text
`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      runs: { type: 'string' },
      methods: { type: 'string' },
      'part-size-mib': { type: 'string' },
      concurrency: { type: 'string' },
      'upload-chunk-mib': { type: 'string' },
      tune: { type: 'boolean', default: false },
      'workflow-objects': { type: 'string' },
      'workflow-concurrency': { type: 'string' },
      stage: { type: 'string', default: 'production' },
      'no-install': { type: 'boolean', default: false },
      write: { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const methods = values.methods ? list(values.methods).map(method) : ALL_METHODS;
  return {
    quick,
    help: values.help,
    sizes: values.sizes ? list(values.sizes).map(parseSize) : quick ? QUICK_SIZES : FULL_SIZES,
    runs: positiveInt('--runs', values.runs ?? (quick ? '1' : '3')),
    methods,
    workflowObjects: nonNegativeInt('--workflow-objects', values['workflow-objects'] ?? (quick ? '200' : '1000')),
    workflowConcurrency: list(values['workflow-concurrency'] ?? '1,16').map((v) => positiveInt('--workflow-concurrency', v)),
    ...(values['part-size-mib'] !== undefined ? { partSizeMiB: positiveInt('--part-size-mib', values['part-size-mib']) } : {}),
    ...(values.concurrency !== undefined ? { concurrency: positiveInt('--concurrency', values.concurrency) } : {}),
    ...(values['upload-chunk-mib'] !== undefined ? { uploadChunkMiB: positiveNumber('--upload-chunk-mib', values['upload-chunk-mib']) } : {}),
    tune: values.tune,
    stage: values.stage,
    installRclone: !values['no-install'],
    write: values.write ?? (!quick && canonical(values)),
    ...(values.json !== undefined ? { json: values.json } : {}),
  };
}

/** A run whose figures may replace the published ones: every case at its default (--tune, --stage, --json allowed). */
function canonical(values: Record<string, unknown>): boolean {
  const partial = ['sizes', 'runs', 'methods', 'part-size-mib', 'concurrency', 'upload-chunk-mib', 'workflow-objects', 'workflow-concurrency'].some((k) => values[k] !== undefined);
  return !partial && !process.env.BENCH_ENGINE_MODULE && !process.env.BENCH_RUNNER_MODULE && !process.env.BENCH_NODE_FLAGS && !process.env.BENCH_NO_COPIER_V8_FLAGS;
}

/** '1KiB', '64MiB', '1GiB', '1048576' → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)?$/i.exec(text.trim());
  if (!m) throw new Error(`--sizes: cannot read '${text}' (use e.g. 1KiB, 64MiB, 1GiB)`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const factor = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[unit]!;
  const bytes = Number(m[1]) * factor;
  if (bytes < 1) throw new Error(`--sizes: ${text} is empty`);
  return bytes;
}

function method(text: string): Method {
  if ((ALL_METHODS as string[]).includes(text)) return text as Method;
  throw new Error(`--methods: unknown method '${text}' (raw, old, rclone, engine)`);
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, got '${text}'`);
  return n;
}

function nonNegativeInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got '${text}'`);
  return n;
}
