/**
 * Deterministic, fast pseudo-random bytes for benchmark objects (xorshift32, ~1 GB/s): not compressible like zeros,
 * and the same seed gives the same bytes on every machine, so runs are comparable.
 */
export class PseudoRandomBytes {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** The next `length` bytes of the sequence. */
  next(length: number): Buffer {
    const words = new Uint32Array(Math.ceil(length / 4));
    let x = this.state;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    this.state = x >>> 0;
    return Buffer.from(words.buffer, 0, length);
  }
}
