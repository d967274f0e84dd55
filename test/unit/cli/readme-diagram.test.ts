import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagramBlock, DIAGRAM_END, DIAGRAM_START, FAST_PATH_DIAGRAM, withDiagram } from '../../../workflows/cli/readme-diagram';

const root = join(__dirname, '..', '..', '..');

describe('README state machine picture', () => {
  it('is the one generated from asl/backup-object.asl.json (run `npm run docs` after changing the ASL)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const asl = readFileSync(join(root, 'asl', 'backup-object.asl.json'), 'utf8');
    const current = readme.slice(readme.indexOf(DIAGRAM_START), readme.indexOf(DIAGRAM_END) + DIAGRAM_END.length);
    expect(current).toBe(diagramBlock(asl));
  });

  it('shows the fast path generated from asl/fast-path.asl.json (run `npm run docs` after changing the ASL)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const asl = readFileSync(join(root, FAST_PATH_DIAGRAM.file), 'utf8');
    const current = readme.slice(readme.indexOf(FAST_PATH_DIAGRAM.start), readme.indexOf(FAST_PATH_DIAGRAM.end) + FAST_PATH_DIAGRAM.end.length);
    expect(current).toBe(diagramBlock(asl, FAST_PATH_DIAGRAM));
  });

  it('replaces only the block between the markers', () => {
    const asl = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const readme = `# t\nbefore\n${DIAGRAM_START}\nold picture\n${DIAGRAM_END}\nafter\n`;
    const out = withDiagram(readme, asl);
    expect(out.startsWith('# t\nbefore\n')).toBe(true);
    expect(out.endsWith('\nafter\n')).toBe(true);
    expect(out).toContain('```mermaid\nflowchart TD');
    expect(out).not.toContain('old picture');
    expect(() => withDiagram('# no markers', asl)).toThrow('has no');
  });
});
