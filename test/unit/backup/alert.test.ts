import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { alertLabels, replayCommand, replayInput, shellQuote } from '../../../workflows/backup/alert';

const ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:backup';

describe('shellQuote', () => {
  test('a POSIX shell reads back exactly the quoted text, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')), (text) => {
        const echoed = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(text)}`], { encoding: 'utf8' });
        expect(echoed).toBe(text);
      }),
      { numRuns: 40 },
    );
  });

  test("writes ' as '\\''", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('alert labels', () => {
  test('the replay input is the manual shape, with the version only when known', () => {
    expect(replayInput({ bucket: 'b', key: 'k' })).toEqual({ bucket: 'b', key: 'k' });
    expect(replayInput({ bucket: 'b', key: 'k', versionId: 'v' })).toEqual({ bucket: 'b', key: 'k', versionId: 'v' });
  });

  test('say why there is no version instead of leaving a gap', () => {
    const labels = alertLabels({ action: 'copy', bucket: 'b', key: "a'b", origin: 'manual' }, ARN);
    expect(labels.version).toMatch(/^\(none: /);
    expect(labels.replayCommand).toBe(`aws stepfunctions start-execution --state-machine-arn '${ARN}' --input '{"bucket":"b","key":"a'\\''b"}'`);
  });
});

/** The arguments a POSIX shell passes to the replay command, read back with `printf '%s\0'` in its place. */
function shellArguments(command: string): string[] {
  const asPrintf = command.replace(/^aws stepfunctions start-execution /, `printf '%s\\0' `);
  expect(asPrintf).not.toBe(command);
  return execFileSync('/bin/sh', ['-c', asPrintf], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

describe('replay command', () => {
  const nastyKeys = [
    "it's",
    'back\\slash\\',
    'say "hi"',
    'two\nlines\r\n',
    '$HOME and ${PATH} and $(id)',
    '`id` ; rm -rf / | cat & > x < y',
    `all of them: ' \\ " \n $ \` ''\\'`,
    '\\\'',
    "'",
    'tab\there ✿ * ? [a] ~user #hash',
  ];

  test.each(nastyKeys)('a POSIX shell hands the state machine exactly the input JSON for key %j', (key) => {
    const event = { action: 'copy' as const, bucket: 'b', key, versionId: 'v1', origin: 'manual' as const };
    const { replayCommand: command } = alertLabels(event, ARN);
    const args = shellArguments(command);
    expect(args).toEqual(['--state-machine-arn', ARN, '--input', JSON.stringify({ bucket: 'b', key, versionId: 'v1' })]);
    expect(JSON.parse(args[3]!)).toEqual({ bucket: 'b', key, versionId: 'v1' });
  });

  test('is one line whatever the key holds (JSON escapes the newlines)', () => {
    expect(replayCommand(ARN, { bucket: 'b', key: 'a\nb' })).not.toContain('\n');
  });
});
