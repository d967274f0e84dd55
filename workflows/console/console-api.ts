import {
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn';
import { executionAlert, type EndedStatus } from '../alerting/execution-alert';
import { redriveCommand, replayCommand, replayInput } from '../backup/alert';
import { destinationObjectName } from '../backup/keys';
import type { BackupEvent } from '../backup/normalize';
import { readProvenance } from '../copy/metadata';
import { unverifiedReason } from '../backup/destination-state';
import type { AslDefinition } from '../cli/asl-diagram';
import { fromServiceError } from '../cli/errors';
import { expressExecutions, type ExpressWithObject } from '../cli/express-executions';
import type { ExpressExecution } from '../local/sfn-api/express-log';
import { isExpressExecutionArn } from '../local/sfn-api/names';
import { describeExecution, executionHistory, mapLimit, objectOfInput, redriveExecution, startReplay } from '../cli/sfn-ops';
import type { Target } from '../cli/target';
import type { ExecutionDetail, ExecutionRow, GcsObjectView, ListQuery, ObjectView, StateMachineInfo } from './api-types';
import { consoleGraph, type ConsoleGraph } from './graph';
import { eventRows, executionPath } from './execution-view';

/**
 * What the console's page asks for, answered through the Step Functions API only (ListStateMachines, ListExecutions,
 * DescribeExecution, GetExecutionHistory, DescribeStateMachine) and GCS object metadata, so the same code reads the
 * sandbox and a deployed stage. Redrive and replay act on the sandbox only.
 */
const PAGE_ROWS = 25;
const MAX_LIST_CALLS = 8;
const DESCRIBE_CONCURRENCY = 8;
const OBJECT_SCAN_LIMIT = 2000;
const CLOSED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export class ConsoleApi {
  /** Closed executions never change: their descriptions are kept (bounded). */
  private readonly described = new Map<string, DescribeExecutionCommandOutput>();
  private readonly definitions = new Map<string, ConsoleGraph>();

  constructor(readonly target: Target) {}

  get writable(): boolean {
    return this.target.kind === 'sandbox';
  }

  async stateMachines(): Promise<StateMachineInfo[]> {
    const out: StateMachineInfo[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListStateMachines', () => this.target.sfn.send(new ListStateMachinesCommand({ nextToken })));
      for (const m of page.stateMachines ?? []) out.push({ name: m.name ?? '', arn: m.stateMachineArn ?? '', type: m.type ?? 'STANDARD' });
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  /** One page of rows, newest first; filters that ListExecutions lacks (window end, key) are applied to what it lists. */
  async listExecutions(q: ListQuery): Promise<{ rows: ExecutionRow[]; nextToken?: string }> {
    const rows: ExecutionRow[] = [];
    let nextToken = q.nextToken;
    for (let calls = 0; calls < MAX_LIST_CALLS && rows.length < PAGE_ROWS; calls++) {
      const page = await this.call('ListExecutions', () =>
        this.target.sfn.send(new ListExecutionsCommand({ stateMachineArn: q.stateMachineArn, maxResults: PAGE_ROWS, nextToken, ...(q.status ? { statusFilter: q.status } : {}) })),
      ).catch((err: unknown) => {
        // AWS lists no Express executions: a deployed fast path's come from its log group instead.
        if (this.readsFastPathLog && isExpressRefusal(err)) return undefined;
        throw err;
      });
      if (!page) return { rows: await this.fastPathRows(q) };
      const items = page.executions ?? [];
      const inWindow = items.filter((i) => (!q.until || !i.startDate || i.startDate <= q.until) && (!q.since || !i.startDate || i.startDate >= q.since));
      rows.push(...(await mapLimit(inWindow, DESCRIBE_CONCURRENCY, (item) => this.row(item))).filter((r) => q.key === undefined || (r.object?.key.includes(q.key) ?? false)));
      const pastWindow = q.since !== undefined && items.some((i) => i.startDate && i.startDate < q.since!);
      nextToken = pastWindow ? undefined : page.nextToken;
      if (!nextToken) break;
    }
    return { rows, ...(nextToken ? { nextToken } : {}) };
  }

  async execution(executionArn: string): Promise<ExecutionDetail> {
    const fast = this.readsFastPathLog && isExpressExecutionArn(executionArn) ? await this.fastPathExecution(executionArn) : undefined;
    const d = fast ? described(fast.execution) : await this.describe(executionArn, true);
    const [history, machines] = await Promise.all([fast ? fast.history ?? [] : executionHistory(this.target, executionArn), this.stateMachines()]);
    const stateMachineArn = d.stateMachineArn ?? '';
    const stateMachine = machines.find((m) => m.arn === stateMachineArn) ?? { name: stateMachineArn.split(':').pop() ?? '', arn: stateMachineArn, type: 'STANDARD' };
    const graph = await this.graph(stateMachineArn);
    const row = toRow({ executionArn, name: d.name, stateMachineArn, status: d.status, startDate: d.startDate, stopDate: d.stopDate, redriveCount: d.redriveCount }, d);
    const status = d.status ?? '';
    const alert = REDRIVABLE.has(status)
      ? executionAlert({ executionArn, stateMachineArn, status: status as EndedStatus, ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}), history })
      : undefined;
    const object = objectOfInput(d.input);
    const redrivable = REDRIVABLE.has(status) && stateMachine.type === 'STANDARD';
    const endpoint = await this.endpointFlag();
    const commands = {
      ...(object ? { replay: replayCommand(this.target.stateMachineArn, replayInput(object)) + endpoint } : {}),
      ...(redrivable ? { redrive: redriveCommand(executionArn) + endpoint } : {}),
    };
    return {
      row,
      ...(d.input !== undefined ? { input: d.input } : {}),
      ...(d.output !== undefined ? { output: d.output } : {}),
      ...(d.cause !== undefined ? { cause: d.cause } : {}),
      stateMachine,
      graph,
      path: executionPath(d.name ?? executionArn, history, graph),
      events: eventRows(history),
      ...(alert ? { alert } : {}),
      commands,
      actions: { redrive: this.writable && redrivable, replay: this.writable && object !== undefined && object.action === 'copy' },
    };
  }

  /** Every execution of one object across the state machines (oldest first), and what GCS holds for it now. */
  async object(bucket: string, key: string, since?: Date): Promise<ObjectView> {
    const found: ObjectView['executions'] = [];
    for (const m of await this.stateMachines()) {
      let nextToken: string | undefined;
      let scanned = 0;
      do {
        const page = await this.call('ListExecutions', () => this.target.sfn.send(new ListExecutionsCommand({ stateMachineArn: m.arn, maxResults: 100, nextToken }))).catch((err: unknown) => {
          if (isExpressRefusal(err)) return { executions: [], nextToken: undefined };
          throw err;
        });
        const items = (page.executions ?? []).filter((i) => !since || !i.startDate || i.startDate >= since);
        scanned += items.length;
        const rows = await mapLimit(items, DESCRIBE_CONCURRENCY, (item) => this.row(item));
        for (const r of rows) if (r.object?.bucket === bucket && r.object.key === key) found.push({ ...r, machine: m.name, kind: kindOf(r, m) });
        nextToken = items.length < (page.executions ?? []).length ? undefined : page.nextToken;
      } while (nextToken && scanned < OBJECT_SCAN_LIMIT);
    }
    if (this.readsFastPathLog) {
      const machines = await this.stateMachines();
      for (const e of await expressExecutions(this.target, { object: { bucket, key }, ...(since ? { since } : {}) })) {
        const m = machines.find((x) => x.arn === e.execution.stateMachineArn) ?? { name: e.execution.stateMachineArn.split(':').pop() ?? '', arn: e.execution.stateMachineArn, type: 'EXPRESS' };
        const r = expressRow(e);
        found.push({ ...r, machine: m.name, kind: kindOf(r, m) });
      }
    }
    found.sort((a, b) => a.startDate.localeCompare(b.startDate));
    return { executions: found, gcs: await this.gcsObject(bucket, key) };
  }

  async redrive(executionArn: string): Promise<{ redriveDate: string }> {
    this.mustWrite();
    return { redriveDate: (await redriveExecution(this.target, executionArn)).toISOString() };
  }

  async replay(object: { bucket: string; key: string; versionId?: string }): Promise<{ executionArn: string; name: string }> {
    this.mustWrite();
    const started = await startReplay(this.target, object);
    return { executionArn: started.executionArn, name: started.name };
  }

  /**
   * Express executions are in the fast path's log only: ListExecutions, DescribeExecution and GetExecutionHistory
   * refuse them (AWS and the sandbox's endpoint alike), so the console reads the log group (or the sandbox's log file).
   */
  private get readsFastPathLog(): boolean {
    return this.target.expressExecutions !== undefined;
  }

  private async fastPathRows(q: ListQuery): Promise<ExecutionRow[]> {
    const keep = (e: ExpressWithObject): boolean =>
      e.execution.stateMachineArn === q.stateMachineArn && (!q.until || Date.parse(e.execution.startDate) <= q.until.getTime()) && (q.key === undefined || (e.object?.key.includes(q.key) ?? false));
    const found = await expressExecutions(this.target, { ...(q.status ? { status: q.status } : {}), ...(q.since ? { since: q.since } : {}), limit: PAGE_ROWS, keep });
    return found.slice(0, PAGE_ROWS).map(expressRow);
  }

  private async fastPathExecution(executionArn: string): Promise<ExpressWithObject> {
    const [found] = await expressExecutions(this.target, { executionArn });
    if (!found) throw new ConsoleRefusal(`The fast path execution ${executionArn} is not in its log group (${this.target.fastPathLogGroupName ?? '?'}): it keeps executions for the stage's logRetentionDays.`);
    return found;
  }

  private mustWrite(): void {
    if (!this.writable) throw new ConsoleRefusal('Redrive and replay act on the sandbox only; use the commands shown, with your own credentials, for a deployed stage.');
  }

  private async gcsObject(bucket: string, key: string): Promise<GcsObjectView> {
    const dest = this.target.destination;
    if (!dest) return { state: 'unknown', reason: 'the destination is not known: pass --destination gs://bucket/prefix/ (or --stack-outputs)' };
    let name: string;
    try {
      name = destinationObjectName({ bucket: dest.bucket, prefix: dest.prefix, ...(dest.layout ? { layout: dest.layout } : {}) }, bucket, key);
    } catch (err) {
      return { state: 'unknown', reason: (err as Error).message };
    }
    const location = `gs://${dest.bucket}/${name}`;
    try {
      const [m] = await this.target.storage().bucket(dest.bucket).file(name).getMetadata();
      const metadata = (m.metadata ?? {}) as Record<string, unknown>;
      const size = m.size === undefined ? undefined : Number(m.size);
      const generation = String(m.generation ?? '');
      const reason = unverifiedReason({ generation, metadata, ...(size !== undefined ? { size } : {}), ...(m.crc32c ? { crc32c: m.crc32c } : {}) });
      return {
        location,
        state: 'present',
        generation,
        ...(size !== undefined ? { size } : {}),
        ...(m.crc32c ? { crc32c: m.crc32c } : {}),
        ...(m.md5Hash ? { md5: m.md5Hash } : {}),
        ...(m.updated ? { updated: m.updated } : {}),
        verified: reason === undefined,
        ...(reason ? { unverifiedReason: reason } : {}),
        provenance: readProvenance(metadata),
      };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return { location, state: 'absent' };
      return { location, state: 'unknown', reason: `GCS: ${(err as Error).message}` };
    }
  }

  private async row(item: ExecutionListItem): Promise<ExecutionRow> {
    return toRow(item, await this.describe(item.executionArn!, false));
  }

  private async describe(arn: string, fresh: boolean): Promise<DescribeExecutionCommandOutput> {
    const cached = this.described.get(arn);
    if (cached && !fresh) return cached;
    const d = await describeExecution(this.target, arn);
    // A closed execution changes only by a redrive, which the list shows as a new status: re-read when it differs.
    if (CLOSED.has(d.status ?? '') && this.described.size < 20_000) this.described.set(arn, d);
    else this.described.delete(arn);
    return d;
  }

  private async graph(stateMachineArn: string): Promise<ConsoleGraph> {
    const known = this.definitions.get(stateMachineArn);
    if (known) return known;
    const out = await this.call('DescribeStateMachine', () => this.target.sfn.send(new DescribeStateMachineCommand({ stateMachineArn })));
    const graph = consoleGraph(JSON.parse(out.definition ?? '{"StartAt":"","States":{}}') as AslDefinition);
    this.definitions.set(stateMachineArn, graph);
    return graph;
  }

  /** The aws CLI needs the sandbox's endpoint; a deployed stage's commands need nothing more. */
  private async endpointFlag(): Promise<string> {
    if (this.target.kind !== 'sandbox') return '';
    const ep = await this.target.sfn.config.endpoint?.();
    return ep ? ` --endpoint-url ${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ''}` : '';
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw fromServiceError(err, what);
    }
  }
}

/** A request the console refuses (read-only target). */
export class ConsoleRefusal extends Error {
  override readonly name = 'ConsoleRefusal';
}

function toRow(item: Pick<ExecutionListItem, 'executionArn' | 'name' | 'stateMachineArn' | 'status' | 'startDate' | 'stopDate' | 'redriveCount'>, d: DescribeExecutionCommandOutput): ExecutionRow {
  const start = item.startDate ?? d.startDate ?? new Date(0);
  const status = d.status ?? item.status ?? 'RUNNING';
  const stop = CLOSED.has(status) ? (d.stopDate ?? item.stopDate) : undefined;
  const object: BackupEvent | undefined = objectOfInput(d.input);
  const outcome = parseOutcome(d.output);
  return {
    name: item.name ?? d.name ?? '',
    executionArn: item.executionArn ?? d.executionArn ?? '',
    stateMachineArn: item.stateMachineArn ?? d.stateMachineArn ?? '',
    status,
    startDate: start.toISOString(),
    ...(stop ? { stopDate: stop.toISOString(), durationMs: stop.getTime() - start.getTime() } : {}),
    redriveCount: d.redriveCount ?? item.redriveCount ?? 0,
    ...(object ? { object: { action: object.action, bucket: object.bucket, key: object.key, ...(object.versionId ? { versionId: object.versionId } : {}) } } : {}),
    ...outcome,
    ...(d.error !== undefined ? { error: d.error } : {}),
  };
}

/** A logged Express execution as DescribeExecution would describe it, so one row and detail builder serves both. */
function described(e: ExpressExecution): DescribeExecutionCommandOutput {
  return {
    $metadata: {},
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: new Date(e.startDate),
    ...(e.stopDate ? { stopDate: new Date(e.stopDate) } : {}),
    input: e.input,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  };
}

function expressRow({ execution }: ExpressWithObject): ExecutionRow {
  const d = described(execution);
  return toRow({ executionArn: d.executionArn, name: d.name, stateMachineArn: d.stateMachineArn, status: d.status, startDate: d.startDate, stopDate: d.stopDate, redriveCount: 0 }, d);
}

function isExpressRefusal(err: unknown): boolean {
  return (err as Error).message.includes('StateMachineTypeNotSupported');
}

function parseOutcome(output: string | undefined): { outcome?: string; tier?: string; bytes?: number } {
  if (output === undefined) return {};
  try {
    const o = JSON.parse(output) as { outcome?: unknown; tier?: unknown; bytes?: unknown } | null;
    return {
      ...(typeof o?.outcome === 'string' ? { outcome: o.outcome } : {}),
      ...(typeof o?.tier === 'string' ? { tier: o.tier } : {}),
      ...(typeof o?.bytes === 'number' ? { bytes: o.bytes } : {}),
    };
  } catch {
    return {};
  }
}

/** How an execution came to back up the object: the names say it (execution-name.ts), the machine type too. */
function kindOf(r: ExecutionRow, m: StateMachineInfo): string {
  const how = m.type === 'EXPRESS' ? 'fast path' : r.name.startsWith('replay-') ? 'replay' : r.name.startsWith('backfill-') ? 'backfill' : m.type === 'STANDARD' ? 'event' : m.type;
  return r.redriveCount > 0 ? `${how}, redriven ${r.redriveCount}×` : how;
}
