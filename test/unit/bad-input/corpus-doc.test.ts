/**
 * The bad-input corpus table in docs/reliability.md and the tests that assert it stay one: every row has a test named
 * with its ID, and every ID a test uses has a row.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const ID = /^[IEKO]\d+$/;

function documentedIds(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'reliability.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Bad-input corpus'), doc.indexOf('\n## ', doc.indexOf('## Bad-input corpus') + 1));
  return [...section.matchAll(/^\| ([IEKO]\d+) \|/gm)].map((m) => m[1]!);
}

function testedIds(): Set<string> {
  const dirs = [join(ROOT, 'test', 'unit', 'bad-input'), join(ROOT, 'test', 'integration', 'bad-input')];
  const ids = new Set<string>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'corpus-doc.test.ts')) {
      const source = readFileSync(join(dir, file), 'utf8');
      // Test titles ('O3 GLACIER …'), table rows (['K1', …]) and keyed cases (I1: […]).
      for (const m of source.matchAll(/['"`]([IEKO]\d+)[ '"`]|^\s*([IEKO]\d+): \[/gm)) ids.add((m[1] ?? m[2])!);
    }
  }
  return ids;
}

test('every documented corpus row has a test, and every tested row is documented', () => {
  const documented = documentedIds();
  expect(documented.length).toBeGreaterThan(40);
  expect(new Set(documented).size).toBe(documented.length);
  expect(documented.every((id) => ID.test(id))).toBe(true);
  const tested = testedIds();
  expect(documented.filter((id) => !tested.has(id))).toEqual([]);
  expect([...tested].filter((id) => !documented.includes(id)).sort()).toEqual([]);
});
