/**
 * Part buffers of one large copy, reused once the upload can no longer read them.
 *
 * Why: a fresh part-sized buffer per ranged GET costs page faults when it is first written and, once dropped, garbage
 * collection to find and free it — measured at ~1.7 CPU-s per GiB, half of the engine's CPU, plus tens of MiB of dead
 * buffers awaiting collection in the peak RSS. Reusing them is safe only after everything that reads a part is done
 * with it: the hasher (synchronous, before the upload sees the part) and the upload client, which keeps the bytes it
 * sent for a resend until GCS confirms them. So parts are freed strictly in stream order, when the upload reports a
 * confirmed offset past their end (uploadStream's onConfirmed). Without such reports nothing is reused: every part
 * then gets a new buffer, as if there were no pool.
 */
export class PartBuffers {
  private readonly free: ArrayBuffer[] = [];
  private readonly owned = new WeakSet<ArrayBuffer>();
  /** Parts handed to the upload and not yet confirmed, in stream order, with the offset each ends at. */
  private readonly inUpload: { end: number; memory: ArrayBuffer }[] = [];
  private handedBytes = 0;
  private allocated = 0;

  constructor(private readonly partSize: number) {}

  /** Memory for a part of `length` (at most the part size) bytes: a freed buffer when there is one, else a new one. */
  take(length: number): Buffer {
    if (!Number.isInteger(length) || length < 0 || length > this.partSize) {
      throw new RangeError(`a part holds 0..${this.partSize} bytes, asked for ${length}`);
    }
    let memory = this.free.pop();
    if (!memory) {
      memory = new ArrayBuffer(this.partSize);
      this.owned.add(memory);
      this.allocated++;
    }
    return Buffer.from(memory, 0, length);
  }

  /** Passes the parts on unchanged, noting where each ends in the stream, so confirmed() knows when to free it. */
  async *handOff(parts: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
    for await (const part of parts) {
      this.handedBytes += part.length;
      // Only memory from take() is ever reused; anything else is left to the garbage collector.
      if (this.owned.has(part.buffer as ArrayBuffer)) this.inUpload.push({ end: this.handedBytes, memory: part.buffer as ArrayBuffer });
      yield part;
    }
  }

  /** The upload will never read bytes before `offset` again: free the parts that end there or earlier. */
  confirmed(offset: number): void {
    while (this.inUpload.length > 0 && this.inUpload[0]!.end <= offset) this.free.push(this.inUpload.shift()!.memory);
  }

  /** Buffers created so far (each `partSize` bytes). */
  get buffersAllocated(): number {
    return this.allocated;
  }
}
