import type { Storage } from '@google-cloud/storage';
import { checksumsOf } from '../../../workflows/copy/checksums';

/**
 * The few @google-cloud/storage calls the engine makes for single-request copies (getMetadata, save, delete), in
 * memory, with generation preconditions: enough to run the real engine through the local state machine in a unit
 * test with no network.
 */
export class FakeGcs {
  readonly objects = new Map<string, { data: Buffer; resource: Record<string, unknown> }>();
  private generation = 1_700_000_000_000_000;

  storage(): Storage {
    const file = (name: string) => {
      const api = {
        metadata: undefined as Record<string, unknown> | undefined,
        getMetadata: async () => {
          const o = this.objects.get(name);
          if (!o) throw Object.assign(new Error('No such object'), { code: 404 });
          return [o.resource];
        },
        save: async (data: Buffer, opts: { preconditionOpts: { ifGenerationMatch: number }; metadata: Record<string, unknown> }) => {
          const current = Number(this.objects.get(name)?.resource['generation'] ?? 0);
          if (opts.preconditionOpts.ifGenerationMatch !== current) throw Object.assign(new Error('Precondition Failed'), { code: 412 });
          const sums = checksumsOf(data);
          const resource = { ...opts.metadata, name, generation: String(++this.generation), size: String(data.length), crc32c: sums.crc32c, md5Hash: sums.md5 };
          this.objects.set(name, { data, resource });
          api.metadata = resource;
        },
        delete: async () => void this.objects.delete(name),
      };
      return api;
    };
    return { bucket: () => ({ file }) } as unknown as Storage;
  }
}
