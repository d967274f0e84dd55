import type { Storage } from '@google-cloud/storage';

/**
 * A Storage stand-in over fixed object resources: bucket().getFiles lists them in pages, sorted as GCS sorts (UTF-8
 * bytes); file(name).exists / getMetadata read one. No network.
 */
export function fakeStorage(objects: Record<string, unknown>[], pageSize = 2): Storage {
  const sorted = [...objects].sort((a, b) => Buffer.compare(Buffer.from(String(a['name'])), Buffer.from(String(b['name']))));
  const byName = (name: string) => sorted.find((o) => o['name'] === name);
  return {
    bucket: () => ({
      getFiles: async (q: { prefix: string; pageToken?: string }) => {
        const matching = sorted.filter((o) => String(o['name']).startsWith(q.prefix));
        const start = Number(q.pageToken ?? 0);
        const page = matching.slice(start, start + pageSize).map((metadata) => ({ metadata }));
        return [page, start + pageSize < matching.length ? { pageToken: String(start + pageSize) } : null];
      },
      file: (name: string) => ({
        exists: async () => [byName(name) !== undefined],
        getMetadata: async () => [byName(name)],
      }),
    }),
  } as unknown as Storage;
}
