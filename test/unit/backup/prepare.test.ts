import { InvalidInput } from '../../../workflows/backup/errors';
import { prepareBackup, withObject } from '../../../workflows/backup/prepare';
import { compileSkipRules } from '../../../workflows/backup/skip-rules';
import { fixture } from '../asl/stand-in-engine';

const config = { target: { bucket: 'backup', prefix: 'p/' }, skip: compileSkipRules(['**/*.tmp']) };

describe('prepareBackup', () => {
  test('normalizes the input and returns every field the ASL reads', () => {
    const prepared = prepareBackup(fixture('s3-notification-put.json'), config);
    expect(prepared).toEqual({
      object: expect.objectContaining({ action: 'copy', bucket: 'source-bucket', key: 'photos/red flower c++ ✿.jpg', size: 1048576 }),
      objectJson: JSON.stringify(prepared.object),
      destination: 'gs://backup/p/photos/red flower c++ ✿.jpg',
      skippedBy: null,
      report: {
        bucket: 'source-bucket',
        key: 'photos/red flower c++ ✿.jpg',
        version: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
        replayInput: `'{"bucket":"source-bucket","key":"photos/red flower c++ ✿.jpg","versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko"}'`,
      },
    });
  });

  test('names the skip pattern a key matches', () => {
    expect(prepareBackup({ bucket: 'b', key: 'x/y.tmp' }, config).skippedBy).toBe('**/*.tmp');
  });

  test('leaves a key GCS cannot store to the copier, so the alert can name the object', () => {
    const prepared = prepareBackup({ bucket: 'b', key: 'bad\nname' }, config);
    expect(prepared.report).toMatchObject({ bucket: 'b', key: 'bad\nname' });
    expect(prepared.destination).toBe('gs://backup/p/bad\nname');
  });

  test('does not name-check keys that will not be written (skipped keys, deletes)', () => {
    const skipping = { ...config, skip: () => 'every key' };
    expect(prepareBackup({ bucket: 'b', key: 'bad\nname' }, skipping).skippedBy).toBe('every key');
    const del = prepareBackup(
      { version: '0', 'detail-type': 'Object Deleted', source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key: 'bad\nname' } } },
      config,
    );
    expect(del.object.action).toBe('delete');
  });

  test('malformed input is InvalidInput naming the problem', () => {
    expect(() => prepareBackup({ key: 'k' }, config)).toThrow(InvalidInput);
    expect(() => prepareBackup({ key: 'k' }, config)).toThrow(/"bucket"/);
  });

  test('withObject rebuilds the derived fields from a changed object', () => {
    const prepared = prepareBackup({ bucket: 'b', key: 'k' }, config);
    const next = withObject(prepared, { ...prepared.object, size: 5, versionId: 'v9' });
    expect(next.objectJson).toBe(JSON.stringify({ ...prepared.object, size: 5, versionId: 'v9' }));
    expect(next.report.version).toBe('v9');
    expect(next.destination).toBe(prepared.destination);
  });
});
