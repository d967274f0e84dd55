import fc from 'fast-check';
import { InvalidInput } from '../../../workflows/backup/errors';
import { parsePrepareRequest, prepareBackup, prepareBrief, type PrepareConfig, withObject } from '../../../workflows/backup/prepare';
import { prepareBackupHandler } from '../../../workflows/handlers/prepare-backup';
import { compileSkipRules } from '../../../workflows/backup/skip-rules';
import { fixture } from '../asl/stand-in-engine';

const config = { target: { bucket: 'backup', prefix: 'p/' }, skip: compileSkipRules(['**/*.tmp']) };
const ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:backup';
const prepare = (input: unknown, c: PrepareConfig) => prepareBackup({ input, stateMachineArn: ARN }, c);

function attempt<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: (err as Error).name };
  }
}
/** A string as it appears inside the replay command's single-quoted JSON. */
const shellQuotedJson = (s: string) => JSON.stringify(s).slice(1, -1).replace(/'/g, "'\\''");

describe('prepareBackup', () => {
  test('normalizes the input and returns every field the ASL reads', () => {
    const prepared = prepare(fixture('s3-notification-put.json'), config);
    expect(prepared).toEqual({
      object: expect.objectContaining({ action: 'copy', bucket: 'source-bucket', key: 'photos/red flower c++ ✿.jpg', size: 1048576 }),
      objectJson: JSON.stringify(prepared.object),
      destination: 'gs://backup/p/source-bucket/photos/red flower c++ ✿.jpg',
      skippedBy: null,
      stateMachineArn: ARN,
      report: {
        bucket: 'source-bucket',
        key: 'photos/red flower c++ ✿.jpg',
        version: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
        replayCommand: `aws stepfunctions start-execution --state-machine-arn '${ARN}' --input '{"bucket":"source-bucket","key":"photos/red flower c++ ✿.jpg","versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko"}'`,
      },
    });
  });

  test('names the skip pattern a key matches', () => {
    expect(prepare({ bucket: 'b', key: 'x/y.tmp' }, config).skippedBy).toBe('**/*.tmp');
  });

  test('leaves a key GCS cannot store to the copier, so the alert can name the object', () => {
    const prepared = prepare({ bucket: 'b', key: 'bad\nname' }, config);
    expect(prepared.report).toMatchObject({ bucket: 'b', key: 'bad\nname' });
    expect(prepared.destination).toBe('gs://backup/p/b/bad\nname');
  });

  test('does not name-check keys that will not be written (skipped keys, deletes)', () => {
    const skipping = { ...config, skip: () => 'every key' };
    expect(prepare({ bucket: 'b', key: 'bad\nname' }, skipping).skippedBy).toBe('every key');
    const del = prepare(
      { version: '0', 'detail-type': 'Object Deleted', source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key: 'bad\nname' } } },
      config,
    );
    expect(del.object.action).toBe('delete');
  });

  // "Normalize the event" runs before the state machine has the object's alert labels: anything it throws is reported
  // as '(unknown …)'. So it may fail only on input it cannot read, and any readable input must yield labels naming it.
  test('fails only with InvalidInput; whatever it can read, its labels name the bucket and key', () => {
    const segment = fc.constantFrom('', '.', '..', '.well-known/acme-challenge/', 'a\n', '\r', ' ', '+', '%2B', '%', '😀', 'k'.repeat(700), 'x/');
    const key = fc.array(fc.oneof(segment, fc.string({ minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(key.filter((k) => k !== ''), fc.boolean(), (k, asNotification) => {
        const input = asNotification
          ? { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'src' }, object: { key: k, size: 1, eTag: 'e' } } }
          : { bucket: 'src', key: k };
        // The only unreadable part of a parseable shape: a notification key that is not valid percent-encoding.
        const readableKey = asNotification ? attempt(() => decodeURIComponent(k.replace(/\+/g, ' '))) : { value: k };
        const labels = attempt(() => {
          const { bucket, key: named, replayCommand } = prepare(input, config).report;
          return { bucket, key: named, replayNamesIt: 'error' in readableKey ? false : replayCommand.includes(shellQuotedJson(readableKey.value)) };
        });
        expect(labels).toEqual('error' in readableKey ? { error: 'InvalidInput' } : { value: { bucket: 'src', key: readableKey.value, replayNamesIt: true } });
      }),
      { numRuns: 300 },
    );
  });

  test('malformed input is InvalidInput naming the problem', () => {
    expect(() => prepare({ key: 'k' }, config)).toThrow(InvalidInput);
    expect(() => prepare({ key: 'k' }, config)).toThrow(/"bucket"/);
  });

  test('withObject rebuilds the derived fields from a changed object', () => {
    const prepared = prepare({ bucket: 'b', key: 'k' }, config);
    const next = withObject(prepared, { ...prepared.object, size: 5, versionId: 'v9' });
    expect(next.objectJson).toBe(JSON.stringify({ ...prepared.object, size: 5, versionId: 'v9' }));
    expect(next.report.version).toBe('v9');
    expect(next.destination).toBe(prepared.destination);
  });
});

describe('the fast path\'s brief preparation (its result is logged in full)', () => {
  test('returns the object without what only describes the event, its destination and skip pattern', () => {
    const input = fixture('s3-notification-put.json');
    const full = prepare(input, config);
    const { eventTime: _t, eventName: _n, origin: _o, ...object } = full.object;
    expect(prepareBrief({ input, brief: true }, config)).toEqual({ object, destination: full.destination, skippedBy: null });
    expect(prepareBrief({ input: { bucket: 'b', key: 'x/y.tmp' }, brief: true }, config).skippedBy).toBe('**/*.tmp');
  });

  test('refuses bad input with InvalidInput, as the full preparation does', () => {
    expect(() => prepareBrief({ input: { foo: 1 }, brief: true }, config)).toThrow(InvalidInput);
  });

  test('is what the handler returns for {input, brief: true}; {input, stateMachineArn} gets the full record; anything else is a deployment error', async () => {
    const handler = prepareBackupHandler(config);
    const input = fixture('s3-notification-put.json');
    expect(await handler({ input, brief: true })).toEqual(prepareBrief({ input, brief: true }, config));
    expect(await handler({ input, stateMachineArn: ARN })).toEqual(prepare(input, config));
    for (const payload of [{ input }, { input, brief: false }, { input, brief: true, stateMachineArn: ARN }, null]) {
      expect(() => parsePrepareRequest(payload)).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
    }
  });
});
