import type { CopyCaseResult, Method } from './copy-bench';
import { BEGIN, END, checkTargets, mergeIntoDocument } from './report';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const s = (median: number) => ({ median, min: median, max: median, n: 1 });
const row = (method: Method, sizeBytes: number, mbps: number, rssMiB: number): CopyCaseResult => ({
  method,
  sizeBytes,
  runs: [],
  throughput: s(mbps),
  peakRssMiB: s(rssMiB),
  cpuSeconds: s(1),
});

it('expect every target met when the engine is fast, lean and flat', () => {
  const checks = checkTargets([row('raw', GIB, 200, 150), row('rclone', GIB, 150, 80), row('engine', GIB, 170, 210), row('engine', 64 * MIB, 170, 200)]);
  expect(checks.map((c) => [c.target, c.met])).toEqual([
    ['at 1 GiB, engine ≥ 0.8 × raw pipe', true],
    ['at 1 GiB, engine ≥ rclone', true],
    ['at 1 GiB, engine peak RSS ≤ 256 MiB', true],
    ['engine peak RSS flat from 64 MiB to 1 GiB (≤ +10 %)', true],
  ]);
});

it('expect misses to be reported with the measured figures', () => {
  const checks = checkTargets([row('raw', GIB, 200, 150), row('rclone', GIB, 180, 80), row('engine', GIB, 150, 300), row('engine', 64 * MIB, 150, 200)]);
  expect(checks.every((c) => !c.met)).toBe(true);
  expect(checks[0]!.detail).toBe('0.75 × (150.0 MB/s vs 200.0 MB/s)');
  expect(checks[3]!.detail).toBe('200 → 300 MiB (+50 %)');
});

it('expect no verdict on sizes that were not measured', () => {
  expect(checkTargets([row('raw', MIB, 100, 100), row('engine', MIB, 100, 100)])).toEqual([]);
});

it('expect a re-run to replace only the generated part and keep what is written around it', () => {
  const doc = `# Title\nintro\n${BEGIN}\nold figures\n${END}\n## Findings\nkept\n`;
  const merged = mergeIntoDocument(doc, `${BEGIN}\nnew figures\n${END}`, 'unused {{generated}}');
  expect(merged).toBe(`# Title\nintro\n${BEGIN}\nnew figures\n${END}\n## Findings\nkept\n`);
  expect(mergeIntoDocument(undefined, 'G', 'head\n{{generated}}\n')).toBe('head\nG\n');
});
