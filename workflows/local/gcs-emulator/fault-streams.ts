import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault } from './faults';

/** Thrown inside a body stream where a 'return-broken-stream-after-<N>K' fault cuts the connection. */
export class BrokenStreamFault extends Error {
  constructor() {
    super('injected fault: broken stream');
    this.name = 'BrokenStreamFault';
  }
}

/**
 * Applies a byte-level fault to a stream of object bytes. `copyOnCorrupt` protects stored chunks when serving
 * (a download must not corrupt what is stored); received upload chunks may be flipped in place.
 */
export async function* withDataFault(source: AsyncIterable<Buffer>, fault: Fault, copyOnCorrupt: boolean): AsyncGenerator<Buffer> {
  let seen = 0;
  let done = false; // the fault has acted
  for await (const chunk of source) {
    if (done || chunk.length === 0) {
      yield chunk;
      continue;
    }
    if (fault.kind === 'corrupt') {
      const out = copyOnCorrupt ? Buffer.from(chunk) : chunk;
      out[0] = out[0]! ^ 0xff;
      done = true;
      yield out;
      continue;
    }
    if (fault.kind !== 'broken-stream' && fault.kind !== 'stall') {
      yield chunk;
      continue;
    }
    const room = fault.afterBytes - seen;
    if (room >= chunk.length && fault.afterBytes > 0) {
      seen += chunk.length;
      yield chunk;
      continue;
    }
    if (room > 0) yield chunk.subarray(0, room);
    seen = fault.afterBytes;
    if (fault.kind === 'broken-stream') throw new BrokenStreamFault();
    await sleep(fault.ms);
    done = true;
    yield room > 0 ? chunk.subarray(room) : chunk;
  }
}
