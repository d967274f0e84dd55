import { aslToMermaid, type AslDefinition } from './asl-diagram';

/** The README's pictures of the state machines, generated from the ASL; `npm run docs` rewrites them, a test checks them. */
export const DIAGRAM_START = '<!-- state-machine:start -->';
export const DIAGRAM_END = '<!-- state-machine:end -->';

/** Where each picture goes: its markers and the ASL file it is drawn from. */
export interface DiagramPlace {
  start: string;
  end: string;
  file: string;
}

export const STANDARD_DIAGRAM: DiagramPlace = { start: DIAGRAM_START, end: DIAGRAM_END, file: 'asl/backup-object.asl.json' };
export const FAST_PATH_DIAGRAM: DiagramPlace = { start: '<!-- fast-path:start -->', end: '<!-- fast-path:end -->', file: 'asl/fast-path.asl.json' };

export function diagramBlock(aslText: string, place: DiagramPlace = STANDARD_DIAGRAM): string {
  const definition = JSON.parse(aslText) as AslDefinition;
  return [place.start, `<!-- Generated from ${place.file} by \`npm run docs\`; do not edit by hand. -->`, '```mermaid', aslToMermaid(definition), '```', place.end].join('\n');
}

/** The README with one diagram block replaced; throws when its markers are missing or out of order. */
export function withDiagram(readme: string, aslText: string, place: DiagramPlace = STANDARD_DIAGRAM): string {
  const start = readme.indexOf(place.start);
  const end = readme.indexOf(place.end);
  if (start < 0 || end < start) throw new Error(`README.md has no ${place.start} … ${place.end} block`);
  return readme.slice(0, start) + diagramBlock(aslText, place) + readme.slice(end + place.end.length);
}
