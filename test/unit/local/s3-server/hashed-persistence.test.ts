import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashedS3Persistence, type RestorableStore, type StoredObject, type StoredUpload } from '../../../../workflows/local/s3-server/hashed-persistence';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 's3-hashed-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const obj = (key: string, body: string): StoredObject => ({ key, body: Buffer.from(body), contentLength: body.length, lastModified: new Date(1000), etag: '"e"', metadata: { a: '1' } });

/** What load() hands to the store, recorded. */
function load(p = new HashedS3Persistence(dir)) {
  const seen = { buckets: new Map<string, { type?: string; date?: Date; lifecycle?: string }>(), objects: new Map<string, StoredObject>(), uploads: [] as StoredUpload[] };
  const store: RestorableStore = {
    createBucket: (name, type) => void seen.buckets.set(name, { type }),
    setBucketCreationDate: (name, date) => void (seen.buckets.get(name)!.date = date),
    restoreBucketLifecycleConfiguration: (name, lifecycle) => void (seen.buckets.get(name)!.lifecycle = lifecycle),
    restoreObject: (bucket, o) => void seen.objects.set(`${bucket}/${o.key}`, o),
    restoreMultipartUpload: (u) => void seen.uploads.push(u),
  };
  p.loadS3(store);
  return { p, seen };
}

it('restores buckets with lifecycle, objects with their metadata and bodies, and uploads with their parts', () => {
  const p = new HashedS3Persistence(dir);
  p.insertBucket('b', new Date(5000), 'general-purpose');
  p.saveBucketLifecycleConfiguration('b', '<LifecycleConfiguration/>');
  p.insertBucket('c', new Date(6000));
  p.saveBucketLifecycleConfiguration('c', '<x/>');
  p.deleteBucketLifecycleConfiguration('c');
  p.upsertObject('b', obj('../../x', 'one'));
  p.upsertObject('b', obj('a/../k', 'two'));
  p.upsertObject('b', obj('k', 'three'));
  p.insertMultipartUpload({ uploadId: 'u/../1', bucket: 'b', key: 'm', initiated: new Date(7000), parts: new Map() });
  p.upsertMultipartPart('u/../1', { partNumber: 2, body: Buffer.from('pp'), lastModified: new Date(8000), etag: '"p"' });
  expect(() => p.upsertMultipartPart('u/../1', { partNumber: 1.5, body: Buffer.alloc(0), lastModified: new Date() })).toThrow(/part number/);

  const { p: again, seen } = load();
  expect(seen.buckets.get('b')).toEqual({ type: 'general-purpose', date: new Date(5000), lifecycle: '<LifecycleConfiguration/>' });
  expect(seen.buckets.get('c')).toEqual({ type: undefined, date: new Date(6000) });
  expect(seen.objects.get('b/a/../k')).toMatchObject({ key: 'a/../k', etag: '"e"', metadata: { a: '1' }, lastModified: new Date(1000), contentLength: 3 });
  expect(again.readBody('b', '../../x').toString()).toBe('one');
  expect(again.readBody('b', 'a/../k').toString()).toBe('two');
  expect(again.readBody('b', 'k').toString()).toBe('three');
  expect(() => again.readBody('b', 'missing')).toThrow(/no data/);
  expect(seen.uploads).toHaveLength(1);
  expect(seen.uploads[0]!.parts.get(2)).toMatchObject({ body: Buffer.from('pp'), etag: '"p"', lastModified: new Date(8000) });
});

it('renames, deletes by key, by bucket and all, and removes crash debris on load', () => {
  const p = new HashedS3Persistence(dir);
  p.insertBucket('b', new Date(0));
  p.upsertObject('b', obj('from', 'x'));
  p.renameObject('b', 'from', 'to');
  p.renameObject('b', 'absent', 'other');
  expect(p.readBody('b', 'to').toString()).toBe('x');
  p.upsertObject('b', obj('gone', 'y'));
  p.deleteObject('b', 'gone');
  p.upsertObject('c', obj('c1', 'z'));
  p.deleteObjectsByBucket('c');
  writeFileSync(join(dir, 's3', 'objects', 'deadbeef.orphan.data'), 'debris');
  writeFileSync(join(dir, 's3', 'buckets', 'x.json.tmp-1'), 'debris');
  mkdirSync(join(dir, 's3', 'uploads', 'killed-before-upload-json'));
  const { seen } = load();
  expect([...seen.objects.keys()]).toEqual(['b/to']);
  expect(readdirSync(join(dir, 's3', 'objects'))).toHaveLength(2);
  expect(readdirSync(join(dir, 's3', 'buckets'))).toHaveLength(1);
  expect(readdirSync(join(dir, 's3', 'uploads'))).toEqual([]);

  const q = load().p;
  q.insertMultipartUpload({ uploadId: 'u', bucket: 'b', key: 'm', initiated: new Date(0), parts: new Map() });
  q.completeMultipartUpload('u', 'b', obj('m', 'whole'));
  q.insertMultipartUpload({ uploadId: 'v', bucket: 'b', key: 'n', initiated: new Date(0), parts: new Map() });
  q.deleteAllMultipartUploads();
  expect(readdirSync(join(dir, 's3', 'uploads'))).toEqual([]);
  q.deleteAllObjects();
  expect(readdirSync(join(dir, 's3', 'objects'))).toEqual([]);
  q.upsertObject('b', obj('again', '1'));
  q.purgeAll();
  q.deleteBucket('b');
  q.close();
  expect(load().seen.objects.size).toBe(0);
});

it('reads a body from disk once for a run of GETs, and a new version from its new file', () => {
  const p = new HashedS3Persistence(dir);
  p.upsertObject('b', obj('k', 'v1'));
  const first = p.readBody('b', 'k');
  expect(p.readBody('b', 'k')).toBe(first); // the same Buffer: not read again
  p.upsertObject('b', obj('k', 'v2'));
  expect(p.readBody('b', 'k').toString()).toBe('v2');
  p.close();
});
