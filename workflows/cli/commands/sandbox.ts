import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEMO_CASES, runDemo, type DemoResult } from '../../local/sandbox/demo';
import { findBusyPort, SANDBOX_DEFAULT_PORTS, type SandboxService } from '../../local/sandbox/ports';
import { runningSandbox } from '../../local/sandbox/ready-file';
import { startSandbox } from '../../local/sandbox/sandbox';
import { logger } from '../../logger';
import { addCommonOptions, examples, runLocal, type CommandContext } from '../command-kit';
import { unreachable, usageError } from '../errors';
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
  consolePort: string;
  dataDir?: string;
  ephemeral?: boolean;
  verbose?: boolean;
  standardOnly?: boolean;
}

const PORT_FLAGS: Record<SandboxService, string> = { s3: '--s3-port', gcs: '--gcs-port', sfn: '--sfn-port', console: '--console-port' };
const SERVICE_NAMES: Record<SandboxService, string> = { s3: 'S3', gcs: 'GCS', sfn: 'Step Functions', console: 'web console' };

/** `s3gcs sandbox` (= `npm start`): the whole system on 127.0.0.1, a short demo, then serving until Ctrl-C. */
export function registerSandbox(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sandbox')
    .description('run S3, GCS and Step Functions locally with the real workflow, show a demo, serve until Ctrl-C')
    .option('--once', 'exit after the demo: status 0 only if every demo outcome is the expected one')
    .option('--no-demo', 'skip the demo: just serve')
    .option('--s3-port <port>', 'S3 endpoint port on 127.0.0.1 (0 = any free port)', String(SANDBOX_DEFAULT_PORTS.s3))
    .option('--gcs-port <port>', 'GCS endpoint port on 127.0.0.1 (0 = any free port)', String(SANDBOX_DEFAULT_PORTS.gcs))
    .option('--sfn-port <port>', 'Step Functions endpoint port on 127.0.0.1 (0 = any free port)', String(SANDBOX_DEFAULT_PORTS.sfn))
    .option('--console-port <port>', 'web console port on 127.0.0.1 (0 = any free port)', String(SANDBOX_DEFAULT_PORTS.console))
    .option('--data-dir <dir>', 'where S3 and GCS objects, the intake queue, executions, alerts, logs and the ready file are kept (Default: $S3GCS_DATA_DIR or .tmp/sandbox)')
    .option('--ephemeral', 'keep objects, the intake queue and executions in memory only: gone when the sandbox stops')
    .option('--verbose', "print the workflow's own structured logs too")
    .option('--standard-only', 'start a Standard execution for every event (executionMode standard-only) instead of the Express fast path first');
  addCommonOptions(cmd, { target: false }).addHelpText(
    'after',
    examples([
      'npm start                                      # = s3gcs sandbox',
      'npm start -- --once                            # the demo, then exit (0 = every outcome as expected)',
      'npm start -- --no-demo --json --s3-port 9000   # one JSON ready line, then serve',
      'npm start -- --ephemeral --s3-port 0 --gcs-port 0 --sfn-port 0 --console-port 0   # nothing kept, any free ports',
    ]),
  );
  cmd.action((opts: SandboxOptions) => runLocal(ctx, opts, (out) => runSandbox(ctx, opts, out)));
}

async function runSandbox(ctx: CommandContext, opts: SandboxOptions, out: Output): Promise<number> {
  const port = (text: string, option: string): number => (text === '0' ? 0 : parsePositive(text, option, { integer: true, max: 65535 }));
  const ports = { s3Port: port(opts.s3Port, '--s3-port'), gcsPort: port(opts.gcsPort, '--gcs-port'), sfnPort: port(opts.sfnPort, '--sfn-port'), consolePort: port(opts.consolePort, '--console-port') };
  const defaultDir = defaultDataDir(ctx.io);
  const dataDir = opts.dataDir ? resolve(ctx.io.cwd, opts.dataDir) : defaultDir;
  // A ready file whose pid is gone, or is no longer a sandbox (a reused pid), is stale: this sandbox replaces it.
  const other = await runningSandbox(dataDir);
  if (other) {
    throw unreachable(`another sandbox (pid ${other.pid}) is running with data directory ${dataDir}`, 'Stop it (Ctrl-C in its terminal), or start this one with another --data-dir.');
  }
  const wanted: Record<SandboxService, number> = { s3: ports.s3Port, gcs: ports.gcsPort, sfn: ports.sfnPort, console: ports.consolePort };
  const busy = await findBusyPort(wanted);
  if (busy) throw portInUse(busy.service, busy.port);
  if (!opts.verbose) logger.setLogLevel('SILENT');

  const sb = await startSandbox({ dataDir, ...ports, ephemeral: Boolean(opts.ephemeral), executionMode: opts.standardOnly ? 'standard-only' : 'express-first', onWarning: (line) => void ctx.io.stderr.write(`${line}\n`) }).catch((err: unknown) => {
    // Taken between the check above and the start: the server's own EADDRINUSE names the port.
    const taken = /EADDRINUSE[^\d]*(?:[\d.]+:)?(\d+)/.exec(String((err as Error).message ?? err))?.[1];
    const service = (Object.keys(wanted) as SandboxService[]).find((s) => wanted[s] !== 0 && String(wanted[s]) === taken);
    throw service ? portInUse(service, wanted[service]) : err;
  });
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stopRequested = r));
  const removeHandler = ctx.io.onInterrupt(() => stopRequested());
  try {
    out.result(readyLine(sb));
    const flag = targetFlag(sb, defaultDir, ctx.io.cwd);
    out.line(banner(sb, flag));
    for (const line of recoveryLines(sb, flag)) out.note(line);
    let code: number = EXIT.OK;
    if (opts.demo) {
      out.line('');
      out.line(`Demo: ${DEMO_CASES.length} uploads to s3://${sb.sourceBucket}, each backed up by its own execution…`);
      // Executions finish in any order; print each timeline as soon as those before it in the demo are printed.
      const finished = new Map<number, DemoResult>();
      let printed = 0;
      const demo = runDemo({ s3: sb.s3, sourceBucket: sb.sourceBucket, stepFunctions: sb.stepFunctions, fastPath: sb.fastPathStateMachineArn !== undefined }, DEMO_CASES, (r) => {
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

/** What a start on earlier state found, for the person: resumed events and interrupted executions. */
function recoveryLines(sb: Awaited<ReturnType<typeof startSandbox>>, flag: string): string[] {
  if (!sb.earlierState) return [];
  const { queuedEvents, interruptedExecutions } = sb.recovered;
  const lines = [`Resumed the state in ${sb.dataDir}: ${queuedEvents} queued object event(s) delivered again.`];
  if (interruptedExecutions.length > 0) {
    lines.push(
      `${interruptedExecutions.length} execution(s) were running when the previous sandbox stopped; they are FAILED (Sandbox.Interrupted) and alerted.`,
      `Redrive them: npm run s3gcs -- redrive ${flag} --failed`,
    );
  }
  return lines;
}

function portInUse(service: SandboxService, port: number): Error {
  return usageError(
    `port ${port} on 127.0.0.1 (the ${SERVICE_NAMES[service]} endpoint) is in use`,
    `Stop what holds it, or choose another port: ${PORT_FLAGS[service]} <port> (0 = any free port).`,
  );
}
