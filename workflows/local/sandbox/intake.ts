import { randomUUID } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSRecord } from 'aws-lambda';
import { InFlightGate, sfnRunningExecutionCounter, type InFlightGateOptions } from '../../backup/in-flight-gate';
import type { StartLogger } from '../../backup/start-executions';
import { startExecutionsHandler } from '../../handlers/start-executions';
import type { S3ObjectEvent } from '../s3-server';
import type { IntakeJournal } from './intake-journal';
import { sqsBatch, sqsRecord } from './object-events';

export interface LocalIntakeOptions {
  /** A client of the local Step Functions endpoint (the one start-executions calls StartExecution on). */
  sfn: SFNClient;
  stateMachineArn: string;
  /** The machine whose RUNNING executions `inFlight` counts (Default: stateMachineArn; an Express machine cannot be listed). */
  countedStateMachineArn?: string;
  skipReason?: (key: string) => string | undefined;
  logger: StartLogger;
  /** Messages per batch, as the SQS event source's BatchSize (Default: 10). */
  batchSize?: number;
  /** How long a batch may fill, as MaximumBatchingWindowInSeconds (Default: 50 ms). */
  batchWindowMs?: number;
  /** Delay before a failed message is delivered again, as the queue's visibility timeout (Default: 1 s). */
  visibilityTimeoutMs?: number;
  /** Deliveries before a message goes to the dead-letter list, as the redrive policy (Default: 3). */
  maxReceiveCount?: number;
  /** Batches delivered at once, as the event source's maximum concurrency (Default: no limit). */
  maxConcurrency?: number;
  /**
   * The bound on executions in flight, as deployed (workflows/backup/in-flight-gate.ts): start-executions counts the
   * RUNNING executions on the local endpoint, each of `maxConcurrency` starters takes its share of the free slots, and
   * a message still waiting after `budgetMs` (an invocation's time) is sent back to the queue after `requeueDelayMs`.
   * Needs `maxConcurrency`. (Default: unbounded)
   */
  inFlight?: { maxInFlight: number; budgetMs: number; requeueDelayMs: number; gate?: InFlightGateOptions };
  /**
   * Keep the queue on disk (Default: memory only): push() then resolves once the message is durably queued, and the
   * messages and dead letters an earlier process left are queued again / listed at construction. The caller closes it.
   */
  journal?: IntakeJournal;
}

export interface DeadLetter {
  record: SQSRecord;
  deadAt: string;
}

/**
 * The local intake queue between the S3 server and start-executions: object events become SQS messages, delivered in
 * batches to the start-executions handler (the Lambda's own factory); messages it reports failed come back after the visibility timeout and
 * end in a dead-letter list after maxReceiveCount deliveries — as with the deployed S3→SQS→Lambda intake.
 */
export class LocalIntake {
  private queue: { record: SQSRecord; receiveCount: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  readonly deadLetters: DeadLetter[] = [];
  private readonly deadLetterListeners: ((letter: DeadLetter) => void)[] = [];
  private closed = false;
  private paused = false;

  private readonly startExecutions: ReturnType<typeof startExecutionsHandler>;
  /** Batches being delivered now, and those waiting for a free starter. */
  private delivering = 0;
  private readonly waitingBatches: { record: SQSRecord; receiveCount: number }[][] = [];
  /** Messages sent back by start-executions (capacity), as SendMessage with DelaySeconds would. */
  requeued = 0;

  constructor(private readonly options: LocalIntakeOptions) {
    const { sfn, stateMachineArn, logger, inFlight, maxConcurrency } = options;
    if (inFlight && maxConcurrency === undefined) throw new Error('LocalIntake: inFlight needs maxConcurrency (the starters that share the bound)');
    // One gate per starter instance on AWS; locally the starters are one process, so they share one (the stricter case:
    // every start it grants is remembered, whichever starter asked).
    const gate = inFlight && new InFlightGate(sfnRunningExecutionCounter(sfn, options.countedStateMachineArn ?? stateMachineArn), { maxInFlight: inFlight.maxInFlight, starters: maxConcurrency! }, inFlight.gate);
    this.startExecutions = startExecutionsHandler({
      sfn,
      logger,
      config: { stateMachineArn, skipReason: options.skipReason ?? (() => undefined) },
      ...(gate ? { inFlight: { gate, budgetMs: inFlight.budgetMs, requeue: async (record) => this.requeue(record, inFlight.requeueDelayMs) } } : {}),
    });
    const recovered = options.journal?.recovered;
    if (recovered) {
      this.deadLetters.push(...recovered.dead);
      for (const m of recovered.pending) this.enqueue(m.record, m.failedDeliveries + 1);
    }
  }

  /** Messages an earlier process left queued, queued again at construction (0 without a journal). */
  get resumed(): number {
    return this.options.journal?.recovered.pending.length ?? 0;
  }

  /**
   * A new message with the same body, visible after `delayMs`; on disk (like SendMessage's answer) before the message it
   * replaces is deleted, so a crash in the delay delivers it after the restart.
   */
  private async requeue(record: SQSRecord, delayMs: number): Promise<void> {
    if (this.closed) throw new Error('the local intake is closed');
    this.requeued++;
    const fresh = { ...record, messageId: randomUUID(), receiptHandle: randomUUID() };
    await this.options.journal?.enqueue(fresh);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.closed) this.enqueue(fresh, 1);
    }, delayMs);
    this.retryTimers.add(timer);
  }

  /**
   * Enqueues one object event; resolves once it is durably queued (at once without a journal), which is when its
   * source may acknowledge it. Rejects when it could not be queued (closed, or the journal write failed); a caller
   * that does not wait for it gets no unhandled rejection.
   */
  push(event: S3ObjectEvent): Promise<void> {
    let durable: Promise<void>;
    if (this.closed) durable = Promise.reject(new Error('the intake queue is closed'));
    else {
      const record = sqsRecord(event);
      durable = this.options.journal?.enqueue(record) ?? Promise.resolve();
      this.enqueue(record, 1);
    }
    durable.catch(() => undefined);
    return durable;
  }

  onDeadLetter(cb: (letter: DeadLetter) => void): void {
    this.deadLetterListeners.push(cb);
  }

  /** Resolves once every queued message was delivered (or is held by `pause()`) and no redelivery is pending. */
  async idle(): Promise<void> {
    while ((this.queue.length > 0 && !this.paused) || this.waitingBatches.length > 0 || this.inFlight.size > 0 || this.retryTimers.size > 0) {
      if (this.queue.length > 0) this.flush();
      if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else await new Promise((r) => setTimeout(r, 10)); // a redelivery is pending: let its timer fire
    }
  }

  /** Holds queued messages undelivered until `resume()` (an event source mapping disabled by hand). */
  pause(): void {
    this.paused = true;
  }

  /** Messages queued and not yet delivered (held ones included). */
  get queued(): number {
    return this.queue.length;
  }

  resume(): void {
    this.paused = false;
    if (this.queue.length > 0) this.flush();
  }

  /**
   * Drops every message not yet delivered, as SQS PurgeQueue does, and returns how many: their objects are written but
   * no execution will ever start for them (what `s3gcs reconcile` repairs).
   */
  purge(): number {
    const dropped = this.queue.length;
    // Gone for good, from the journal too: a purged message does not come back at the next start.
    for (const m of this.queue) this.options.journal?.done(m.record.messageId);
    this.queue = [];
    return dropped;
  }

  /** Stops accepting events and drops pending redeliveries (a journal keeps them for the next start); in-flight batches finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.waitingBatches.length = 0;
    await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(record: SQSRecord, receiveCount: number): void {
    const stamped = { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) } };
    this.queue.push({ record: stamped, receiveCount });
    if (this.queue.length >= (this.options.batchSize ?? 10)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchWindowMs ?? 50);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.paused) return;
    while (this.queue.length > 0) this.waitingBatches.push(this.queue.splice(0, this.options.batchSize ?? 10));
    this.startWaitingBatches();
  }

  /** Hands waiting batches to free starters, within maxConcurrency. */
  private startWaitingBatches(): void {
    while (this.waitingBatches.length > 0 && this.delivering < (this.options.maxConcurrency ?? Infinity)) {
      const batch = this.waitingBatches.shift()!;
      this.delivering++;
      const delivery = this.deliver(batch).finally(() => {
        this.delivering--;
        this.startWaitingBatches();
      });
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  private async deliver(batch: { record: SQSRecord; receiveCount: number }[]): Promise<void> {
    const { logger } = this.options;
    let failedIds: Set<string>;
    try {
      const response = await this.startExecutions(sqsBatch(batch.map((b) => b.record)));
      failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (err) {
      // The whole invocation failed: SQS delivers the whole batch again.
      logger.error('start-executions invocation failed; the batch will be delivered again', { error: (err as Error).message });
      failedIds = new Set(batch.map((b) => b.record.messageId));
    }
    const journal = this.options.journal;
    for (const item of batch) {
      if (!failedIds.has(item.record.messageId)) {
        journal?.done(item.record.messageId);
        continue;
      }
      if (item.receiveCount >= (this.options.maxReceiveCount ?? 3)) {
        const letter = { record: item.record, deadAt: new Date().toISOString() };
        journal?.deadLetter(item.record.messageId, letter.deadAt);
        this.deadLetters.push(letter);
        for (const cb of this.deadLetterListeners) cb(letter);
        continue;
      }
      journal?.failed(item.record.messageId, item.receiveCount);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (!this.closed) this.enqueue(item.record, item.receiveCount + 1);
      }, this.options.visibilityTimeoutMs ?? 1_000);
      this.retryTimers.add(timer);
    }
  }
}
