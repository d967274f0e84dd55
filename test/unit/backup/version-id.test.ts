import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { executionName } from '../../../workflows/backup/execution-name';
import { normalizeExecutionInput } from '../../../workflows/backup/normalize';
import { sourceVersionId } from '../../../workflows/backup/version-id';
import { headSource } from '../../../workflows/copy/s3-source';

/** S3's "null" version (versioning suspended or never enabled) is "no version" everywhere: normalize, names, the S3 pin. */

const FIXTURES = path.join(__dirname, '../../fixtures/events');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

/** A put record of the fixture with the given versionId, sequencer and ETag. */
function notification(versionId: string, sequencer: string, eTag: string): Record<string, unknown> {
  const record = (fixture('s3-notification-put.json')['Records'] as Record<string, { object: Record<string, unknown> }>[])[0]!;
  return { ...record, s3: { ...record['s3'], object: { ...record['s3']!['object'], versionId, sequencer, eTag } } };
}

function eventBridge(versionId: string, sequencer: string): Record<string, unknown> {
  const event = fixture('eventbridge-object-created.json') as { detail: { object: Record<string, unknown> } };
  return { ...event, detail: { ...event.detail, object: { ...event.detail.object, 'version-id': versionId, sequencer } } };
}

describe('sourceVersionId', () => {
  it.each([[undefined], [null], [''], ['null']])('%p is no version', (v) => expect(sourceVersionId(v)).toBeUndefined());
  it('keeps a real version id', () => expect(sourceVersionId('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY')).toBe('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY'));
});

describe('versionId "null" is no version', () => {
  it.each([
    ['an S3 notification record', notification('null', '0055AED6DCD90281E5', 'aaa')],
    ['an EventBridge event', eventBridge('null', '0055AED6DCD90281E5')],
    ['a manual input', { bucket: 'b', key: 'k', versionId: 'null' }],
  ])('normalize drops it from %s', (_shape, input) => {
    expect(normalizeExecutionInput(input)).not.toHaveProperty('versionId');
  });

  it('two overwrites in a suspended bucket get two execution names (told apart by their sequencers)', () => {
    const first = normalizeExecutionInput(notification('null', '0055AED6DCD90281E5', 'aaa'));
    const second = normalizeExecutionInput(notification('null', '0055AED6DCD90281F0', 'bbb'));
    expect(executionName(first)).not.toBe(executionName(second));
    const viaEventBridge = [eventBridge('null', '0055AED6DCD90281E5'), eventBridge('null', '0055AED6DCD90281F0')].map((e) => executionName(normalizeExecutionInput(e)));
    expect(viaEventBridge[0]).not.toBe(viaEventBridge[1]);
  });

  it('execution names treat a "null" version like no version, whoever built the event', () => {
    const ev = { action: 'copy' as const, bucket: 'b', key: 'k', sequencer: '01', origin: 'manual' as const };
    expect(executionName({ ...ev, versionId: 'null' })).toBe(executionName(ev));
  });

  it('the S3 transport never pins a read to "null": it pins by If-Match on the ETag instead', async () => {
    const s3Mock = mockClient(S3Client);
    try {
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'null' });
      const src = await headSource(new S3Client({ region: 'us-east-1' }), { bucket: 'b', key: 'k', versionId: 'null', etag: 'e' });
      const input = s3Mock.commandCalls(HeadObjectCommand)[0]!.args[0].input;
      expect(input).not.toHaveProperty('VersionId');
      expect(input).toMatchObject({ IfMatch: '"e"' });
      expect(src.versionId).toBeUndefined();
    } finally {
      s3Mock.restore();
    }
  });
});
