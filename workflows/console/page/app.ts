import type { ConsoleInfo, ExecutionDetail, ExecutionRow, ListQuery, ObjectView } from '../api-types';
import { getJson, postJson } from './api';
import { formatBytes, formatDuration, h, link, pretty, statusBadge } from './dom';
import { graphView } from './graph-view';

/**
 * The console page: #list (executions, filtered and paged), #execution?arn= (graph, events, alert, commands) and
 * #object?bucket=&key= (every execution of one key, and what GCS holds). Running executions refresh themselves.
 */
const POLL_MS = 1_500;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
let info: ConsoleInfo | undefined;
let timer: number | undefined;
/** Bumped on every navigation: a slow answer for a page already left is dropped. */
let generation = 0;

const main = (): HTMLElement => document.getElementById('main')!;

async function start(): Promise<void> {
  info = await getJson<ConsoleInfo>('/api/info');
  document.getElementById('target')!.append(`${info.kind === 'sandbox' ? 'sandbox' : 'read-only'}: ${info.label}`);
  window.addEventListener('hashchange', () => void render());
  await render();
}

async function render(): Promise<void> {
  window.clearTimeout(timer);
  const mine = ++generation;
  const [view, query = ''] = location.hash.slice(1).split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  try {
    const page = view === 'execution' ? await executionPage(params) : view === 'object' ? await objectPage(params) : await listPage(params);
    if (mine !== generation) return;
    main().replaceChildren(...page.nodes);
    document.body.dataset['view'] = view || 'list';
    document.body.dataset['ready'] = String(mine);
    if (page.live) timer = window.setTimeout(() => void refresh(mine), POLL_MS);
  } catch (err) {
    if (mine !== generation) return;
    main().replaceChildren(h('p', { class: 'error' }, (err as Error).message));
    document.body.dataset['ready'] = String(mine);
  }
}

async function refresh(mine: number): Promise<void> {
  if (mine !== generation) return;
  // Keep what the reader opened: remember the open <details> by their data-id and reopen them after the redraw.
  const open = [...document.querySelectorAll<HTMLDetailsElement>('details[open][data-id]')].map((d) => d.dataset['id']);
  await render();
  for (const id of open) document.querySelector<HTMLDetailsElement>(`details[data-id="${CSS.escape(id ?? '')}"]`)?.setAttribute('open', '');
}

interface Page {
  nodes: Node[];
  /** Refresh after POLL_MS (something is running). */
  live: boolean;
}

async function listPage(params: URLSearchParams): Promise<Page> {
  const machines = info!.stateMachines;
  const arn = params.get('stateMachineArn') || info!.defaultStateMachineArn;
  const q: Partial<Record<keyof ListQuery, string>> = {
    stateMachineArn: arn,
    status: params.get('status') ?? undefined,
    since: params.get('since') ?? undefined,
    until: params.get('until') ?? undefined,
    key: params.get('key') ?? undefined,
    nextToken: params.get('nextToken') ?? undefined,
  };
  const { rows, nextToken } = await getJson<{ rows: ExecutionRow[]; nextToken?: string }>('/api/executions', q);
  const form = filters(params, arn, machines.map((m) => ({ value: m.arn, label: `${m.name} (${m.type})` })));
  const table = h(
    'table',
    { id: 'executions' },
    h('thead', {}, h('tr', {}, ...['Name', 'Object', 'Status', 'Tier', 'Bytes', 'Duration', 'Started'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows.map(rowView)),
  );
  const pager = h('div', { class: 'pager' });
  if (params.get('nextToken')) pager.append(link('list', withoutToken(params), 'First page'));
  if (nextToken) pager.append(link('list', { ...Object.fromEntries(params), nextToken }, 'Next page'));
  const first = !params.get('nextToken');
  return {
    nodes: [h('h1', {}, 'Executions'), form, rows.length === 0 ? h('p', {}, 'No executions match.') : table, pager],
    live: first && rows.some((r) => r.status === 'RUNNING'),
  };
}

function withoutToken(params: URLSearchParams): Record<string, string> {
  const copy = Object.fromEntries(params);
  delete copy['nextToken'];
  return copy;
}

function filters(params: URLSearchParams, arn: string, machines: { value: string; label: string }[]): HTMLFormElement {
  const select = (name: string, options: { value: string; label: string }[], current: string): HTMLSelectElement => {
    const el = h('select', { name });
    for (const o of options) {
      const opt = h('option', { value: o.value }, o.label);
      if (o.value === current) opt.selected = true;
      el.append(opt);
    }
    return el;
  };
  const local = (iso: string | null): string => (iso ? new Date(new Date(iso).getTime() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '');
  const since = h('input', { type: 'datetime-local', name: 'since', value: local(params.get('since')) });
  const until = h('input', { type: 'datetime-local', name: 'until', value: local(params.get('until')) });
  const key = h('input', { type: 'search', name: 'key', placeholder: 'part of the key', value: params.get('key') ?? '' });
  const form = h(
    'form',
    { class: 'filters' },
    h('label', {}, 'State machine', select('stateMachineArn', machines, arn)),
    h('label', {}, 'Status', select('status', [{ value: '', label: 'any' }, ...STATUSES.map((s) => ({ value: s, label: s }))], params.get('status') ?? '')),
    h('label', {}, 'Started from', since),
    h('label', {}, 'to', until),
    h('label', {}, 'Key contains', key),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const next: Record<string, string> = {};
    for (const [k, v] of data) {
      const text = String(v);
      if (text === '') continue;
      next[k] = k === 'since' || k === 'until' ? new Date(text).toISOString() : text;
    }
    location.hash = `list?${new URLSearchParams(next).toString()}`;
  });
  return form;
}

function rowView(r: ExecutionRow): HTMLElement {
  return h(
    'tr',
    { 'data-status': r.status },
    h('td', { class: 'key name' }, link('execution', { arn: r.executionArn }, r.name), r.redriveCount > 0 ? ` (redriven ${r.redriveCount}×)` : ''),
    h('td', { class: 'key' }, h('span', { class: 'clip' }, objectCell(r))),
    h('td', {}, statusBadge(r.status), r.error ? h('div', { class: 'error' }, r.error) : undefined),
    h('td', {}, r.tier ?? '-', r.outcome ? h('div', {}, r.outcome) : undefined),
    h('td', { class: 'num' }, formatBytes(r.bytes)),
    h('td', { class: 'num' }, formatDuration(r.durationMs)),
    h('td', { class: 'when' }, r.startDate.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')),
  );
}

function objectCell(r: ExecutionRow): Node | string {
  const o = r.object;
  if (!o) return '-';
  return h(
    'span',
    {},
    o.action === 'delete' ? 'delete ' : '',
    link('object', { bucket: o.bucket, key: o.key }, `s3://${o.bucket}/${o.key}`),
    o.versionId ? h('div', {}, `version ${o.versionId}`) : undefined,
  );
}

async function executionPage(params: URLSearchParams): Promise<Page> {
  const arn = params.get('arn') ?? '';
  const d = await getJson<ExecutionDetail>('/api/execution', { arn });
  const r = d.row;
  const running = r.status === 'RUNNING';
  const facts = h('dl', { class: 'facts' });
  const fact = (k: string, ...v: (Node | string)[]): void => void facts.append(h('dt', {}, k), h('dd', {}, ...v));
  fact('Status', statusBadge(r.status), running ? h('span', { class: 'live' }, ' live: refreshing') : '');
  fact('State machine', `${d.stateMachine.name} (${d.stateMachine.type})`);
  fact('Object', h('span', { class: 'clip' }, objectCell(r)));
  if (r.outcome) fact('Outcome', `${r.outcome}${r.tier ? ` by the ${r.tier} tier` : ''}, ${formatBytes(r.bytes)}`);
  fact('Started', r.startDate);
  if (r.stopDate) fact('Ended', `${r.stopDate} (${formatDuration(r.durationMs)})`);
  if (r.redriveCount > 0) fact('Redriven', `${r.redriveCount}×; the graph shows each state's latest outcome`);
  if (r.error !== undefined) fact('Error', h('span', { class: 'error', id: 'execution-error' }, r.error));
  if (d.cause !== undefined) fact('Cause', h('span', { id: 'execution-cause', class: 'clip' }, d.cause));
  fact('ARN', h('span', { class: 'key' }, r.executionArn));
  const side = h('div', {}, h('div', { class: 'panel' }, facts), actions(d), commands(d));
  if (d.alert) side.append(h('h2', {}, 'Alert'), h('div', { class: 'panel', id: 'alert' }, h('strong', {}, d.alert.subject), h('pre', {}, d.alert.message)));
  side.append(
    h('h2', {}, 'Input and output'),
    details('input', 'Execution input', d.input),
    d.output !== undefined ? details('output', 'Execution output', d.output) : '',
  );
  const legend = h('div', { class: 'legend' }, ...['succeeded', 'caught', 'failed', 'running', 'not-entered'].map((s) => h('span', { class: s }, s.replace('-', ' '))));
  return {
    nodes: [
      h('h1', { class: 'key' }, r.name),
      h('div', { class: 'layout' }, h('div', {}, legend, graphView(d.graph, d.path)), side),
      h('h2', {}, `Events (${d.events.length})`),
      eventsTable(d),
    ],
    live: running || r.status === 'PENDING_REDRIVE',
  };
}

function details(id: string, summary: string, text: string | undefined): HTMLElement {
  return h('details', { 'data-id': id }, h('summary', {}, summary), h('pre', {}, text === undefined ? '(none)' : pretty(text)));
}

function eventsTable(d: ExecutionDetail): HTMLElement {
  const body = h('tbody');
  for (const e of d.events) {
    const extra = (['input', 'output', 'error', 'cause'] as const).filter((f) => e[f] !== undefined);
    const failed = e.error !== undefined;
    body.append(
      h(
        'tr',
        { class: failed ? 'ev-fail' : undefined, 'data-type': e.type },
        h('td', { class: 'num' }, e.id),
        h('td', {}, e.type),
        h('td', {}, e.state ?? ''),
        h('td', {}, e.timestamp.replace('T', ' ').replace('Z', '')),
        h('td', { class: 'num' }, formatDuration(e.elapsedMs)),
        h('td', {}, ...extra.map((f) => (f === 'error' ? h('div', { class: 'error' }, e.error!) : details(`ev-${e.id}-${f}`, f, e[f])))),
      ),
    );
  }
  return h('table', { id: 'events' }, h('thead', {}, h('tr', {}, ...['ID', 'Type', 'State', 'Time (UTC)', 'Elapsed', 'Details'].map((t) => h('th', {}, t)))), body);
}

function commands(d: ExecutionDetail): HTMLElement {
  const box = h('div', { id: 'commands' });
  const show = (title: string, id: string, text: string | undefined): void => {
    if (text === undefined) return;
    const pre = h('pre', { id }, text);
    const copy = h('button', { type: 'button' }, 'Copy');
    copy.addEventListener('click', () => void navigator.clipboard?.writeText(text).then(() => (copy.textContent = 'Copied'), () => window.getSelection()?.selectAllChildren(pre)));
    box.append(h('h2', {}, title, ' ', copy), pre);
  };
  show('Redrive (resumes at the state that failed)', 'redrive-command', d.commands.redrive);
  show('Replay (a new execution from the first state)', 'replay-command', d.commands.replay);
  return box;
}

function actions(d: ExecutionDetail): HTMLElement {
  const box = h('div', { class: 'pager' });
  const message = h('span', { class: 'error' });
  if (d.actions.redrive) {
    const b = h('button', { type: 'button', id: 'redrive' }, 'Redrive');
    b.addEventListener('click', () => {
      b.disabled = true;
      postJson('/api/redrive', { executionArn: d.row.executionArn }).then(() => void render(), (err: Error) => (message.textContent = err.message));
    });
    box.append(b);
  }
  const o = d.row.object;
  if (d.actions.replay && o) {
    const b = h('button', { type: 'button', id: 'replay' }, 'Replay');
    b.addEventListener('click', () => {
      b.disabled = true;
      postJson<{ executionArn: string }>('/api/replay', { bucket: o.bucket, key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}) }).then(
        (started) => (location.hash = `execution?${new URLSearchParams({ arn: started.executionArn }).toString()}`),
        (err: Error) => (message.textContent = err.message),
      );
    });
    box.append(b);
  }
  box.append(message);
  return box;
}

async function objectPage(params: URLSearchParams): Promise<Page> {
  const bucket = params.get('bucket') ?? '';
  const key = params.get('key') ?? '';
  const v = await getJson<ObjectView>('/api/object', { bucket, key, since: params.get('since') ?? undefined });
  const g = v.gcs;
  const facts = h('dl', { class: 'facts', id: 'gcs' });
  const fact = (k: string, value: Node | string | undefined): void => {
    if (value !== undefined) facts.append(h('dt', {}, k), h('dd', {}, value));
  };
  fact('GCS object', g.location ?? '(unknown)');
  fact('State', g.state === 'present' ? 'present' : g.state === 'absent' ? 'absent: no backup in GCS now' : `unknown: ${g.reason ?? ''}`);
  fact('Generation', g.generation);
  fact('Size', g.size === undefined ? undefined : `${formatBytes(g.size)} (${g.size} bytes)`);
  fact('CRC32C', g.crc32c);
  fact('MD5', g.md5);
  fact('Updated', g.updated);
  if (g.verified !== undefined) fact('Verified', g.verified ? h('span', { class: 'status status-SUCCEEDED' }, 'yes: carries the verified mark for these bytes') : h('span', { class: 'error' }, `no: ${g.unverifiedReason ?? ''}`));
  const p = g.provenance;
  if (p) {
    fact('Source', `s3://${p.bucket ?? '?'}/${p.key ?? '?'}`);
    fact('Source version', p.versionId ?? '(none recorded)');
    fact('Source ETag', p.etag);
    fact('Source size', p.size === undefined ? undefined : String(p.size));
    fact('Source CRC32C', p.crc32c);
    fact('Sequencer', p.sequencer);
    fact('Source last modified', p.lastModified === undefined ? undefined : String(p.lastModified));
  }
  const rows = v.executions.map((r) =>
    h(
      'tr',
      { 'data-status': r.status },
      h('td', {}, r.startDate.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')),
      h('td', {}, r.kind),
      h('td', {}, r.machine),
      h('td', { class: 'key' }, link('execution', { arn: r.executionArn }, r.name)),
      h('td', {}, statusBadge(r.status), r.error ? h('div', { class: 'error' }, r.error) : undefined),
      h('td', {}, r.outcome ?? '-', r.tier ? ` (${r.tier})` : ''),
      h('td', { class: 'num' }, formatDuration(r.durationMs)),
    ),
  );
  return {
    nodes: [
      h('h1', { class: 'key', id: 'object-key' }, `s3://${bucket}/${key}`),
      h('h2', {}, 'In GCS now'),
      h('div', { class: 'panel' }, facts),
      h('h2', {}, `Executions (${v.executions.length}), oldest first`),
      v.executions.length === 0
        ? h('p', {}, 'No execution of this object found.')
        : h('table', { id: 'object-executions' }, h('thead', {}, h('tr', {}, ...['Started', 'How', 'State machine', 'Name', 'Status', 'Outcome', 'Duration'].map((t) => h('th', {}, t)))), h('tbody', {}, ...rows)),
    ],
    live: v.executions.some((r) => r.status === 'RUNNING'),
  };
}

void start().catch((err: Error) => main().replaceChildren(h('p', { class: 'error' }, `The console could not start: ${err.message}`)));
