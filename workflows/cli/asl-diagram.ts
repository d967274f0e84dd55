/**
 * Renders an ASL definition as a Mermaid flowchart, so the README's picture of the workflow is generated from
 * asl/backup-object.asl.json itself and a test can tell when the picture is out of date.
 */
interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  ItemProcessor?: AslDefinition;
  Iterator?: AslDefinition;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

/** One state of the graph: its name, ASL type and the errors its Retry rules re-run (service errors folded). */
export interface AslNode {
  name: string;
  type: string;
  retries: string[];
}

/**
 * One transition. `from` is undefined for the entry edge; `to` is undefined for an end (End: true or Succeed).
 * `label` names the errors a catcher takes (folded) or "otherwise" for a Choice default.
 */
export interface AslEdge {
  from?: string;
  to?: string;
  kind: 'start' | 'next' | 'choice' | 'default' | 'catch' | 'end';
  label?: string;
  /** For catch edges: the whole ErrorEquals, unfolded. */
  errors?: string[];
}

/** The top-level states and transitions of a definition, in definition order: what the README and the console draw. */
export function aslGraph(definition: AslDefinition): { nodes: AslNode[]; edges: AslEdge[] } {
  const check = (name: string): string => {
    if (!(name in definition.States)) throw new Error(`ASL refers to a state that does not exist: ${JSON.stringify(name)}`);
    return name;
  };
  const nodes = Object.entries(definition.States).map(([name, state]) => ({
    name,
    type: state.Type,
    retries: summarizeErrors((state.Retry ?? []).flatMap((r) => r.ErrorEquals)),
  }));
  const edges: AslEdge[] = [{ kind: 'start', to: check(definition.StartAt) }];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Next) edges.push({ from: name, to: check(state.Next), kind: 'next' });
    for (const choice of state.Choices ?? []) edges.push({ from: name, to: check(choice.Next), kind: 'choice' });
    if (state.Default) edges.push({ from: name, to: check(state.Default), kind: 'default', label: 'otherwise' });
    for (const c of state.Catch ?? []) edges.push({ from: name, to: check(c.Next), kind: 'catch', label: errorLabel(c.ErrorEquals), errors: c.ErrorEquals });
    if (state.End || state.Type === 'Succeed') edges.push({ from: name, kind: 'end' });
  }
  return { nodes, edges };
}

export function aslToMermaid(definition: AslDefinition): string {
  const { nodes, edges } = aslGraph(definition);
  const ids = new Map(nodes.map((node, i) => [node.name, `s${i}`]));
  const id = (name: string | undefined): string => (name === undefined ? 'done(( ))' : ids.get(name)!);
  const lines = ['flowchart TD'];
  for (const e of edges.filter((e) => e.kind === 'start')) lines.push(`  start(( )) --> ${id(e.to)}`);
  for (const node of nodes) lines.push(`  ${id(node.name)}${shape(node.type, label(node))}`);
  for (const e of edges) {
    if (e.kind === 'start') continue;
    const arrow = e.kind === 'catch' ? `-.->|${escape(e.label!)}|` : e.kind === 'default' ? '-->|otherwise|' : '-->';
    lines.push(`  ${id(e.from)} ${arrow} ${id(e.to)}`);
  }
  return lines.join('\n');
}

function label(node: AslNode): string {
  return node.retries.length > 0 ? `${node.name}<br/><i>retries ${node.retries.join(', ')}</i>` : node.name;
}

function errorLabel(errors: string[]): string {
  const names = summarizeErrors(errors);
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ');
}

/** A picture, not the contract: service errors (`Lambda.*`, `ECS.*`) fold into one name per service. */
function summarizeErrors(errors: string[]): string[] {
  const folded = errors.map((e) => {
    const service = /^([A-Z][A-Za-z0-9]*)\.(?!Timeout$|ALL$)/.exec(e)?.[1];
    return service && service !== 'States' && service !== 'Runtime' && service !== 'Sandbox' ? `${service} errors` : e;
  });
  return [...new Set(folded)];
}

function shape(type: string, text: string): string {
  const t = escape(text);
  switch (type) {
    case 'Choice':
      return `{"${t}"}`;
    case 'Succeed':
      return `(["${t}"])`;
    case 'Fail':
      return `[["${t}"]]`;
    case 'Pass':
      return `>"${t}"]`;
    default:
      return `["${t}"]`;
  }
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/\|/g, '#124;');
}
