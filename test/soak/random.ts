import { createCipheriv, createHash } from 'node:crypto';

/**
 * Seeded randomness for the soak: the same seed plans the same objects, sizes, contents, overwrites, deletes and
 * faults, so a failing run can be repeated with `--seed`.
 */
export class Random {
  private state: number;

  constructor(seed: number | string) {
    this.state = createHash('sha256').update(String(seed)).digest().readUInt32BE(0) || 1;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An independent generator for one purpose, so adding draws elsewhere does not shift this one's sequence. */
  fork(label: string): Random {
    return new Random(`${this.state}/${label}`);
  }
}

/** Deterministic object content: an AES-128-CTR keystream keyed by (seed, key, version). Fast for 64 MiB. */
export function contentOf(seed: number | string, key: string, version: number, size: number): Buffer {
  const digest = createHash('sha256').update(`${seed}\u0000${key}\u0000${version}`).digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  return cipher.update(Buffer.alloc(size));
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
