import { graphlib, layout } from '@dagrejs/dagre';
import type { ExecutionPath } from '../execution-view';
import { END, START, type ConsoleGraph } from '../graph';
import { h, s } from './dom';

/**
 * Draws a state machine graph with dagre's layout, each state coloured by what the execution did there (succeeded,
 * caught, failed, running, not entered), the transitions it took drawn bold, escalations and other catches in amber
 * with the error caught, and retries as a loop on the state with their count.
 */
const BOX_WIDTH = 176;
const LINE_CHARS = 24;
const LINE_HEIGHT = 15;
/** Edge labels longer than this are cut (the whole text is the edge's tooltip): long labels widen the layout. */
const LABEL_CHARS = 32;

export function graphView(graph: ConsoleGraph, path: ExecutionPath | undefined): HTMLElement {
  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 40, edgesep: 8, marginx: 40, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const lines = new Map(graph.nodes.map((n) => [n.name, wrap(n.name, LINE_CHARS)]));
  for (const n of graph.nodes) {
    const count = lines.get(n.name)!.length + (n.retries.length > 0 ? 1 : 0);
    g.setNode(n.name, { width: BOX_WIDTH, height: 14 + LINE_HEIGHT * count });
  }
  for (const end of [START, END]) g.setNode(end, { width: 18, height: 18 });
  const taken = new Map((path?.edges ?? []).map((e) => [e.id, e]));
  for (const e of graph.edges) {
    const t = taken.get(e.id);
    const text = edgeText(e, t);
    g.setEdge(e.from ?? START, e.to ?? END, text ? { width: Math.min(LABEL_CHARS, text.length) * 5.4 + 6, height: 12, labelpos: 'c' } : {}, e.id);
  }
  layout(g);
  const { width = 0, height = 0 } = g.graph();
  const svg = s('svg', { viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`, role: 'img', 'aria-label': 'state machine graph' });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#687078' }))));
  for (const e of graph.edges) {
    const laid = g.edge({ v: e.from ?? START, w: e.to ?? END, name: e.id });
    const points: { x: number; y: number }[] = laid.points ?? [];
    const t = taken.get(e.id);
    const classes = ['edge', e.kind, t ? t.kind : ''].filter(Boolean).join(' ');
    const group = s('g', { class: classes, 'data-edge': e.id, 'data-taken': t?.kind });
    group.append(s('path', { d: points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '), 'marker-end': 'url(#arrow)' }));
    const text = edgeText(e, t);
    if (text && laid.x !== undefined && laid.y !== undefined) {
      const shown = text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
      group.append(s('text', { x: laid.x, y: laid.y + 3, 'text-anchor': 'middle' }, shown));
    }
    group.append(s('title', {}, `${e.from ?? 'start'} → ${e.to ?? 'end'}${e.errors ? `\ncatches ${e.errors.join(', ')}` : ''}${t?.error ? `\ncaught ${t.error}` : ''}`));
    svg.append(group);
  }
  for (const n of graph.nodes) {
    const box = g.node(n.name);
    const state = path?.states[n.name];
    const status = state?.status ?? 'not-entered';
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const node = s('g', { class: `node ${status}`, 'data-state': n.name, 'data-status': status });
    node.append(s('rect', { x, y, width: box.width, height: box.height, rx: n.type === 'Choice' ? 14 : 4 }));
    const tx = s('text', { x: box.x, y: y + 18, 'text-anchor': 'middle' });
    lines.get(n.name)!.forEach((line, i) => tx.append(s('tspan', { x: box.x, dy: i === 0 ? 0 : LINE_HEIGHT }, line)));
    if (n.retries.length > 0) tx.append(s('tspan', { x: box.x, dy: LINE_HEIGHT, class: 'retries' }, `retries ${n.retries.join(', ')}`));
    node.append(s('title', {}, `${n.type}: ${n.name}${state ? ` (${status})` : ' (not entered)'}${state?.error ? `\n${state.error}: ${state.cause ?? ''}` : ''}`));
    node.append(tx);
    svg.append(node);
    if (state && state.retries.length > 0) {
      // A loop on the right of the state: the attempts a Retry rule re-ran.
      const rx = x + box.width;
      const loop = s('g', { class: 'retry', 'data-retries': state.retries.length, 'data-state': n.name });
      loop.append(s('path', { d: `M${rx},${box.y - 6} C${rx + 34},${box.y - 24} ${rx + 34},${box.y + 24} ${rx},${box.y + 6}`, 'marker-end': 'url(#arrow)' }));
      loop.append(s('text', { x: rx + 4, y: box.y - 16 }, `↻ ${state.retries.length}× ${[...new Set(state.retries.map((r) => r.error))].join(', ')}`));
      svg.append(loop);
    }
  }
  for (const end of [START, END]) {
    const box = g.node(end);
    svg.append(s('g', { class: 'node terminal', 'data-state': end }, s('circle', { cx: box.x, cy: box.y, r: 8 })));
  }
  return h('div', { class: 'graph' }, svg);
}

/** What an edge says: the error this execution's catch took it for, else the errors it catches or "otherwise". */
function edgeText(e: { label?: string }, taken: { kind: string; error?: string } | undefined): string | undefined {
  if (taken?.error !== undefined) return `${taken.kind === 'escalation' ? 'escalated' : 'caught'}: ${taken.error}`;
  return e.label;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
