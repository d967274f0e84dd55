/**
 * asl/fast-path.asl.json as a definition: what AWS enforces on an Express machine (five minutes), and what the design
 * needs from it (every failure handed off, the hand-off named by the intake and deduped).
 */
import { readFileSync } from 'node:fs';
import { EXPRESS_LIMIT_SECONDS, stateWorstCaseSeconds, worstCaseSeconds } from '../../../workflows/backup/time-budget';
import { FAST_PATH_ASL_PATH } from '../../../workflows/local/asl-definition';
import { STAGES } from '../../../infra/config/stages';

type State = Record<string, unknown> & { Type: string; Catch?: { ErrorEquals: string[]; Next: string }[]; TimeoutSeconds?: number };
const definition = JSON.parse(readFileSync(FAST_PATH_ASL_PATH, 'utf8')) as { TimeoutSeconds: number; States: Record<string, State> };
const HAND_OFF = 'Hand the object to the Standard machine';

test('expect the worst path (every attempt timing out, every retry waiting its longest) to hand off within five minutes', () => {
  const { seconds, path } = worstCaseSeconds(definition);
  expect(path).toContain(HAND_OFF);
  expect(seconds).toBeLessThanOrEqual(EXPRESS_LIMIT_SECONDS);
  expect(definition.TimeoutSeconds).toBeLessThanOrEqual(EXPRESS_LIMIT_SECONDS);
});

test.each(Object.entries(STAGES))('expect the %s small copier to be cut by the fast path budget, not by its own longer timeout alone', (_stage, config) => {
  const copy = definition.States['Copy the object with the small Lambda']!;
  // The state's TimeoutSeconds is the fast path's copy budget: at most the Lambda's own, so the state decides when to hand off.
  expect(copy.TimeoutSeconds).toBeLessThanOrEqual(config.tiers.small.timeoutSeconds);
  expect(stateWorstCaseSeconds('copy', copy as never) + stateWorstCaseSeconds(HAND_OFF, definition.States[HAND_OFF] as never)).toBeLessThan(EXPRESS_LIMIT_SECONDS);
});

test('expect every Task but the hand-off to hand off whatever it does not catch by name', () => {
  const tasks = Object.entries(definition.States).filter(([name, s]) => s.Type === 'Task' && name !== HAND_OFF);
  expect(tasks.length).toBeGreaterThan(0);
  for (const [, state] of tasks) {
    const last = state.Catch?.at(-1);
    expect(last?.ErrorEquals).toEqual(['States.ALL']);
    expect(definition.States[last!.Next]!['Next']).toBe(HAND_OFF);
  }
});

test('expect the hand-off to start the Standard machine under the intake name with the original event, ExecutionAlreadyExists being success', () => {
  const handOff = definition.States[HAND_OFF]!;
  expect(handOff['Resource']).toBe('arn:aws:states:::states:startExecution');
  expect(handOff['Parameters']).toEqual({ StateMachineArn: '${BackupStateMachineArn}', 'Name.$': '$$.Execution.Name', 'Input.$': '$$.Execution.Input' });
  const caught = handOff.Catch!.find((c) => c.ErrorEquals.includes('StepFunctions.ExecutionAlreadyExistsException'));
  expect(definition.States[caught!.Next]!.Type).toBe('Pass');
});

test('expect a loop or an unbounded Task to be refused by the budget', () => {
  expect(() => worstCaseSeconds({ StartAt: 'a', States: { a: { Type: 'Pass', Next: 'a' } } })).toThrow(/loop/);
  expect(() => worstCaseSeconds({ StartAt: 'a', States: { a: { Type: 'Task', End: true } } })).toThrow(/TimeoutSeconds/);
});
