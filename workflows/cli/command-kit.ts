import type { Command } from 'commander';
import { CliError, fromServiceError } from './errors';
import { EXIT } from './exit-codes';
import { Output, type CliIo } from './io';
import { resolveTarget, type Target, type TargetOptions } from './target';

/** What every command module receives: where to write, and where to put its exit code. */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}

export interface CommonOptions extends TargetOptions {
  json?: boolean;
}

/** The target options (sandbox or deployed stage) and --json, with the same help on every command. */
export function addCommonOptions(cmd: Command, { target = true } = {}): Command {
  cmd.option('--json', 'print one machine-readable JSON result on stdout (errors as JSON on stderr)');
  if (!target) return cmd;
  return cmd
    .option('--sandbox', 'talk to the sandbox started by `npm start` (reads <data-dir>/sandbox.json)')
    .option('--data-dir <dir>', "the sandbox's data directory (Default: $S3GCS_DATA_DIR or .tmp/sandbox); implies --sandbox")
    .option('--state-machine-arn <arn>', 'a deployed stage: its backup-object state machine (Default: $S3GCS_STATE_MACHINE_ARN)')
    .option('--stack-outputs <file>', 'a deployed stage: the JSON written by `cdk deploy --outputs-file`')
    .option('--stack <name>', 'the stack to use when --stack-outputs holds several')
    .option('--region <region>', "AWS region (Default: the state machine ARN's)")
    .option('--profile <name>', 'AWS credentials profile (Default: the SDK default chain)')
    .option('--destination <gs-url>', 'where the backups are, e.g. gs://backup-bucket/prefix/ (Default: the sandbox\'s, $S3GCS_DESTINATION)')
    .option('--fast-path-log-group <name>', "a deployed stage: the Express fast path's log group, its executions' only record (Default: the stack output FastPathLogGroupName, $S3GCS_FAST_PATH_LOG_GROUP)");
}

/**
 * Runs a command: first `parse` (arguments only, so a usage error comes before any connection), then resolves the
 * target and runs `body`. Every failure becomes one error line with a hint and a documented exit code; the clients are
 * always closed.
 */
export async function runCommand<O extends CommonOptions, A>(
  ctx: CommandContext,
  opts: O,
  parse: () => A,
  body: (out: Output, target: Target, args: A) => Promise<number>,
): Promise<void> {
  return runCommandWith(ctx, opts, parse, () => resolveTarget(opts, ctx.io), body);
}

/** runCommand with the command's own way to choose what it talks to (restore needs no deployed stage). */
export async function runCommandWith<O extends { json?: boolean }, A, T extends { close(): void }>(
  ctx: CommandContext,
  opts: O,
  parse: () => A,
  resolve: () => T,
  body: (out: Output, target: T, args: A) => Promise<number>,
): Promise<void> {
  const out = new Output(ctx.io, Boolean(opts.json));
  let target: T | undefined;
  try {
    const args = parse();
    target = resolve();
    ctx.setExitCode(await body(out, target, args));
  } catch (err) {
    const cliError = err instanceof CliError ? err : fromServiceError(err, 'unexpected failure');
    out.error(cliError);
    ctx.setExitCode(cliError.exitCode);
  } finally {
    target?.close();
  }
}

/** Like runCommand, for commands that need no target (sandbox). */
export async function runLocal<O extends { json?: boolean }>(ctx: CommandContext, opts: O, body: (out: Output) => Promise<number>): Promise<void> {
  const out = new Output(ctx.io, Boolean(opts.json));
  try {
    ctx.setExitCode(await body(out));
  } catch (err) {
    const cliError = err instanceof CliError ? err : new CliError((err as Error).message ?? String(err), undefined, EXIT.UNREACHABLE);
    out.error(cliError);
    ctx.setExitCode(cliError.exitCode);
  }
}

/** Help text after the options: examples a person can copy. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n\nExit codes: 0 ok, 1 problems found, 2 usage error, 3 target unreachable, 4 request refused (docs/operations.md).`;
}
