import fc from 'fast-check';
import { boundaryOf, parseMultipart, type MultipartEvent } from '../../../workflows/local/gcs-emulator/multipart';

const BOUNDARY = 'xyz123';

async function collect(chunks: Buffer[], boundaries: string | string[] = BOUNDARY): Promise<{ headers: Record<string, string>[]; bodies: Buffer[] }> {
  async function* source() {
    yield* chunks;
  }
  const headers: Record<string, string>[] = [];
  const parts: Buffer[][] = [];
  for await (const ev of parseMultipart(source(), boundaries) as AsyncGenerator<MultipartEvent>) {
    if (ev.type === 'part') {
      headers.push(ev.headers);
      parts.push([]);
    } else if (ev.type === 'data') {
      parts[parts.length - 1]!.push(ev.data);
    }
  }
  return { headers, bodies: parts.map((p) => Buffer.concat(p)) };
}

function body(meta: string, media: Buffer, mediaHeaders = 'Content-Type: application/octet-stream\r\n', eol = '\r\n'): Buffer {
  const h = mediaHeaders.replace(/\r\n/g, eol);
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}${eol}Content-Type: application/json${eol}${eol}${meta}${eol}--${BOUNDARY}${eol}${h}${eol}`),
    media,
    Buffer.from(`${eol}--${BOUNDARY}--`),
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

describe('boundaryOf (RFC 2045 parameter syntax, RFC 2046 §5.1.1 boundary characters)', () => {
  it('reads a token or a quoted-string, with any parameter order, case and escapes', () => {
    expect(boundaryOf('multipart/related; boundary=abc')).toEqual(['abc']);
    expect(boundaryOf('Multipart/Related;charset=x;  BOUNDARY=abc')).toEqual(['abc']);
    expect(boundaryOf('multipart/related; boundary="a b"')).toEqual(['a b']);
    expect(boundaryOf(`multipart/related; boundary="gc0pJq0M:08jU534c0p'()+_,-./=?"`)).toEqual([`gc0pJq0M:08jU534c0p'()+_,-./=?`]);
    expect(boundaryOf('multipart/related; boundary="a\\:b"')).toEqual(['a:b']); // quoted-pair
  });

  it("reads gcloud's Python-repr form both ways, inner value first: the body decides", () => {
    expect(boundaryOf("multipart/related; boundary='===============1392581672502277596=='")).toEqual([
      '===============1392581672502277596==',
      "'===============1392581672502277596=='",
    ]);
  });

  it('refuses what is not a multipart/related boundary of 1-70 allowed characters', () => {
    expect(() => boundaryOf('application/json')).toThrow(/multipart\/related/);
    expect(() => boundaryOf('multipart/relatedx; boundary=a')).toThrow(/multipart\/related/);
    expect(() => boundaryOf('multipart/related')).toThrow(/boundary/);
    expect(() => boundaryOf('multipart/related; boundary=""')).toThrow(/boundary/);
    expect(() => boundaryOf(`multipart/related; boundary=${'a'.repeat(71)}`)).toThrow(/1-70/);
    expect(() => boundaryOf('multipart/related; boundary="ends in space "')).toThrow(/1-70/);
    expect(() => boundaryOf('multipart/related; boundary="a{b}"')).toThrow(/1-70/);
  });
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

it.each([
  ['CRLF', '\r\n'],
  ['LF (gcloud)', '\n'],
])('returns the media bytes unchanged however the stream is cut, even when they contain delimiter look-alikes (%s)', async (_, eol) => {
  const tricky = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.constantFrom(Buffer.from('\r\n'), Buffer.from('\n'), Buffer.from(`\r\n--${BOUNDARY.slice(0, 3)}`), Buffer.from(`--${BOUNDARY}`), Buffer.from('\r')),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(tricky, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), async (pieces, cuts) => {
      const media = Buffer.concat(pieces.map((p) => Buffer.from(p)));
      fc.pre(!media.includes(`\n--${BOUNDARY}`)); // a client picks a boundary its bytes do not contain
      const { bodies } = await collect(splitAt(body('{"a":1}', media, 'Content-Type: application/octet-stream\r\n', eol), cuts));
      expect(bodies[1]!.equals(media)).toBe(true);
      expect(String(bodies[0])).toBe('{"a":1}');
    }),
    { numRuns: 300 },
  );
});

it('ignores a preamble and an epilogue, and transport padding after a delimiter (RFC 2046 §5.1.1)', async () => {
  const text = `This is the preamble.\r\n--${BOUNDARY} \t\r\nContent-Type: application/json\r\n\r\n{}\r\n--${BOUNDARY}\t\r\n\r\nmedia\r\n--${BOUNDARY}-- \r\nThis is the epilogue.\r\n`;
  const { bodies } = await collect([Buffer.from(text)]);
  expect(bodies.map(String)).toEqual(['{}', 'media']);
});

it("finds the body's boundary among the candidates of a single-quoted parameter, and keeps CR bytes of an LF body", async () => {
  const text = `--'q'\nContent-Type: application/json\n\n{}\n--'q'\n\nends in CR\r\n--'q'--\n`;
  const literal = await collect([Buffer.from(text)], ['q', "'q'"]);
  expect(literal.bodies.map(String)).toEqual(['{}', 'ends in CR\r']);
  const inner = await collect([Buffer.from(text.replace(/'q'/g, 'q'))], ['q', "'q'"]);
  expect(inner.bodies.map(String)).toEqual(['{}', 'ends in CR\r']);
});

it('refuses a delimiter line that goes on after the boundary, and mixed line breaks', async () => {
  await expect(collect([Buffer.from(`--${BOUNDARY}x\r\n\r\n{}\r\n--${BOUNDARY}--`)])).rejects.toThrow(/goes on after the boundary/);
  await expect(collect([Buffer.from(`--${BOUNDARY}\r\n\r\n{}\r\n--${BOUNDARY}junk\r\n\r\nm\r\n--${BOUNDARY}--`)])).rejects.toThrow(/goes on after the boundary/);
  await expect(collect([Buffer.from(`--${BOUNDARY}\r\n\r\n{}\n--${BOUNDARY}\n\nm\n--${BOUNDARY}--`)])).rejects.toThrow(/closing boundary|mixes/);
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
