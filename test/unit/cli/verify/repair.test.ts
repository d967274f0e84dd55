import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { Target } from '../../../../workflows/cli/target';
import { repairDifferences } from '../../../../workflows/cli/verify/repair';
import { verifyScope, type VerifyScope } from '../../../../workflows/cli/verify/run-verify';
import { deployedTarget, executionArn } from '../../../support/deployed-stage';
import { fakeStorage } from '../../../support/fake-storage';

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);

const copyOf = (key: string) => ({
  name: `bk/src/${key}`,
  size: '1',
  generation: '1',
  metageneration: '1',
  crc32c: 'AAAAAA==',
  metadata: { 's3-bucket': 'src', 's3-key': key, 's3-etag': 'e', 's3-size': '1', 's3-crc32c': 'AAAAAA==', 'verified-crc32c': 'AAAAAA==' },
});

const KEYS = ['a.txt', 'B.txt', 'c.txt', 'D.txt'];
const scope: VerifyScope = { sourceBucket: 'src', prefix: '', destination: { bucket: 'dst', prefix: 'bk/' } };

const targetOver = (objects: Record<string, unknown>[]): Target => deployedTarget(() => fakeStorage(objects));

describe('repairDifferences', () => {
  beforeEach(() => {
    s3.reset();
    sfn.reset();
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: executionArn(input.name), startDate: new Date() }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'already-current' }) });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"' });
  });

  it('calls an object repaired only when the check verify makes finds it ok afterwards', async () => {
    // A source listing out of S3's byte order (fauxqs sorted with localeCompare): the merge join then reports
    // B.txt and D.txt missing although HeadObject and the backups say they are fine; a replay cannot change that.
    s3.on(ListObjectsV2Command).resolves({ Contents: KEYS.map((Key) => ({ Key, Size: 1, ETag: '"e"' })) });
    const target = targetOver(KEYS.map(copyOf));
    const before = await verifyScope(target.s3, target.storage(), scope);
    expect(before.differences.map((d) => [d.kind, d.key])).toEqual([
      ['missing', 'B.txt'],
      ['missing', 'D.txt'],
    ]);
    const repairs = await repairDifferences(target, scope, before.differences, { concurrency: 2, timeoutMs: 1000 });
    expect(repairs.map((r) => [r.key, r.status, r.outcome, r.remaining?.kind])).toEqual([
      ['B.txt', 'SUCCEEDED', 'already-current', 'missing'],
      ['D.txt', 'SUCCEEDED', 'already-current', 'missing'],
    ]);
  });

  it('calls an object repaired when the following check finds it ok', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: ['a.txt', 'b.txt'].map((Key) => ({ Key, Size: 1, ETag: '"e"' })) });
    const objects: Record<string, unknown>[] = [copyOf('a.txt')];
    const target = targetOver(objects);
    const before = await verifyScope(target.s3, target.storage(), scope);
    expect(before.differences.map((d) => [d.kind, d.key])).toEqual([['missing', 'b.txt']]);
    // The replay copies b.txt.
    sfn.on(DescribeExecutionCommand).callsFake(() => {
      objects.push(copyOf('b.txt'));
      return { status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'copied' }) };
    });
    const repairs = await repairDifferences(target, scope, before.differences, { concurrency: 1, timeoutMs: 1000 });
    expect(repairs).toEqual([expect.objectContaining({ key: 'b.txt', status: 'SUCCEEDED', outcome: 'copied' })]);
    expect(repairs[0]!.remaining).toBeUndefined();
  });
});
