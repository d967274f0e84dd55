import { ListObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3Fixture, type S3Fixture } from '../../support/s3-server';

/**
 * Listings of the local S3 server against the order S3 documents ("List results are always returned in UTF-8 binary
 * order", ListObjectsV2), computed here with Buffer.compare, through the real SDK, page by page.
 */
let fx: S3Fixture;

const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';
/** Mixed case, NFC/NFD, emoji (UTF-16 surrogates sort before U+FF5A; UTF-8 bytes after), CJK, `/` trees. */
const KEYS = [
  'a', 'B', 'b', 'Zebra.txt', 'zebra.txt', NFC, NFD, `${NFC}/menu`, `${NFD}/menu`, '\u00e9', 'e\u0301', '\u{1F600}.txt',
  '\uFF5A.txt', 'dir/a', 'dir/B', 'dir/sub/x', 'dir/sub/y', 'dir/\u{1F600}', 'dir/\uFF5A', 'dir/', 'dir2/x', 'a/b/c',
  '_', '-', '~', ' space', '\u00c4\u00d6/1', '\u00e4/2', '\u65e5\u672c/\u8a9e', 'emoji/\u{1F389}/1', 'emoji/\u{1F389}/2',
];

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** What S3 lists for `prefix`/`delimiter`: keys and CommonPrefixes merged, each CommonPrefix once, in byte order. */
function reference(keys: string[], prefix = '', delimiter?: string, after?: string): string[] {
  const entries: string[] = [];
  for (const key of [...keys].sort(byteOrder)) {
    if (!key.startsWith(prefix)) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut >= 0 ? key.slice(0, cut + delimiter!.length) : key;
    if (after !== undefined && byteOrder(entry, after) <= 0) continue;
    if (entries.at(-1) !== entry) entries.push(entry);
  }
  return entries;
}

interface Page {
  entries: string[];
  truncated: boolean;
}

async function listV2(bucket: string, maxKeys: number | undefined, prefix?: string, delimiter?: string, startAfter?: string): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const res = await fx.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, MaxKeys: maxKeys, Prefix: prefix, Delimiter: delimiter, StartAfter: startAfter, ContinuationToken: token }),
    );
    const entries = [...(res.Contents ?? []).map((o) => o.Key!), ...(res.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort(byteOrder);
    expect(res.KeyCount).toBe(entries.length);
    pages.push({ entries, truncated: res.IsTruncated === true });
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
    if (res.IsTruncated) expect(token).toBeTruthy();
    expect(pages.length).toBeLessThan(200);
  } while (token);
  return pages;
}

async function listV1(bucket: string, maxKeys: number | undefined, prefix?: string, delimiter?: string): Promise<Page[]> {
  const pages: Page[] = [];
  let marker: string | undefined;
  for (;;) {
    const res = await fx.s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: maxKeys, Prefix: prefix, Delimiter: delimiter, Marker: marker }));
    const keys = (res.Contents ?? []).map((o) => o.Key!);
    const entries = [...keys, ...(res.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort(byteOrder);
    pages.push({ entries, truncated: res.IsTruncated === true });
    if (!res.IsTruncated) return pages;
    // S3: NextMarker comes only with a delimiter; otherwise the next page starts after the last key.
    if (delimiter) expect(res.NextMarker).toBe(entries.at(-1));
    else expect(res.NextMarker).toBeUndefined();
    marker = res.NextMarker ?? keys.at(-1);
    expect(pages.length).toBeLessThan(200);
  }
}

/** Every page full but the last, nothing dropped or repeated, in byte order. */
function expectPages(pages: Page[], expected: string[], maxKeys: number): void {
  expect(pages.flatMap((p) => p.entries)).toEqual(expected);
  pages.forEach((p, i) => {
    const last = i === pages.length - 1;
    expect(p.truncated).toBe(!last);
    if (!last) expect(p.entries).toHaveLength(maxKeys);
  });
}

beforeAll(async () => {
  fx = await startS3Fixture();
  await fx.createBucket('order');
  for (const Key of KEYS) await fx.s3.send(new PutObjectCommand({ Bucket: 'order', Key, Body: Key }));
});
afterAll(async () => {
  await fx?.server.close();
});

describe('local S3 server listings in UTF-8 binary order', () => {
  it('sorts by bytes: uppercase before lowercase, NFC and NFD apart, an emoji after U+FF5A', async () => {
    const [page] = await listV2('order', 1000);
    expect(page!.entries).toEqual(reference(KEYS));
    const at = (key: string) => page!.entries.indexOf(key);
    expect(at('B')).toBeLessThan(at('a'));
    expect(at('Zebra.txt')).toBeLessThan(at('b'));
    expect(at(NFD)).toBeLessThan(at(NFC)); // 'e' (0x65) before 'é' (0xC3 0xA9)
    expect(at('\uFF5A.txt')).toBeLessThan(at('\u{1F600}.txt')); // EF BD 9A before F0 9F 98 80
  });

  for (const maxKeys of [1, 4, 1000]) {
    for (const [prefix, delimiter] of [
      ['', undefined],
      ['', '/'],
      ['dir/', '/'],
      [`${NFD}`, '/'],
      ['emoji/', '/'],
    ] as const) {
      const what = `prefix ${JSON.stringify(prefix)}, delimiter ${delimiter ?? 'none'}, ${maxKeys} per page`;
      it(`ListObjectsV2 pages with continuation tokens: ${what}`, async () => {
        expectPages(await listV2('order', maxKeys, prefix, delimiter), reference(KEYS, prefix, delimiter), maxKeys);
      });
      it(`ListObjects (v1) pages with markers: ${what}`, async () => {
        expectPages(await listV1('order', maxKeys, prefix, delimiter), reference(KEYS, prefix, delimiter), maxKeys);
      });
    }
  }

  it.each([1, 4])('ListObjectsV2 StartAfter resumes after that name in byte order, %i per page', async (maxKeys) => {
    for (const startAfter of ['Zebra.txt', NFD, 'dir/', 'dir/sub/x', '\uFF5A.txt']) {
      expectPages(await listV2('order', maxKeys, '', undefined, startAfter), reference(KEYS, '', undefined, startAfter), maxKeys);
      expectPages(await listV2('order', maxKeys, '', '/', startAfter), reference(KEYS, '', '/', startAfter), maxKeys);
    }
  });

  it('lists 1,001 keys by default as 1,000 and then 1, bulk/Zebra.txt included', async () => {
    await fx.createBucket('bulk');
    const keys = [...Array.from({ length: 1000 }, (_, i) => `bulk/${String(i).padStart(4, '0')}.txt`), 'bulk/Zebra.txt'];
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => fx.s3.send(new PutObjectCommand({ Bucket: 'bulk', Key, Body: 'x' }))));
    }
    const v2 = await listV2('bulk', undefined);
    expect(v2.map((p) => p.entries.length)).toEqual([1000, 1]);
    expect(v2.flatMap((p) => p.entries)).toEqual(reference(keys));
    const v1 = await listV1('bulk', undefined);
    expect(v1.map((p) => p.entries.length)).toEqual([1000, 1]);
    expect(v1.flatMap((p) => p.entries)).toEqual(reference(keys));
  });

  it('refuses a continuation token it did not issue, and a max-keys that is not a number, as S3 does', async () => {
    const bad = await fetch(`${fx.server.endpoint}/order?list-type=2&continuation-token=${encodeURIComponent('bm90LWEtdG9rZW4=')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>InvalidArgument</Code>');
    expect((await fetch(`${fx.server.endpoint}/order?list-type=2&max-keys=ten`)).status).toBe(400);
    const missing = await fetch(`${fx.server.endpoint}/no-such-bucket?list-type=2`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<Code>NoSuchBucket</Code>');
  });
});
