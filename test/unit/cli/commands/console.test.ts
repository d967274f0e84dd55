import { runCli } from '../../../support/cli-io';
import { STATE_MACHINE_ARGS as target } from '../../../support/deployed-stage';

describe('s3gcs console', () => {
  it('rejects a port that is not one', async () => {
    const run = await runCli(['console', ...target, '--port', 'http']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port');
  });
});
