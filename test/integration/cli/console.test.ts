/** `s3gcs console` against a deployed stage (Step Functions mocked), served for real on 127.0.0.1. */
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { CliIo } from '../../../workflows/cli/io';
import { main } from '../../../workflows/cli/main';
import { STATE_MACHINE_ARGS as target, STATE_MACHINE_ARN as SM } from '../../support/deployed-stage';

const sfn = mockClient(SFNClient);

describe('s3gcs console', () => {
  it('serves a deployed stage read-only on 127.0.0.1 until Ctrl-C', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ name: 'backup-object', stateMachineArn: SM, type: 'STANDARD', creationDate: new Date() }] });
    let stdout = '';
    let served: unknown;
    const io: CliIo = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      env: {},
      cwd: process.cwd(),
      // Ctrl-C once the console answered: what a person does after looking.
      onInterrupt: (stop) => {
        const check = setInterval(() => {
          const url = /"consoleUrl":"([^"]+)"/.exec(stdout)?.[1];
          if (!url) return;
          clearInterval(check);
          void fetch(`${url}api/info`)
            .then((r) => r.json())
            .then((info) => (served = info))
            .finally(stop);
        }, 10);
        return () => clearInterval(check);
      },
    };
    const code = await main(['node', 's3gcs', 'console', ...target, '--json'], io);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ consoleUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), readOnly: true });
    expect(served).toMatchObject({ kind: 'aws', writable: false, defaultStateMachineArn: SM, stateMachines: [{ name: 'backup-object', type: 'STANDARD' }] });
  });

});
