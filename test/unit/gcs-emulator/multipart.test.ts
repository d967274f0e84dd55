import fc from 'fast-check';
import { boundaryOf, parseMultipart, type MultipartEvent } from '../../../workflows/local/gcs-emulator/multipart';

const BOUNDARY = 'xyz123';

async function collect(chunks: Buffer[]): Promise<{ headers: Record<string, string>[]; bodies: Buffer[] }> {
  async function* source() {
    yield* chunks;
  }
  const headers: Record<string, string>[] = [];
  const parts: Buffer[][] = [];
  for await (const ev of parseMultipart(source(), BOUNDARY) as AsyncGenerator<MultipartEvent>) {
    if (ev.type === 'part') {
      headers.push(ev.headers);
      parts.push([]);
    } else if (ev.type === 'data') {
      parts[parts.length - 1]!.push(ev.data);
    }
  }
  return { headers, bodies: parts.map((p) => Buffer.concat(p)) };
}

function body(meta: string, media: Buffer, mediaHeaders = 'Content-Type: application/octet-stream\r\n'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n${meta}\r\n--${BOUNDARY}\r\n${mediaHeaders}\r\n`),
    media,
    Buffer.from(`\r\n--${BOUNDARY}--`),
  ]);
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

it('reads the boundary from a multipart/related Content-Type, quoted or not', () => {
  expect(boundaryOf('multipart/related; boundary=abc')).toBe('abc');
  expect(boundaryOf('multipart/related; boundary="a b"')).toBe('a b');
  expect(() => boundaryOf('application/json')).toThrow(/multipart\/related/);
});

it('splits the metadata and media parts with their headers', async () => {
  const { headers, bodies } = await collect([body('{"name":"n"}', Buffer.from('media'))]);
  expect(headers).toEqual([{ 'content-type': 'application/json' }, { 'content-type': 'application/octet-stream' }]);
  expect(bodies.map(String)).toEqual(['{"name":"n"}', 'media']);
});

it('accepts a part with no headers', async () => {
  const { headers, bodies } = await collect([body('{}', Buffer.from('bare'), '')]);
  expect(headers[1]).toEqual({});
  expect(String(bodies[1])).toBe('bare');
});

it('returns the media bytes unchanged however the stream is cut, even when they contain delimiter look-alikes', async () => {
  const tricky = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(Buffer.from('\r\n'), Buffer.from(`\r\n--${BOUNDARY.slice(0, 3)}`), Buffer.from(`--${BOUNDARY}`), Buffer.from('\r')));
  await fc.assert(
    fc.asyncProperty(fc.array(tricky, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), async (pieces, cuts) => {
      const media = Buffer.concat(pieces.map((p) => Buffer.from(p)));
      fc.pre(!media.includes(`\r\n--${BOUNDARY}`)); // a client picks a boundary its bytes do not contain
      const { bodies } = await collect(splitAt(body('{"a":1}', media), cuts));
      expect(bodies[1]!.equals(media)).toBe(true);
      expect(String(bodies[0])).toBe('{"a":1}');
    }),
    { numRuns: 300 },
  );
});

it('hands out subarrays of the received chunks rather than copies of the media', async () => {
  const media = Buffer.alloc(100_000, 7);
  const head = Buffer.from(`--${BOUNDARY}\r\n\r\n{}\r\n--${BOUNDARY}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--`);
  const datas: Buffer[] = [];
  async function* source() {
    yield head;
    yield media;
    yield tail;
  }
  for await (const ev of parseMultipart(source(), BOUNDARY)) if (ev.type === 'data' && ev.data.length > 1000) datas.push(ev.data);
  expect(datas).toHaveLength(1);
  expect(datas[0]!.buffer).toBe(media.buffer);
});

it('fails when the body ends before the closing boundary', async () => {
  const cut = body('{}', Buffer.from('abc')).subarray(0, -4);
  await expect(collect([cut])).rejects.toThrow(/closing boundary/);
});
