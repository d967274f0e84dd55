import type { Command } from 'commander';
import { startConsole } from '../../console/server';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { EXIT } from '../exit-codes';
import { parsePositive } from '../time-window';

interface ConsoleOptions extends CommonOptions {
  port: string;
}

/** `s3gcs console`: the web console on 127.0.0.1 for any target; read-only for a deployed stage. */
export function registerConsole(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('console')
    .description('serve the web console (executions, graphs, events, objects) on 127.0.0.1 until Ctrl-C; read-only for a deployed stage')
    .option('--port <port>', 'port on 127.0.0.1 (0 = any free port)', '0');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs console --sandbox            # the sandbox serves one already: see its start-up text',
      's3gcs console --stack-outputs outputs.json --profile prod --destination gs://backups/   # a deployed stage, read-only',
    ]),
  );
  cmd.action((opts: ConsoleOptions) =>
    runCommand(
      ctx,
      opts,
      () => (opts.port === '0' ? 0 : parsePositive(opts.port, '--port', { integer: true, max: 65535 })),
      async (out, target, port) => {
        const server = await startConsole(target, { port });
        let stop: () => void = () => undefined;
        const stopped = new Promise<void>((r) => (stop = r));
        const removeHandler = ctx.io.onInterrupt(() => stop());
        try {
          out.result({ consoleUrl: server.url, target: target.label, readOnly: target.kind !== 'sandbox' });
          out.line(`Console for ${target.label}${target.kind === 'sandbox' ? '' : ' (read-only)'}: ${server.url}`);
          out.line('Stop with Ctrl-C.');
          await stopped;
          return EXIT.OK;
        } finally {
          removeHandler();
          await server.close();
        }
      },
    ),
  );
}
