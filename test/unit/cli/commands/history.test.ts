import {
  DescribeExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../support/cli-io';
import { STATE_MACHINE_ARGS as target } from '../../../support/deployed-stage';

const sfn = mockClient(SFNClient);

describe('s3gcs history against a deployed stage (SFN mocked)', () => {
  beforeEach(() => sfn.reset());

  it('maps a refused request to exit 4 and an unreachable endpoint to exit 3', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const denied = await runCli(['history', ...target, 'copy-x']);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('access denied');
    sfn.reset();
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    const down = await runCli(['history', ...target, 'copy-x']);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot connect (ECONNREFUSED)');
  });
});
