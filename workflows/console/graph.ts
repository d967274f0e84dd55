import { aslGraph, type AslDefinition, type AslEdge, type AslNode } from '../cli/asl-diagram';

/**
 * The state machine graph the console draws: states and transitions from asl-diagram's extraction (the same as the
 * README's Mermaid picture), with stable edge ids an execution's path refers to. The page lays it out with dagre.
 */
export interface ConsoleGraph {
  nodes: AslNode[];
  edges: (AslEdge & { id: string })[];
}

export const START = '(start)';
export const END = '(end)';

export function consoleGraph(definition: AslDefinition): ConsoleGraph {
  const { nodes, edges } = aslGraph(definition);
  return { nodes, edges: edges.map((e, i) => ({ ...e, id: edgeId(e, edges.slice(0, i)) })) };
}

/** `<from>→<to>#<n>`: n counts earlier edges between the same two states (a Choice may point twice at one state). */
export function edgeId(e: Pick<AslEdge, 'from' | 'to'>, earlier: Pick<AslEdge, 'from' | 'to'>[]): string {
  const base = (x: Pick<AslEdge, 'from' | 'to'>): string => `${x.from ?? START}→${x.to ?? END}`;
  return `${base(e)}#${earlier.filter((x) => base(x) === base(e)).length}`;
}
