import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { timelineFromHistory } from '../cli/history-timeline';
import type { RetriedAttempt, TimelineStep } from '../local/timeline';
import { edgeId, END, START, type ConsoleGraph } from './graph';

/**
 * What the console shows of one execution, computed from GetExecutionHistory alone (so a deployed stage and the
 * sandbox read the same): each state's outcome over every run (a redrive's run overrides the states it re-entered),
 * the transitions taken, and the event table.
 */
export type StateOutcome = 'succeeded' | 'caught' | 'failed' | 'running';

export interface StateView {
  status: StateOutcome;
  retries: RetriedAttempt[];
  error?: string;
  cause?: string;
}

export interface TakenEdge {
  /** The graph edge's id (see graph-layout's edgeId). */
  id: string;
  /** taken: a plain transition; caught: a Catch moved on; escalation: a Catch handed the object to a bigger copier. */
  kind: 'taken' | 'caught' | 'escalation';
  /** For caught/escalation: the error that was caught. */
  error?: string;
}

export interface EventRow {
  id: number;
  type: string;
  /** The state the event belongs to (the one entered last). */
  state?: string;
  timestamp: string;
  elapsedMs: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionPath {
  states: Record<string, StateView>;
  edges: TakenEdge[];
  runs: number;
}

/** Catch targets named "Escalate …" hand the object to the next copier tier (asl/backup-object.asl.json). */
const ESCALATION = /^Escalate\b/;

export function executionPath(name: string, history: HistoryEvent[], graph: ConsoleGraph): ExecutionPath {
  const states: Record<string, StateView> = {};
  const taken = new Map<string, TakenEdge>();
  const runs = splitRuns(history);
  runs.forEach((run, runIndex) => {
    const timeline = timelineFromHistory(name, run);
    const steps = timeline.steps;
    if (runIndex === 0 && steps[0]) mark(graph, taken, START, steps[0].state, 'taken');
    steps.forEach((step, i) => {
      states[step.state] = view(step);
      const next = steps[i + 1];
      if (next) {
        const caught = step.status === 'caught';
        const kind = caught ? (ESCALATION.test(next.state) ? 'escalation' : 'caught') : 'taken';
        mark(graph, taken, step.state, next.state, kind, caught ? step.error : undefined);
      } else if (timeline.status === 'SUCCEEDED') {
        mark(graph, taken, step.state, END, 'taken');
      }
    });
  });
  return { states, edges: [...taken.values()], runs: runs.length };
}

function view(step: TimelineStep): StateView {
  return {
    status: step.status,
    retries: step.retries,
    ...(step.error !== undefined ? { error: step.error } : {}),
    ...(step.cause !== undefined ? { cause: step.cause } : {}),
  };
}

/** The first edge of the graph between two states; none when the path left the drawn graph (e.g. inside a Map). */
function mark(graph: ConsoleGraph, taken: Map<string, TakenEdge>, from: string, to: string, kind: TakenEdge['kind'], error?: string): void {
  const wanted = edgeId({ from: from === START ? undefined : from, to: to === END ? undefined : to }, []);
  const edge = graph.edges.find((e) => e.id === wanted && (kind === 'taken' ? e.kind !== 'catch' : e.kind === 'catch')) ?? graph.edges.find((e) => e.id === wanted);
  if (edge) taken.set(edge.id, { id: edge.id, kind, ...(error !== undefined ? { error } : {}) });
}

/** The first run, then one slice per ExecutionRedriven. */
function splitRuns(history: HistoryEvent[]): HistoryEvent[][] {
  const runs: HistoryEvent[][] = [[]];
  for (const e of history) {
    if (e.type === 'ExecutionRedriven') runs.push([]);
    runs[runs.length - 1]!.push(e);
  }
  return runs.filter((r) => r.length > 0);
}

export function eventRows(history: HistoryEvent[]): EventRow[] {
  const t0 = history[0]?.timestamp?.getTime() ?? 0;
  let state: string | undefined;
  return history.map((e) => {
    const details = detailsOf(e);
    if (e.stateEnteredEventDetails?.name !== undefined) state = e.stateEnteredEventDetails.name;
    const at = e.timestamp?.getTime() ?? t0;
    const row: EventRow = { id: e.id ?? 0, type: e.type ?? '?', timestamp: new Date(at).toISOString(), elapsedMs: at - t0 };
    if (state !== undefined) row.state = state;
    for (const field of ['input', 'output', 'error', 'cause'] as const) {
      const value = details?.[field];
      if (typeof value === 'string') row[field] = value;
    }
    if (e.stateExitedEventDetails?.name !== undefined) state = undefined;
    return row;
  });
}

/** The one `…EventDetails` member a history event carries. */
function detailsOf(e: HistoryEvent): Record<string, unknown> | undefined {
  for (const [k, v] of Object.entries(e)) if (k.endsWith('EventDetails') && v && typeof v === 'object') return v as Record<string, unknown>;
  return undefined;
}
