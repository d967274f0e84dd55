import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { alertLabels, replayInput, shellQuote } from '../../../workflows/backup/alert';

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
    const labels = alertLabels({ action: 'copy', bucket: 'b', key: "a'b", origin: 'manual' });
    expect(labels.version).toMatch(/^\(none: /);
    expect(labels.replayInput).toBe(`'{"bucket":"b","key":"a'\\''b"}'`);
  });
});
