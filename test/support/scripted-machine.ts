import type { JsonObject } from '../../workflows/local/asl-definition';
import { StateMachine } from '../../workflows/local/local-sfn';
import { machineStartingAt, runOutcome, runToTimeline } from '../../workflows/local/runner';
import type { LocalStateMachine } from '../../workflows/local/sfn-api';

export const SCRIPTED_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:copy';
/** Prepare (Pass, reshapes the input) → Copy (Task, one retry of TransientError) → end. */
export const SCRIPTED_DEFINITION: JsonObject = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'key.$': '$.key', prepared: true }, Next: 'Copy' },
    Copy: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 1, IntervalSeconds: 1 }],
      End: true,
    },
  },
};

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * The definition run by aws-local-stepfunctions, its Copy task answering from a script: 'transient' (retried),
 * 'refused' (not retried: the execution fails at Copy) or 'ok'. Records every input Copy was called with.
 */
export type CopyScript = ('transient' | 'refused' | 'ok')[];

export function scriptedMachine(script: CopyScript, type?: 'STANDARD' | 'EXPRESS'): LocalStateMachine & { copyInputs: unknown[] } {
  const copyInputs: unknown[] = [];
  const copy = (input: unknown): unknown => {
    copyInputs.push(input);
    const next = script.shift() ?? 'ok';
    if (next === 'transient') throw named('TransientError', 'GCS said 503');
    if (next === 'refused') throw named('GcsWriteRefused', 'GCS refused the write (403)');
    return { copied: (input as { key: string }).key };
  };
  const full = new StateMachine(SCRIPTED_DEFINITION as never);
  return {
    name: 'copy',
    arn: SCRIPTED_ARN,
    definition: JSON.stringify(SCRIPTED_DEFINITION),
    ...(type ? { type } : {}),
    copyInputs,
    async run(input, execution, resume) {
      const machine = resume ? machineStartingAt(SCRIPTED_DEFINITION, resume.startAt) : full;
      const options = { overrides: { taskResourceLocalHandlers: { Copy: copy as never }, retryIntervalOverrides: { Copy: 0 } } };
      const timeline = await runToTimeline(() => machine.run(input as never, options), execution.name);
      return { ...runOutcome(timeline), timeline };
    },
  };
}
