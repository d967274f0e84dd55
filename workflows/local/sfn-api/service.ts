import { randomUUID } from 'node:crypto';
import type { LocalAlert } from '../alert-sink';
import type { Timeline } from '../timeline';
import { ExpressLog, type ExpressExecution } from './express-log';
import { currentRun, ExecutionStore, type ExecutionRecord, type ExecutionStatus, type RunRecord } from './execution-store';
import { historyEvents } from './history-events';
import { statusChangeEvent, type ExecutionStatusChangeDetail, type StatusChangeListener } from './status-change';
import { assertExecutionArn, assertStateMachineArn, assertValidExecutionName, executionArnFor, expressExecutionArnFor, isExpressExecutionArn } from './names';
import {
  decodeListToken,
  decodeToken,
  encodeListToken,
  encodeToken,
  epochSeconds,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
  SfnApiError,
  type JsonObject,
} from './protocol';

/** What a local execution ends with: the local runner's result, minus what the endpoint adds itself. */
export interface LocalRunResult {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  output?: unknown;
  error?: string;
  cause?: string;
  timeline: Timeline;
  alerts?: LocalAlert[];
}

/** Where a redrive resumes: the top-level state that failed; the run's input is the input that state was entered with. */
export interface RunResume {
  startAt: string;
}

/** A state machine the local endpoint hosts: its definition (for DescribeStateMachine) and how to run it. */
export interface LocalStateMachine {
  name: string;
  arn: string;
  /** The ASL as deployed (JSON text). */
  definition: string;
  /** (Default: STANDARD) EXPRESS executions cannot be redriven. */
  type?: 'STANDARD' | 'EXPRESS';
  /**
   * Runs the definition from its StartAt, or — for a redrive — from `resume.startAt` (same states, fresh retry counts).
   * `signal` aborts when StopExecution stops the execution: start no further state, and resolve (any status: the
   * endpoint keeps ABORTED) with the timeline so far.
   */
  run(input: unknown, execution: { name: string; arn: string }, resume?: RunResume, signal?: AbortSignal): Promise<LocalRunResult>;
}

export interface LocalStepFunctionsOptions {
  stateMachines: LocalStateMachine[];
  /** Keep executions as JSON files here (Default: memory only). */
  dataDir?: string;
  /** Executions run at once; the rest wait, RUNNING (Default: 4). */
  maxConcurrent?: number;
  /** Epoch milliseconds now (Default: Date.now): dates of executions and the 14-day redrive window. */
  clock?: () => number;
  /** Where EXPRESS executions log their events, their only record (Default: a log in memory). */
  expressLog?: ExpressLog;
  /** An EXPRESS execution's time limit in ms (Default: 5 minutes, as in AWS). */
  expressTimeLimitMs?: number;
}

const MAX_INPUT_BYTES = 256 * 1024;
/** "Express workflows can run for up to five minutes" (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html). */
const EXPRESS_TIME_LIMIT_MS = 5 * 60 * 1000;
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
/** ListExecutions' statusFilter values (API_ListExecutions); PENDING_REDRIVE only with a mapRunArn (see listExecutions). */
const STATUS_FILTERS = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
const MAX_STOP_ERROR = 256;
const MAX_STOP_CAUSE = 32768;
const CLOSED_UNSUCCESSFULLY = new Set<ExecutionStatus>(['FAILED', 'ABORTED', 'TIMED_OUT']);

/**
 * The Step Functions API subset the CLI and start-executions use, over the local runner: StartExecution,
 * DescribeExecution, ListExecutions, GetExecutionHistory, RedriveExecution, ListStateMachines, DescribeStateMachine —
 * with AWS's validation and errors (InvalidName, ExecutionAlreadyExists, ExecutionDoesNotExist, ExecutionNotRedrivable…),
 * and "Step Functions Execution Status Change" events to `onStatusChange` listeners.
 * A redrive resumes as AWS's does: at the state that failed, with the input that state was entered with, keeping the
 * earlier history. StopExecution closes a running execution ABORTED at once (see stopExecution).
 * Differences from AWS: a run the sandbox cut short (FAILED with Sandbox.Interrupted on restart, see
 * announceInterrupted) left no record of its states, so its redrive starts at the definition's StartAt with the
 * execution input.
 */
export class LocalStepFunctions {
  private readonly machines: Map<string, LocalStateMachine & { createdAt: Date; resources: Map<string, string> }>;
  private readonly store: ExecutionStore;
  private readonly maxConcurrent: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly closedListeners: ((record: ExecutionRecord) => void)[] = [];
  private readonly expressClosedListeners: ((execution: ExpressExecution) => void)[] = [];
  private readonly statusListeners: StatusChangeListener[] = [];
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  /** The runs StopExecution can stop: execution ARN → its run's abort. */
  private readonly stops = new Map<string, AbortController>();
  /** The log group of the EXPRESS machines: their executions' only record. */
  readonly expressLog: ExpressLog;
  private readonly expressTimeLimitMs: number;

  constructor(options: LocalStepFunctionsOptions) {
    this.expressLog = options.expressLog ?? new ExpressLog();
    this.expressTimeLimitMs = options.expressTimeLimitMs ?? EXPRESS_TIME_LIMIT_MS;
    const createdAt = new Date();
    this.machines = new Map(options.stateMachines.map((m) => [m.arn, { ...m, createdAt, resources: taskResources(m.definition) }]));
    this.store = new ExecutionStore(options.dataDir);
    this.maxConcurrent = options.maxConcurrent ?? 4;
    this.now = options.clock ?? Date.now;
    this.resumeExpressExecutions();
  }

  /**
   * Asynchronous Express is at-least-once: an execution the service accepted runs, even if a host fails under it.
   * Express executions this endpoint's log shows started but never closed (the sandbox was stopped under them) run
   * again, under the same ARN; the fast path is idempotent, so a second run of a copy that had finished is harmless.
   */
  private resumeExpressExecutions(): void {
    for (const execution of this.expressLog.executions(this.now())) {
      const machine = this.machines.get(execution.stateMachineArn);
      if (execution.status !== 'RUNNING' || machine?.type !== 'EXPRESS') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(execution.input);
      } catch {
        continue; // refused at StartExecution already: never logged as started
      }
      this.runExpressExecution(machine, { ...execution, startDate: new Date(this.now()).toISOString() }, parsed);
    }
  }

  /** Dispatches one API call; throws SfnApiError for anything AWS would refuse. */
  async handle(operation: string, params: JsonObject): Promise<JsonObject> {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(params);
      case 'DescribeExecution':
        return this.describeExecution(params);
      case 'ListExecutions':
        return this.listExecutions(params);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(params);
      case 'RedriveExecution':
        return this.redriveExecution(params);
      case 'StopExecution':
        return this.stopExecution(params);
      case 'ListStateMachines':
        return this.listStateMachines();
      case 'DescribeStateMachine':
        return this.describeStateMachine(params);
      default:
        throw new SfnApiError(
          'UnknownOperationException',
          `The local Step Functions endpoint does not offer ${operation}; it offers StartExecution, DescribeExecution, ` +
            'ListExecutions, GetExecutionHistory, RedriveExecution, StopExecution, ListStateMachines and DescribeStateMachine',
        );
    }
  }

  /** Called whenever an EXPRESS execution ends, after its log line is written. */
  onExpressExecutionClosed(cb: (execution: ExpressExecution) => void): void {
    this.expressClosedListeners.push(cb);
  }

  /** Called whenever a run of an execution ends (also after a redrive). */
  onExecutionClosed(cb: (record: ExecutionRecord) => void): void {
    this.closedListeners.push(cb);
  }

  /**
   * Called with a "Step Functions Execution Status Change" event when an execution starts or is redriven (RUNNING) and
   * when a run closes; what an EventBridge rule on source aws.states would deliver. A listener that throws does not stop
   * the others (EventBridge delivers to each target on its own).
   */
  onStatusChange(listener: StatusChangeListener): void {
    this.statusListeners.push(listener);
  }

  executions(): ExecutionRecord[] {
    return this.store.all();
  }

  /**
   * Sends the FAILED status change of every execution that was RUNNING when an earlier process stopped (the store
   * closed them as INTERRUPTED_ERROR on load), so the alert fires as for any failure. Call it once listeners are
   * registered; returns those executions. Later calls send nothing.
   */
  announceInterrupted(): ExecutionRecord[] {
    const interrupted = this.store.interrupted.splice(0);
    for (const record of interrupted) this.emitStatusChange(record);
    return interrupted;
  }

  execution(arn: string): ExecutionRecord | undefined {
    return this.store.get(arn);
  }

  /** The Resource of a Task state of a hosted machine (for history events), if it is one. */
  taskResource(stateMachineArn: string, state: string): string | undefined {
    return this.machines.get(stateMachineArn)?.resources.get(state);
  }

  /** Resolves once no execution is running or waiting. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private startExecution(params: JsonObject): JsonObject {
    const stateMachineArn = requiredString(params, 'stateMachineArn');
    const machine = this.machine(stateMachineArn);
    const name = optionalString(params, 'name') ?? randomUUID();
    assertValidExecutionName(name);
    const input = optionalString(params, 'input') ?? '{}';
    const parsed = parseInput(input);
    if (machine.type === 'EXPRESS') return this.startExpressExecution(machine, name, input, parsed);
    const executionArn = executionArnFor(machine.arn, name);
    const existing = this.store.get(executionArn);
    if (existing) {
      // AWS: the same name and input while the execution is open returns the original execution; anything else is refused.
      if (currentRun(existing).status === 'RUNNING' && existing.redriveCount === 0 && existing.input === input) {
        return { executionArn, startDate: epochSeconds(existing.startDate) };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const startDate = new Date(this.now()).toISOString();
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      input,
      startDate,
      redriveCount: 0,
      runs: [{ startDate, status: 'RUNNING', alerts: [] }],
    };
    this.store.add(record);
    this.emitStatusChange(record); // RUNNING, before the run can close
    this.launch(record, parsed);
    return { executionArn, startDate: epochSeconds(startDate) };
  }

  private describeExecution(params: JsonObject): JsonObject {
    const record = this.record(requiredString(params, 'executionArn'));
    const run = currentRun(record);
    const redrive = this.redriveStatus(record);
    return {
      ...listItem(record),
      input: record.input,
      inputDetails: { included: true },
      ...(run.output !== undefined ? { output: run.output, outputDetails: { included: true } } : {}),
      ...(run.error !== undefined ? { error: run.error, cause: run.cause ?? '' } : run.cause !== undefined ? { cause: run.cause } : {}),
      redriveStatus: redrive.status,
      ...(redrive.reason ? { redriveStatusReason: redrive.reason } : {}),
    };
  }

  /**
   * ListExecutions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html): newest
   * first. A nextToken names the last execution of its page and the query it belongs to, so the next page starts right
   * after that execution: executions started between pages are newer and never shift it — no page repeats or skips one. "Keep all other arguments unchanged": a token used with
   * other arguments, or one this endpoint did not issue, is InvalidToken (HTTP 400), as is one older than AWS's
   * 24 hours. A PENDING_REDRIVE statusFilter needs a mapRunArn ("If you provide a stateMachineArn and a
   * PENDING_REDRIVE statusFilter, the API returns a validation exception"); this endpoint runs no Map Runs.
   */
  private listExecutions(params: JsonObject): JsonObject {
    if (params['mapRunArn'] !== undefined && params['mapRunArn'] !== null) {
      throw new SfnApiError('ResourceNotFound', 'Map Run Does Not Exist: the local endpoint runs no Distributed Map (mapRunArn)');
    }
    const stateMachineArn = requiredString(params, 'stateMachineArn');
    if (this.machine(stateMachineArn).type === 'EXPRESS') {
      // "This API action is not supported by EXPRESS state machines" (API_ListExecutions): their executions are read
      // from their log group (here: expressLog), as the console does.
      throw new SfnApiError('StateMachineTypeNotSupported', `This operation is not supported by EXPRESS state machines: '${stateMachineArn}'`);
    }
    const statusFilter = optionalString(params, 'statusFilter');
    if (statusFilter !== undefined && !(STATUS_FILTERS as readonly string[]).includes(statusFilter)) {
      throw new SfnApiError('ValidationException', `1 validation error detected: Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUS_FILTERS.join(', ')}]`);
    }
    if (statusFilter === 'PENDING_REDRIVE') {
      throw new SfnApiError('ValidationException', 'A PENDING_REDRIVE statusFilter is only valid with a mapRunArn, not with a stateMachineArn');
    }
    const redriveFilter = optionalString(params, 'redriveFilter');
    if (redriveFilter !== undefined && redriveFilter !== 'REDRIVEN' && redriveFilter !== 'NOT_REDRIVEN') {
      throw new SfnApiError('ValidationException', `Value '${redriveFilter}' at 'redriveFilter' must be REDRIVEN or NOT_REDRIVEN`);
    }
    const maxResults = optionalInteger(params, 'maxResults', 0, 1000) || 100;
    const query = JSON.stringify([stateMachineArn, statusFilter ?? null, redriveFilter ?? null]);
    const after = decodeListToken(optionalString(params, 'nextToken'), query, this.now());
    // Newest first: by start date, and in start order within a millisecond (the store keeps start order).
    const all = this.store
      .all()
      .filter((r) => r.stateMachineArn === stateMachineArn)
      .reverse()
      .sort((a, b) => Date.parse(b.startDate) - Date.parse(a.startDate));
    const from = after === undefined ? 0 : all.findIndex((r) => r.executionArn === after.executionArn) + 1;
    if (after !== undefined && from === 0) throw new SfnApiError('InvalidToken', 'Invalid nextToken: it names no execution of this state machine');
    const matching = all
      .slice(from)
      .filter((r) => statusFilter === undefined || currentRun(r).status === statusFilter)
      .filter((r) => redriveFilter === undefined || (redriveFilter === 'REDRIVEN') === r.redriveCount > 0);
    const page = matching.slice(0, maxResults);
    const last = page[page.length - 1];
    const next = last && matching.length > maxResults ? { nextToken: encodeListToken({ startDate: last.startDate, executionArn: last.executionArn }, query, this.now()) } : {};
    return { executions: page.map(listItem), ...next };
  }

  private getExecutionHistory(params: JsonObject): JsonObject {
    const record = this.record(requiredString(params, 'executionArn'));
    const machine = this.machine(record.stateMachineArn);
    const maxResults = optionalInteger(params, 'maxResults', 0, 1000) || 100;
    const reverse = optionalBoolean(params, 'reverseOrder') ?? false;
    const includeData = optionalBoolean(params, 'includeExecutionData') ?? true;
    const offset = decodeToken(optionalString(params, 'nextToken'));
    const events = historyEvents(record, (state) => machine.resources.get(state), includeData);
    if (reverse) events.reverse();
    const page = events.slice(offset, offset + maxResults).map((e) => ({ ...e, timestamp: e.timestamp / 1000 }));
    const next = offset + maxResults < events.length ? { nextToken: encodeToken(offset + maxResults) } : {};
    return { events: page, ...next };
  }

  /**
   * RedriveExecution as the API reference describes it
   * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html): only a Standard execution
   * that closed FAILED, ABORTED or TIMED_OUT within the last 14 days; it "continues the failed execution from the
   * unsuccessful step and uses the same input", keeps the history of the steps that succeeded and never re-runs them.
   * Anything else is ExecutionNotRedrivable, with the reason DescribeExecution gives as redriveStatusReason.
   */
  private redriveExecution(params: JsonObject): JsonObject {
    const arn = requiredString(params, 'executionArn');
    if (isExpressExecutionArn(arn)) {
      // "This API action is not supported by EXPRESS state machines" (API_RedriveExecution).
      throw new SfnApiError('ExecutionNotRedrivable', `Execution of an EXPRESS state machine cannot be redriven: '${arn}'`);
    }
    const record = this.record(arn);
    const redrive = this.redriveStatus(record);
    if (redrive.status !== 'REDRIVABLE') {
      throw new SfnApiError('ExecutionNotRedrivable', `${redrive.reason}: '${record.executionArn}'`);
    }
    const { input, resume } = resumePoint(record);
    const redriveDate = new Date(this.now()).toISOString();
    record.redriveCount += 1;
    record.redriveDate = redriveDate;
    record.runs.push({ startDate: redriveDate, status: 'RUNNING', alerts: [] });
    this.store.save(record);
    this.emitStatusChange(record);
    this.launch(record, input, resume);
    return { redriveDate: epochSeconds(redriveDate) };
  }

  /**
   * StopExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html): a RUNNING
   * execution closes ABORTED now, with the error and cause given (each omitted when not given); no further state
   * starts (Task code in flight finishes, as an invoked Lambda does). Its ABORTED status change is sent once the run
   * has settled, so the history it points to holds the states that ran; that event raises the alert. An execution
   * already closed is left as it is and its stopDate returned. "Not supported by EXPRESS state machines".
   */
  private stopExecution(params: JsonObject): JsonObject {
    const record = this.record(requiredString(params, 'executionArn'));
    const error = optionalString(params, 'error');
    const cause = optionalString(params, 'cause');
    if (error !== undefined && error.length > MAX_STOP_ERROR) throw new SfnApiError('ValidationException', `Value at 'error' failed to satisfy constraint: Member must have length less than or equal to ${MAX_STOP_ERROR}`);
    if (cause !== undefined && cause.length > MAX_STOP_CAUSE) throw new SfnApiError('ValidationException', `Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to ${MAX_STOP_CAUSE}`);
    if (this.machines.get(record.stateMachineArn)?.type === 'EXPRESS') {
      throw new SfnApiError('ValidationException', 'StopExecution is not supported by EXPRESS state machines');
    }
    const run = currentRun(record);
    if (run.status !== 'RUNNING') return { stopDate: epochSeconds(run.stopDate ?? record.startDate) };
    run.status = 'ABORTED';
    run.stopDate = new Date(this.now()).toISOString();
    if (error !== undefined) run.error = error;
    if (cause !== undefined) run.cause = cause;
    this.store.save(record);
    const stop = this.stops.get(record.executionArn);
    if (stop) stop.abort();
    else this.announceClosed(record); // not started yet (waiting for a slot): no run to wait for
    return { stopDate: epochSeconds(run.stopDate) };
  }

  private listStateMachines(): JsonObject {
    return {
      stateMachines: [...this.machines.values()].map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type ?? 'STANDARD',
        creationDate: epochSeconds(m.createdAt),
      })),
    };
  }

  private describeStateMachine(params: JsonObject): JsonObject {
    const m = this.machine(requiredString(params, 'stateMachineArn'));
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.arn.replace(/:states:([^:]*):([^:]*):stateMachine:.*$/, ':iam::$2:role/local-state-machine'),
      type: m.type ?? 'STANDARD',
      creationDate: epochSeconds(m.createdAt),
    };
  }

  private machine(arn: string) {
    assertStateMachineArn(arn);
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private record(arn: string): ExecutionRecord {
    assertExecutionArn(arn);
    const record = this.store.get(arn);
    if (!record) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  /** Whether RedriveExecution would take `record` now, and if not why, in AWS's redriveStatusReason words. */
  private redriveStatus(record: ExecutionRecord): { status: 'REDRIVABLE' | 'NOT_REDRIVABLE'; reason?: string } {
    // "This API action is not supported by EXPRESS state machines" (API_RedriveExecution).
    if (this.machines.get(record.stateMachineArn)?.type === 'EXPRESS') {
      return { status: 'NOT_REDRIVABLE', reason: 'Execution of an EXPRESS state machine cannot be redriven' };
    }
    const run = currentRun(record);
    if (!CLOSED_UNSUCCESSFULLY.has(run.status)) return { status: 'NOT_REDRIVABLE', reason: `Execution is ${run.status} and cannot be redriven` };
    if (run.stopDate && this.now() - Date.parse(run.stopDate) > REDRIVE_WINDOW_MS) {
      return { status: 'NOT_REDRIVABLE', reason: 'Execution redrivable period exceeded' };
    }
    return { status: 'REDRIVABLE' };
  }

  private emitStatusChange(record: ExecutionRecord): void {
    if (this.statusListeners.length === 0) return;
    const event = statusChangeEvent(this.statusDetail(record), new Date(this.now()));
    for (const listener of this.statusListeners) {
      try {
        listener(event);
      } catch {
        // One target's failure is its own; the others still get the event.
      }
    }
  }

  private statusDetail(record: ExecutionRecord): ExecutionStatusChangeDetail {
    const run = currentRun(record);
    const redrive = this.redriveStatus(record);
    const ms = (iso: string | undefined): number | null => (iso === undefined ? null : Date.parse(iso));
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: run.status,
      startDate: Date.parse(record.startDate),
      stopDate: ms(run.stopDate),
      input: record.input,
      inputDetails: { included: true },
      output: run.output ?? null,
      outputDetails: run.output !== undefined ? { included: true } : null,
      error: run.error ?? null,
      cause: run.cause ?? (run.error !== undefined ? '' : null),
      redriveCount: record.redriveCount,
      redriveDate: ms(record.redriveDate),
      redriveStatus: redrive.status,
      redriveStatusReason: redrive.reason ?? null,
    };
  }

  /** Runs the current run of `record` in the background, within the concurrency limit. */
  private launch(record: ExecutionRecord, input: unknown, resume?: RunResume): void {
    const machine = this.machines.get(record.stateMachineArn)!;
    const run = currentRun(record);
    const stop = new AbortController();
    const task = (async () => {
      await this.slot();
      if (run.status !== 'RUNNING') {
        this.release(); // stopped while it waited for a slot: StopExecution announced it
        return;
      }
      this.stops.set(record.executionArn, stop);
      try {
        const result = await machine.run(input, { name: record.name, arn: record.executionArn }, resume, stop.signal).catch(
          (err: unknown): LocalRunResult => ({
            // The runner itself failed (e.g. a Task without a binding): like States.Runtime in AWS.
            status: 'FAILED',
            error: err instanceof Error ? err.name : 'States.Runtime',
            cause: err instanceof Error ? err.message : String(err),
            timeline: { executionName: record.name, status: 'FAILED', startedAt: run.startDate, durationMs: 0, steps: [] },
          }),
        );
        if (stop.signal.aborted) {
          // StopExecution closed it ABORTED: keep that, record the states that ran before the stop.
          run.timeline = result.timeline;
          run.alerts = result.alerts ?? [];
        } else {
          finishRun(run, result, new Date(this.now()));
        }
        this.store.save(record);
      } finally {
        this.stops.delete(record.executionArn);
        this.release();
      }
      this.announceClosed(record);
    })();
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /**
   * An EXPRESS execution: never deduplicated by name (each start is a new execution with its own ARN), kept only in
   * the log, and ended TIMED_OUT at the five-minute limit. Asynchronous Express is at-least-once: the same event may
   * run twice, which is why the fast path's work is idempotent.
   */
  private startExpressExecution(machine: LocalStateMachine, name: string, input: string, parsed: unknown): JsonObject {
    const startDate = new Date(this.now()).toISOString();
    const execution: ExpressExecution = {
      executionArn: expressExecutionArnFor(machine.arn, name, randomUUID()),
      stateMachineArn: machine.arn,
      name,
      input,
      startDate,
      status: 'RUNNING',
    };
    this.runExpressExecution(machine, execution, parsed);
    return { executionArn: execution.executionArn, startDate: epochSeconds(startDate) };
  }

  private runExpressExecution(machine: LocalStateMachine, execution: ExpressExecution, parsed: unknown): void {
    const { name, startDate } = execution;
    this.expressLog.started(execution);
    let closed: ExpressExecution = execution;
    const task = (async () => {
      await this.slot();
      try {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<LocalRunResult>((resolve) => {
          timer = setTimeout(
            () => resolve({ status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The Express execution ran longer than five minutes', timeline: { executionName: name, status: 'TIMED_OUT', startedAt: startDate, durationMs: this.expressTimeLimitMs, steps: [] } }),
            this.expressTimeLimitMs,
          );
          timer.unref();
        });
        const run = machine.run(parsed, { name, arn: execution.executionArn }).catch(
          (err: unknown): LocalRunResult => ({
            status: 'FAILED',
            error: err instanceof Error ? err.name : 'States.Runtime',
            cause: err instanceof Error ? err.message : String(err),
            timeline: { executionName: name, status: 'FAILED', startedAt: startDate, durationMs: 0, steps: [] },
          }),
        );
        const result = await Promise.race([run, limit]);
        clearTimeout(timer);
        closed = {
          ...execution,
          status: result.status,
          stopDate: new Date(this.now()).toISOString(),
          timeline: result.timeline,
          ...(result.output !== undefined ? { output: JSON.stringify(result.output) } : {}),
          ...(result.error !== undefined ? { error: result.error, cause: result.cause ?? '' } : {}),
        };
        this.expressLog.closed(closed);
      } finally {
        this.release();
      }
      for (const cb of this.expressClosedListeners) cb(closed);
    })();
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private announceClosed(record: ExecutionRecord): void {
    this.emitStatusChange(record);
    for (const cb of this.closedListeners) cb(record);
  }

  private async slot(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

function finishRun(run: RunRecord, result: LocalRunResult, stopDate: Date): void {
  run.status = result.status;
  run.stopDate = stopDate.toISOString();
  run.timeline = result.timeline;
  run.alerts = result.alerts ?? [];
  if (result.output !== undefined) run.output = JSON.stringify(result.output);
  if (result.error !== undefined) {
    run.error = result.error;
    run.cause = result.cause ?? '';
  }
}

function listItem(record: ExecutionRecord): JsonObject {
  const run = currentRun(record);
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: run.status,
    startDate: epochSeconds(record.startDate),
    ...(run.stopDate ? { stopDate: epochSeconds(run.stopDate) } : {}),
    redriveCount: record.redriveCount,
    ...(record.redriveDate ? { redriveDate: epochSeconds(record.redriveDate) } : {}),
  };
}

/**
 * Where a redrive of `record` resumes: the top-level state its last run ended in (failed, or still running when it was
 * aborted or timed out), fed the input that state was entered with. A run that left no states (it never started, or the
 * sandbox stopped under it) resumes at the definition's StartAt with the execution input.
 */
function resumePoint(record: ExecutionRecord): { input: unknown; resume?: RunResume } {
  const steps = currentRun(record).timeline?.steps ?? [];
  const last = steps[steps.length - 1];
  if (last && (last.status === 'failed' || last.status === 'running') && last.input !== undefined) {
    return { input: last.input, resume: { startAt: last.state } };
  }
  return { input: JSON.parse(record.input) };
}

function parseInput(input: string): unknown {
  if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) {
    throw new SfnApiError('InvalidExecutionInput', `Execution input is larger than ${MAX_INPUT_BYTES} bytes`);
  }
  try {
    return JSON.parse(input);
  } catch {
    throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'The provided JSON input is not valid JSON'`);
  }
}

/** State name → Resource of every Task state (nested Map/Parallel states included). */
function taskResources(definitionText: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (def: unknown): void => {
    const states = (def as { States?: Record<string, Record<string, unknown>> } | undefined)?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (state['Type'] === 'Task' && typeof state['Resource'] === 'string') out.set(name, state['Resource']);
      walk(state['ItemProcessor'] ?? state['Iterator']);
      for (const branch of (state['Branches'] as unknown[] | undefined) ?? []) walk(branch);
    }
  };
  try {
    walk(JSON.parse(definitionText));
  } catch {
    // A definition that is not JSON has no Task resources to report.
  }
  return out;
}

