import { SfnApiError } from './protocol';

/**
 * Step Functions' rules for execution names (and ARNs built from them): 1–80 characters, none of whitespace,
 * `"#%\^|~`$&,;:/<>{}[]?*`, nor control characters. The local endpoint refuses what AWS refuses, so a name that works
 * locally works in the cloud.
 */
const FORBIDDEN = /[\s"#%\\^|~`$&,;:/<>{}[\]?*]/u;

export function executionNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 80) return `must be 1-80 characters long, got ${name.length}`;
  if (FORBIDDEN.test(name)) return 'must not contain whitespace or any of "#%\\^|~`$&,;:/<>{}[]?*';
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return 'must not contain control characters';
  }
  return undefined;
}

export function assertValidExecutionName(name: string): void {
  const problem = executionNameProblem(name);
  if (problem) throw new SfnApiError('InvalidName', `Invalid Name: '${name}': the execution name ${problem}`);
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:execution:([^:]+):([^:]+)$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:([^:]+)$/;

export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** An Express execution's ARN: `arn:aws:states:<region>:<account>:express:<machine>:<name>:<id>`. */
const EXPRESS_EXECUTION_ARN = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:express:[^:]+:[^:]+:[^:]+$/;

export function expressExecutionArnFor(stateMachineArn: string, name: string, id: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':express:')}:${name}:${id}`;
}

export function isExpressExecutionArn(arn: string): boolean {
  return EXPRESS_EXECUTION_ARN.test(arn);
}

export function assertExecutionArn(arn: string): { stateMachineName: string; name: string } {
  const m = EXECUTION_ARN.exec(arn);
  if (!m) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}' is not an execution ARN`);
  return { stateMachineName: m[1]!, name: m[2]! };
}

export function assertStateMachineArn(arn: string): void {
  if (!STATE_MACHINE_ARN.test(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}' is not a state machine ARN`);
}
