import type { Storage } from '@google-cloud/storage';
import { Writable } from 'node:stream';
import {
  DestinationPreconditionFailed,
  addCustomMetadata,
  deleteGeneration,
  readDestination,
  uploadBuffer,
  uploadStream,
  type UploadSpec,
} from '../../../workflows/copy/gcs-sink';

/** A Storage whose one file is `file`: only the calls gcs-sink makes. */
function storageWith(file: Record<string, unknown>): Storage {
  return { bucket: () => ({ file: () => file }) } as unknown as Storage;
}
const spec: UploadSpec = { bucket: 'dst', name: 'k', ifGenerationMatch: '0', metadata: { metadata: {} } };
const httpError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

describe('uploadStream pacing', () => {
  it('holds the source back to about one chunk ahead of what the client has sent', async () => {
    const chunk = 64 * 1024;
    let written = 0;
    let sent = 0;
    let maxAhead = 0;
    // Like @google-cloud/storage 8.4 in chunked mode: takes every write at once, sends slowly, reports progress.
    const sink: Writable = new Writable({
      write(data: Buffer, _enc, cb) {
        written += data.length;
        maxAhead = Math.max(maxAhead, written - sent);
        setTimeout(() => {
          sent += data.length;
          sink.emit('progress', { bytesWritten: sent });
        }, 3);
        cb();
      },
      final(cb) {
        setTimeout(cb, 5);
      },
    });
    const file = { createWriteStream: () => sink, metadata: { generation: '7', size: '0' } };
    async function* source() {
      for (let i = 0; i < 40; i++) yield Buffer.alloc(chunk, i);
    }
    await uploadStream(storageWith(file), spec, source(), chunk);
    expect(written).toBe(40 * chunk);
    expect(maxAhead).toBeLessThanOrEqual(2 * chunk); // without pacing it reaches the whole 40 chunks
  });

  it('passes the precondition, chunk size and metadata, with the client\'s own hashing off', async () => {
    let opts: Record<string, unknown> = {};
    const file = {
      createWriteStream: (o: Record<string, unknown>) => {
        opts = o;
        return new Writable({ write: (_d, _e, cb) => cb() });
      },
      metadata: { generation: '42', size: '3', crc32c: 'c', md5Hash: 'm', metadata: { a: 'b' } },
    };
    async function* source() {
      yield Buffer.from('abc');
    }
    const stored = await uploadStream(storageWith(file), { ...spec, ifGenerationMatch: '41' }, source(), 256 * 1024);
    expect(opts).toMatchObject({ resumable: true, chunkSize: 256 * 1024, validation: false, preconditionOpts: { ifGenerationMatch: 41 } });
    expect(stored).toEqual({ generation: '42', size: 3, crc32c: 'c', md5Hash: 'm', metadata: { a: 'b' } });
  });

  it('reports as confirmed only what lies a whole chunk behind the bytes sent, never going back', async () => {
    const chunk = 1000;
    // bytesWritten as the client reports it while sending; after a failed request it rewinds to GCS's offset.
    const reports = [400, 1000, 1500, 2600, 2000, 2200, 3100];
    const sink: Writable = new Writable({
      write(_data: Buffer, _enc, cb) {
        for (const bytesWritten of reports) sink.emit('progress', { bytesWritten });
        cb();
      },
    });
    const file = { createWriteStream: () => sink, metadata: { generation: '1', size: '1' } };
    async function* source() {
      yield Buffer.from('x');
    }
    const confirmed: number[] = [];
    await uploadStream(storageWith(file), spec, source(), chunk, undefined, (offset) => confirmed.push(offset));
    expect(confirmed).toEqual([500, 1600, 2100]);
  });

  it('reports a 412 from the upload as DestinationPreconditionFailed', async () => {
    const file = {
      createWriteStream: () =>
        new Writable({
          write: (_d, _e, cb) => cb(),
          final: (cb) => cb(httpError(412)),
        }),
    };
    async function* source() {
      yield Buffer.from('x');
    }
    await expect(uploadStream(storageWith(file), spec, source(), 256 * 1024)).rejects.toBeInstanceOf(DestinationPreconditionFailed);
  });
});

describe('uploadBuffer', () => {
  it('sends our hashes in the object resource so GCS checks the bytes', async () => {
    const save = jest.fn(async () => undefined);
    const file = { save, metadata: { generation: '5', size: '2', crc32c: 'c', md5Hash: 'm' } };
    await uploadBuffer(storageWith(file), spec, Buffer.from('hi'), { crc32c: 'c', md5: 'm' });
    expect(save).toHaveBeenCalledWith(Buffer.from('hi'), {
      resumable: false,
      validation: false,
      preconditionOpts: { ifGenerationMatch: 0 },
      metadata: { metadata: {}, crc32c: 'c', md5Hash: 'm' },
    });
  });

  it('sends only the MD5 it has: none when the engine skipped it', async () => {
    const save = jest.fn(async () => undefined);
    await uploadBuffer(storageWith({ save, metadata: { generation: '5', size: '2' } }), spec, Buffer.from('hi'), { crc32c: 'c' });
    expect(save).toHaveBeenCalledWith(Buffer.from('hi'), expect.objectContaining({ metadata: { metadata: {}, crc32c: 'c' } }));
  });

  it.each([
    [412, 'DestinationPreconditionFailed'],
    [403, 'DestinationAccessDenied'],
    [404, 'ConfigurationError'],
    [503, 'TransientError'],
  ])('maps HTTP %d to %s', async (code, name) => {
    const file = { save: async () => Promise.reject(httpError(code)) };
    await expect(uploadBuffer(storageWith(file), spec, Buffer.from('x'), { crc32c: 'c', md5: 'm' })).rejects.toMatchObject({ name });
  });
});

describe('readDestination / deleteGeneration', () => {
  it('reads an absent object as undefined', async () => {
    const file = { getMetadata: async () => Promise.reject(httpError(404)) };
    await expect(readDestination(storageWith(file), 'dst', 'k')).resolves.toBeUndefined();
  });

  it('classifies other read failures', async () => {
    const file = { getMetadata: async () => Promise.reject(httpError(401)) };
    await expect(readDestination(storageWith(file), 'dst', 'k')).rejects.toMatchObject({ name: 'DestinationAccessDenied' });
  });

  it.each([
    [undefined, 'deleted'],
    [404, 'absent'],
    [412, 'changed'],
  ])('deletes with ifGenerationMatch; failure %s means %s', async (code, expected) => {
    const del = jest.fn(async () => (code ? Promise.reject(httpError(code)) : undefined));
    await expect(deleteGeneration(storageWith({ delete: del }), 'dst', 'k', '123')).resolves.toBe(expected);
    expect(del).toHaveBeenCalledWith({ ifGenerationMatch: 123 });
  });
});

describe('addCustomMetadata', () => {
  it.each([
    [undefined, 'patched'],
    [404, 'absent'],
    [412, 'changed'],
  ])('patches only that generation and metageneration; failure %s means %s', async (code, expected) => {
    const setMetadata = jest.fn(async () => (code ? Promise.reject(httpError(code)) : [{}]));
    const at = { generation: '1700000000000001', metageneration: '1' };
    await expect(addCustomMetadata(storageWith({ setMetadata }), 'dst', 'k', at, { 's3-crc32c': 'c' })).resolves.toBe(expected);
    // ifMetagenerationMatch is also what lets @google-cloud/storage retry a metadata patch.
    expect(setMetadata).toHaveBeenCalledWith({ metadata: { 's3-crc32c': 'c' } }, { ifGenerationMatch: 1700000000000001, ifMetagenerationMatch: 1 });
  });

  it('classifies other failures', async () => {
    const setMetadata = async () => Promise.reject(httpError(503));
    await expect(addCustomMetadata(storageWith({ setMetadata }), 'dst', 'k', { generation: '1', metageneration: '1' }, {})).rejects.toMatchObject({ name: 'TransientError' });
  });
});
