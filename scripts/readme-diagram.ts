/**
 * `npm run docs`: rewrites the state machine picture in README.md from asl/backup-object.asl.json.
 * `npm run docs -- --check` only reports (exit 1) when the picture is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDiagram } from '../workflows/cli/readme-diagram';

const root = join(__dirname, '..');
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = withDiagram(readme, readFileSync(join(root, 'asl', 'backup-object.asl.json'), 'utf8'));
if (updated === readme) {
  console.log('README.md: the state machine picture is up to date.');
} else if (process.argv.includes('--check')) {
  console.error('README.md: the state machine picture is out of date; run `npm run docs`.');
  process.exitCode = 1;
} else {
  writeFileSync(readmePath, updated);
  console.log('README.md: state machine picture regenerated from asl/backup-object.asl.json.');
}
