/**
 * Every States.Format template is a string literal. The current AWS guide documents the first argument as a string and
 * shows only literals (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html, States.Format);
 * the older intrinsic-functions page and the States Language spec also show `States.Format($.template, $.name)`, but
 * nothing shows CreateStateMachine and the service accepting a path there today, so the ASL does not rely on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatCalls } from '../../support/asl-format';

const ASL_DIR = path.join(__dirname, '..', '..', '..', 'asl');
const files = fs.readdirSync(ASL_DIR).filter((f) => f.endsWith('.asl.json'));

describe.each(files)('%s', (file) => {
  const calls = formatCalls(path.join(ASL_DIR, file));

  test('expect every States.Format template to be a string literal', () => {
    expect(calls.filter((c) => c.template === undefined).map((c) => `${c.at}: ${c.firstArgument}`)).toEqual([]);
  });

  test('expect no escaped brace in a template (the local interpreter would count it as a placeholder)', () => {
    expect(calls.filter((c) => /\\[{}]/.test(c.firstArgument)).map((c) => c.at)).toEqual([]);
  });
});

test('expect the sweep to see the backup state machine and its Format calls', () => {
  expect(files).toEqual(expect.arrayContaining(['backup-object.asl.json', 'backfill.asl.json']));
  expect(formatCalls(path.join(ASL_DIR, 'backup-object.asl.json')).length).toBeGreaterThan(0);
});
