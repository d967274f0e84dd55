import { BrokenStreamFault, withDataFault } from '../../../workflows/local/gcs-emulator/fault-streams';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

async function drain(gen: AsyncGenerator<Buffer>): Promise<{ out: string; error?: unknown }> {
  const out: Buffer[] = [];
  try {
    for await (const c of gen) out.push(c);
    return { out: Buffer.concat(out).toString('latin1') };
  } catch (error) {
    return { out: Buffer.concat(out).toString('latin1'), error };
  }
}

it('broken-stream passes exactly N bytes, then breaks', async () => {
  const r = await drain(withDataFault(chunks('abc', 'defg', 'hi'), { kind: 'broken-stream', afterBytes: 5 }, false));
  expect(r.out).toBe('abcde');
  expect(r.error).toBeInstanceOf(BrokenStreamFault);
});

it('stall pauses after N bytes and then passes everything', async () => {
  const started = Date.now();
  const r = await drain(withDataFault(chunks('abc', 'def'), { kind: 'stall', ms: 50, afterBytes: 4 }, false));
  expect(r.out).toBe('abcdef');
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
});

it('corrupt-data flips one byte, on a copy when serving stored bytes', async () => {
  const stored = Buffer.from('stored');
  async function* source() {
    yield stored;
  }
  const r = await drain(withDataFault(source(), { kind: 'corrupt' }, true));
  expect(r.out).toBe(`${String.fromCharCode('s'.charCodeAt(0) ^ 0xff)}tored`);
  expect(stored.toString()).toBe('stored');
});
