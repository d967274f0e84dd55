import { parseBenchArgs, parseSize } from './args';

it('expect the full bench by default: four sizes, three runs, all methods, 1,000 workflow objects, docs written', () => {
  const a = parseBenchArgs([]);
  expect(a.sizes).toEqual([1024, 1024 ** 2, 64 * 1024 ** 2, 1024 ** 3]);
  expect(a.runs).toBe(3);
  expect(a.methods).toEqual(['raw', 'old', 'rclone', 'engine']);
  expect(a.workflowObjects).toBe(1000);
  expect(a.workflowConcurrency).toEqual([1, 16]);
  expect(a.write).toBe(true);
});

it('expect --quick to mean small sizes, one run, and no docs unless --write', () => {
  const a = parseBenchArgs(['--quick']);
  expect(Math.max(...a.sizes)).toBeLessThanOrEqual(64 * 1024 ** 2);
  expect(a.runs).toBe(1);
  expect(a.write).toBe(false);
  expect(parseBenchArgs(['--quick', '--write']).write).toBe(true);
});

it('expect sizes with binary units and explicit engine options', () => {
  const a = parseBenchArgs(['--sizes', '1KiB,64MiB', '--runs', '5', '--part-size-mib', '16', '--concurrency', '2', '--upload-chunk-mib', '32', '--methods', 'raw,engine']);
  expect(a.sizes).toEqual([1024, 64 * 1024 ** 2]);
  expect(a).toMatchObject({ runs: 5, partSizeMiB: 16, concurrency: 2, uploadChunkMiB: 32, methods: ['raw', 'engine'] });
  expect(parseSize('2GiB')).toBe(2 * 1024 ** 3);
});

it('expect unreadable values to be refused with the flag named', () => {
  expect(() => parseBenchArgs(['--runs', '0'])).toThrow('--runs must be a positive integer');
  expect(() => parseBenchArgs(['--methods', 'scp'])).toThrow("--methods: unknown method 'scp'");
  expect(() => parseSize('1TB')).toThrow("--sizes: cannot read '1TB'");
  expect(() => parseBenchArgs(['--bogus'])).toThrow();
});

it('expect a partial run not to overwrite the published figures unless asked', () => {
  expect(parseBenchArgs(['--sizes', '64MiB']).write).toBe(false);
  expect(parseBenchArgs(['--concurrency', '2']).write).toBe(false);
  expect(parseBenchArgs(['--upload-chunk-mib', '8']).write).toBe(false);
  expect(parseBenchArgs(['--sizes', '64MiB', '--write']).write).toBe(true);
  expect(parseBenchArgs(['--tune', '--json', 'x.json']).write).toBe(true);
});
