import type { CopyCaseResult, Method } from './copy-bench';
import { BEGIN, END, mergeIntoDocument, targetsMarkdown } from './report';
import { checkTargets } from './targets';

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

it('expect a re-run to replace only the generated part and keep what is written around it', () => {
  const doc = `# Title\nintro\n${BEGIN}\nold figures\n${END}\n## Findings\nkept\n`;
  const merged = mergeIntoDocument(doc, `${BEGIN}\nnew figures\n${END}`, 'unused {{generated}}');
  expect(merged).toBe(`# Title\nintro\n${BEGIN}\nnew figures\n${END}\n## Findings\nkept\n`);
  expect(mergeIntoDocument(undefined, 'G', 'head\n{{generated}}\n')).toBe('head\nG\n');
});

it('expect the targets table to say yes, **no** or "not measured" for each target, with the measured figure', () => {
  const table = targetsMarkdown(checkTargets({ copies: [row('raw', GIB, 200, 150), row('engine', GIB, 170, 300), row('raw', 64 * MIB, 200, 100), row('engine', 64 * MIB, 190, 200)], workflow: [] }));
  expect(table.slice(0, 4)).toEqual(['### Targets', '', '| target | met | measured |', '|---|---|---|']);
  expect(table).toContain('| at 64 MiB, engine ≥ 0.85 × raw pipe | yes | 0.95 × (190.0 MB/s vs 200.0 MB/s) |');
  expect(table).toContain('| at 1 GiB, engine ≥ 0.9 × raw pipe | **no** | 0.85 × (170.0 MB/s vs 200.0 MB/s) |');
  expect(table).toContain('| at 1 GiB, engine ≥ rclone | not measured | rclone was not run at 1 GiB |');
  expect(table).toHaveLength(4 + 10);
});
