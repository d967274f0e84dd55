import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTION_PATHS, TASK_COMPUTE, pathProblems, type AslLike } from '../../../workflows/cost/paths';

const asl = JSON.parse(readFileSync(join(__dirname, '../../../asl/backup-object.asl.json'), 'utf8')) as AslLike;

it.each(Object.entries(EXECUTION_PATHS))('expect the path "%s" to be a walk through asl/backup-object.asl.json', (_name, states) => {
  expect(pathProblems(asl, states)).toEqual([]);
});

it('expect a happy small copy to cost five transitions, as the local runner counts them', () => {
  // test/bench's workflow run counts StateEntered events per execution: 5 for every small copy.
  expect(EXECUTION_PATHS['small copy']).toHaveLength(5);
});

it('expect a step the ASL does not allow to be reported', () => {
  const bad = ['Read the deployment settings', 'Normalize the event', 'Copy the object with the small Lambda'];
  expect(pathProblems(asl, bad)).toEqual(["'Normalize the event' cannot go to 'Copy the object with the small Lambda'"]);
});

it('expect a path ending on a non-terminal state to be reported', () => {
  expect(pathProblems(asl, ['Read the deployment settings', 'Normalize the event'])).toEqual(["ends at 'Normalize the event', which is not terminal"]);
});

it('expect a repeated state to count as a retry only where the state retries', () => {
  const path = ['Read the deployment settings', 'Read the deployment settings'];
  expect(pathProblems(asl, path)).toContain("'Read the deployment settings' cannot go to 'Read the deployment settings'");
});

it('expect every Task state in the ASL to be assigned the compute that runs it', () => {
  const tasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task').map(([name]) => name);
  expect(tasks.filter((t) => t !== 'Delete the backup copy' && !(t in TASK_COMPUTE))).toEqual([]);
});
