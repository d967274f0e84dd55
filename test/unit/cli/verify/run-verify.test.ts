import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { verifyScope } from '../../../../workflows/cli/verify/run-verify';
import type { CopyTarget } from '../../../../workflows/copy/types';
import { fakeStorage } from '../../../support/fake-storage';

const s3 = mockClient(S3Client);

const copyOf = (key: string, size: number, etag: string, name = `bk/src/${key}`) => ({
  name,
  size: String(size),
  generation: '1',
  metageneration: '1',
  crc32c: 'AAAAAA==',
  metadata: { 's3-bucket': 'src', 's3-key': key, 's3-etag': etag, 's3-size': String(size), 's3-crc32c': 'AAAAAA==', 'verified-crc32c': 'AAAAAA==' },
});

/** Backups made before names carried the bucket: `<key>` at the root. */
const LEGACY: CopyTarget = { bucket: 'dst', prefix: '', layout: { kind: 'legacy', sourceBucket: 'src' } };

describe('verifyScope', () => {
  beforeEach(() => s3.reset());

  it('merge-joins both listings page by page in UTF-8 order (not UTF-16), so non-ASCII keys pair up', async () => {
    // UTF-16 puts the astral emoji before U+FF01; UTF-8 bytes (S3's and GCS's order) put it after.
    const keys = ['a.txt', 'b.txt', '\uFF01wide', '\u{1F600}smile', 'z.txt'];
    const listed = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: listed.slice(0, 3).map((Key) => ({ Key, Size: 3, ETag: '"e"' })),
      IsTruncated: true,
      NextContinuationToken: 'p2',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 'p2' }).resolves({ Contents: listed.slice(3).map((Key) => ({ Key, Size: 3, ETag: '"e"' })), IsTruncated: false });
    const storage = fakeStorage([
      // The backup of U+FF01 is missing; the emoji's is there: a UTF-16 merge would pair them wrongly.
      ...keys.filter((k) => k !== '\uFF01wide').map((k) => copyOf(k, 3, 'e')),
      copyOf('retained-after-delete.txt', 1, 'x'),
    ]);
    const listedPages: number[] = [];
    const tally = await verifyScope(new S3Client({ region: 'us-east-1' }), storage, { sourceBucket: 'src', prefix: '', destination: { bucket: 'dst', prefix: 'bk/' } }, {
      listed: (n) => listedPages.push(n),
      compared: () => undefined,
    });
    expect(listedPages).toEqual([3, 2]);
    expect(tally.checked).toBe(5);
    expect(tally.ok).toBe(4);
    expect(tally.differences.map((d) => [d.kind, d.key])).toEqual([['missing', '\uFF01wide']]);
    expect(tally.extra).toBe(1);
    expect(tally.extraSample).toEqual(['bk/src/retained-after-delete.txt']);
  });

  it('reports a backup without the verified mark as unverified, not ok', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'new.bin', Size: 1, ETag: '"e"' }, { Key: 'old.bin', Size: 1, ETag: '"e-2"' }] });
    const legacy = copyOf('old.bin', 1, 'e-2', 'old.bin');
    delete (legacy.metadata as Partial<typeof legacy.metadata>)['verified-crc32c'];
    const tally = await verifyScope(new S3Client({ region: 'us-east-1' }), fakeStorage([copyOf('new.bin', 1, 'e', 'new.bin'), legacy]), {
      sourceBucket: 'src',
      prefix: '',
      destination: LEGACY,
    });
    expect(tally).toMatchObject({ checked: 2, ok: 1 });
    expect(tally.differences.map((d) => [d.kind, d.key])).toEqual([['unverified', 'old.bin']]);
  });

  it('leaves excluded keys out of the comparison', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'keep.txt', Size: 1, ETag: '"e"' }, { Key: 'x.tmp', Size: 1, ETag: '"e"' }] });
    const tally = await verifyScope(new S3Client({ region: 'us-east-1' }), fakeStorage([copyOf('keep.txt', 1, 'e', 'keep.txt')]), {
      sourceBucket: 'src',
      prefix: '',
      destination: LEGACY,
      excluded: (k) => k.endsWith('.tmp'),
    });
    expect(tally).toMatchObject({ checked: 1, ok: 1, excluded: 1, differences: [] });
  });

  it("lists only the source bucket's own names, and reports another bucket's backup there as wrong-source", async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'shared/report.txt', Size: 1, ETag: '"e"' }, { Key: 'solo.txt', Size: 1, ETag: '"e"' }] });
    const other = (key: string, name: string) => ({ ...copyOf(key, 1, 'e', name), metadata: { ...copyOf(key, 1, 'e').metadata, 's3-bucket': 'other' } });
    const storage = fakeStorage([
      copyOf('shared/report.txt', 1, 'e'),
      other('shared/report.txt', 'bk/other/shared/report.txt'), // the other bucket's own backup: not listed
      other('solo.txt', 'bk/src/solo.txt'), // the other bucket's backup under src's name
      other('gone.txt', 'bk/src/gone.txt'), // ... with no source object here either
    ]);
    const tally = await verifyScope(new S3Client({ region: 'us-east-1' }), storage, { sourceBucket: 'src', prefix: '', destination: { bucket: 'dst', prefix: 'bk/' } });
    expect(tally).toMatchObject({ checked: 2, ok: 1, extra: 0 });
    expect(tally.differences.map((d) => [d.kind, d.key, d.destinationName])).toEqual([
      ['wrong-source', 'gone.txt', 'bk/src/gone.txt'],
      ['wrong-source', 'solo.txt', 'bk/src/solo.txt'],
    ]);
  });
});
