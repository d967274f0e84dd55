import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** Stored bytes of one object generation: read back as a stream of existing chunks, never joined into one Buffer. */
export interface Content {
  readonly size: number;
  /** The file holding the bytes, when they are kept in a file (what a persistent store records). */
  readonly path?: string;
  /** bytes [start, end) */
  read(start: number, end: number): Readable;
  dispose(): void;
}

/** Bytes being received for one upload; `truncate` rolls back to a committed offset (resumable uploads). */
export interface ContentWriter {
  readonly size: number;
  write(chunk: Buffer): void | Promise<void>;
  truncate(size: number): Promise<void>;
  read(start: number, end: number): Readable;
  finish(): Promise<Content>;
  abort(): Promise<void>;
}

export interface ContentStore {
  createWriter(): Promise<ContentWriter>;
}

/** Memory: the received Buffers are kept as they arrived (no copy); reads hand out subarrays of them. */
export function memoryContentStore(): ContentStore {
  return { createWriter: async () => new MemoryWriter() };
}

/**
 * dataDir: one file per upload, so a 1 GiB object costs no heap. `durable`: each file is fsynced before its object
 * can be committed, so an answered upload survives a power loss, not only a killed process.
 */
export function fileContentStore(dataDir: string, options: { durable?: boolean } = {}): ContentStore {
  fs.mkdirSync(dataDir, { recursive: true });
  return {
    createWriter: async () => {
      const path = join(dataDir, `${randomUUID()}.bin`);
      return new FileWriter(path, await open(path, 'w+'), Boolean(options.durable));
    },
  };
}

/** Bytes already in a file (a persistent store reloading its objects). */
export function fileContent(path: string, size: number): Content {
  return { size, path, read: (start, end) => fileReader(path, start, end), dispose: () => fs.rmSync(path, { force: true }) };
}

class MemoryWriter implements ContentWriter {
  private chunks: Buffer[] = [];
  size = 0;

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  async truncate(size: number): Promise<void> {
    while (this.size > size) {
      const last = this.chunks[this.chunks.length - 1]!;
      const excess = this.size - size;
      if (last.length <= excess) {
        this.chunks.pop();
        this.size -= last.length;
      } else {
        this.chunks[this.chunks.length - 1] = last.subarray(0, last.length - excess);
        this.size = size;
      }
    }
  }

  read(start: number, end: number): Readable {
    return chunkReader(this.chunks, start, end);
  }

  async finish(): Promise<Content> {
    const chunks = this.chunks;
    const size = this.size;
    return { size, read: (start, end) => chunkReader(chunks, start, end), dispose: () => undefined };
  }

  async abort(): Promise<void> {
    this.chunks = [];
    this.size = 0;
  }
}

function chunkReader(chunks: readonly Buffer[], start: number, end: number): Readable {
  let index = 0;
  let offset = 0; // absolute offset of chunks[index]
  return new Readable({
    highWaterMark: 1 << 20,
    read() {
      while (index < chunks.length && offset < end) {
        const chunk = chunks[index]!;
        const from = Math.max(start - offset, 0);
        const to = Math.min(end - offset, chunk.length);
        offset += chunk.length;
        index++;
        if (from >= to) continue;
        if (!this.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to))) return;
      }
      this.push(null);
    },
  });
}

class FileWriter implements ContentWriter {
  size = 0;

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly durable: boolean,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    let written = 0;
    while (written < chunk.length) {
      const r = await this.handle.write(chunk, written, chunk.length - written, this.size + written);
      written += r.bytesWritten;
    }
    this.size += chunk.length;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
    this.size = size;
  }

  read(start: number, end: number): Readable {
    return fileReader(this.path, start, end);
  }

  async finish(): Promise<Content> {
    if (this.durable) await this.handle.sync();
    await this.handle.close();
    return fileContent(this.path, this.size); // dispose unlinks: open readers keep their fd, so that is safe
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.path).catch(() => undefined);
  }
}

function fileReader(path: string, start: number, end: number): Readable {
  if (end <= start) return Readable.from([]);
  // Opened synchronously so a concurrent overwrite/delete (unlink) cannot pull the file away before the read starts.
  const fd = fs.openSync(path, 'r');
  return fs.createReadStream(path, { fd, start, end: end - 1, highWaterMark: 1 << 20 });
}
