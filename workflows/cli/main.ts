/**
 * `s3gcs`: the operations CLI. `npm start` = `s3gcs sandbox`; `npm run s3gcs -- <command>` or `npx s3gcs <command>`.
 * The same commands work against the sandbox (--sandbox) and a deployed stage (--stack-outputs / --state-machine-arn).
 */
import { Command, CommanderError } from 'commander';
import type { CommandContext } from './command-kit';
import { registerBackfill } from './commands/backfill';
import { registerDoctor } from './commands/doctor';
import { registerDrill } from './commands/drill';
import { registerConsole } from './commands/console';
import { registerExecutions } from './commands/executions';
import { registerHistory } from './commands/history';
import { registerReconcile } from './commands/reconcile';
import { registerRedrive } from './commands/redrive';
import { registerReplay } from './commands/replay';
import { registerRestore } from './commands/restore';
import { registerSandbox } from './commands/sandbox';
import { registerVerify } from './commands/verify';
import { EXIT } from './exit-codes';
import { processIo, type CliIo } from './io';

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('s3gcs')
    .description('Back up S3 into Google Cloud Storage: run the local sandbox, replay, redrive, inspect, backfill, verify and restore.')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
      outputError: (s, write) => write(`s3gcs: ${s.replace(/^error: /, 'error: ')}`),
    })
    .addHelpText(
      'after',
      '\nStart here:\n  npm start                                   # the sandbox: local S3 + GCS + Step Functions, and a demo\n' +
        '  npm run s3gcs -- executions --sandbox       # in another terminal\n\n' +
        'Exit codes: 0 ok, 1 problems found, 2 usage error, 3 target unreachable, 4 request refused (docs/operations.md).',
    );
  registerSandbox(program, ctx);
  registerReplay(program, ctx);
  registerRedrive(program, ctx);
  registerExecutions(program, ctx);
  registerHistory(program, ctx);
  registerBackfill(program, ctx);
  registerVerify(program, ctx);
  registerRestore(program, ctx);
  registerDrill(program, ctx);
  registerConsole(program, ctx);
  registerReconcile(program, ctx);
  registerDoctor(program, ctx);
  return program;
}

/** Runs the CLI on `argv` (process.argv shape) and resolves with the exit code; never calls process.exit itself. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.OK;
  const ctx: CommandContext = { io, setExitCode: (code) => void (exitCode = code) };
  const program = buildProgram(ctx);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(`s3gcs ${cmd.name()}: ${s}  hint: see \`s3gcs ${cmd.name()} --help\`\n`),
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; every parse error is a usage error.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    throw err;
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`s3gcs: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 70;
    },
  );
}
