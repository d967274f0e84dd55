/**
 * AWS documents States.Format's first argument as a string, and shows it as a quoted literal
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-generic); a template
 * read from a path is not shown to be accepted by CreateStateMachine, so every template here is a literal.
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
  expect(formatCalls(path.join(ASL_DIR, 'backup-object.asl.json')).length).toBeGreaterThan(5);
});
