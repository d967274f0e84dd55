/**
 * `npm run docs`: rewrites the state machine pictures in README.md from asl/backup-object.asl.json and
 * asl/fast-path.asl.json. `npm run docs -- --check` only reports (exit 1) when a picture is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAST_PATH_DIAGRAM, STANDARD_DIAGRAM, withDiagram } from '../workflows/cli/readme-diagram';

const root = join(__dirname, '..');
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = [STANDARD_DIAGRAM, FAST_PATH_DIAGRAM].reduce((text, place) => withDiagram(text, readFileSync(join(root, place.file), 'utf8'), place), readme);
if (updated === readme) {
  console.log('README.md: the state machine pictures are up to date.');
} else if (process.argv.includes('--check')) {
  console.error('README.md: a state machine picture is out of date; run `npm run docs`.');
  process.exitCode = 1;
} else {
  writeFileSync(readmePath, updated);
  console.log('README.md: state machine pictures regenerated from asl/.');
}
