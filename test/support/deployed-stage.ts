import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Storage } from '@google-cloud/storage';
import type { Target } from '../../workflows/cli/target';

/** The deployed stage the CLI tests point commands at (Step Functions mocked): its backup state machine and executions. */

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backup-object';

export function executionArn(name: string): string {
  return `arn:aws:states:eu-west-1:123456789012:execution:backup-object:${name}`;
}

/** The arguments that aim a command at that state machine. */
export const STATE_MACHINE_ARGS = ['--state-machine-arn', STATE_MACHINE_ARN];

/** A Target for that stage built by hand (SDK clients mocked by the test; `storage` when the code under test lists GCS). */
export function deployedTarget(storage?: () => Storage): Target {
  return {
    kind: 'aws',
    label: STATE_MACHINE_ARN,
    region: 'eu-west-1',
    stateMachineArn: STATE_MACHINE_ARN,
    sfn: new SFNClient({ region: 'eu-west-1' }),
    s3: new S3Client({ region: 'eu-west-1' }),
    storage:
      storage ??
      (() => {
        throw new Error('not used');
      }),
    consoleUrl: (arn) => arn,
    close: () => undefined,
  };
}
