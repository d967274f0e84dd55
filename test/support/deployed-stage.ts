/** The deployed stage the CLI tests point commands at (Step Functions mocked): its backup state machine and executions. */

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backup-object';

export function executionArn(name: string): string {
  return `arn:aws:states:eu-west-1:123456789012:execution:backup-object:${name}`;
}

/** The arguments that aim a command at that state machine. */
export const STATE_MACHINE_ARGS = ['--state-machine-arn', STATE_MACHINE_ARN];
