import { PartBuffers } from '../../../workflows/copy/part-buffers';

async function* each(parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

async function handOff(buffers: PartBuffers, parts: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const part of buffers.handOff(each(parts))) out.push(part);
  return out;
}

describe('PartBuffers', () => {
  it('hands out new memory while nothing was confirmed', async () => {
    const buffers = new PartBuffers(8);
    const parts = [buffers.take(8), buffers.take(8), buffers.take(3)];
    expect(await handOff(buffers, parts)).toEqual(parts);
    expect(new Set(parts.map((p) => p.buffer)).size).toBe(3);
    expect(parts.map((p) => p.length)).toEqual([8, 8, 3]);
    expect(buffers.buffersAllocated).toBe(3);
  });

  it('reuses a part only once the upload confirmed every byte of it, in stream order', async () => {
    const buffers = new PartBuffers(8);
    const [a, b] = [buffers.take(8), buffers.take(8)];
    await handOff(buffers, [a, b]); // a ends at 8, b at 16
    buffers.confirmed(7);
    expect(buffers.take(8).buffer).not.toBe(a.buffer); // a's last byte is not confirmed yet
    buffers.confirmed(8);
    expect(buffers.take(8).buffer).toBe(a.buffer);
    expect(buffers.take(8).buffer).not.toBe(b.buffer);
    expect(buffers.buffersAllocated).toBe(4);
  });

  it('never reuses memory it did not hand out', async () => {
    const buffers = new PartBuffers(8);
    const foreign = Buffer.alloc(8);
    await handOff(buffers, [foreign]);
    buffers.confirmed(8);
    expect(buffers.take(8).buffer).not.toBe(foreign.buffer);
  });

  it('refuses a part larger than the part size', () => {
    expect(() => new PartBuffers(8).take(9)).toThrow(RangeError);
  });
});
