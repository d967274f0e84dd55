import { aslToMermaid, type AslDefinition } from './asl-diagram';

/** The README's picture of the state machine, generated from the ASL; `npm run docs` rewrites it, a test checks it. */
export const DIAGRAM_START = '<!-- state-machine:start -->';
export const DIAGRAM_END = '<!-- state-machine:end -->';

export function diagramBlock(aslText: string): string {
  const definition = JSON.parse(aslText) as AslDefinition;
  return [
    DIAGRAM_START,
    '<!-- Generated from asl/backup-object.asl.json by `npm run docs`; do not edit by hand. -->',
    '```mermaid',
    aslToMermaid(definition),
    '```',
    DIAGRAM_END,
  ].join('\n');
}

/** The README with its diagram block replaced; throws when the markers are missing or out of order. */
export function withDiagram(readme: string, aslText: string): string {
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${DIAGRAM_START} … ${DIAGRAM_END} block`);
  return readme.slice(0, start) + diagramBlock(aslText) + readme.slice(end + DIAGRAM_END.length);
}
