/**
 * The intake's bound on executions in flight: start-executions starts an execution only while fewer than the stage's
 * `maxExecutionsInFlight` executions of the backup state machine are RUNNING, so a burst waits in the intake queue
 * (where it costs nothing) instead of becoming thousands of executions retrying throttled copiers.
 *
 * Counting: one ListExecutions page (statusFilter RUNNING, maxResults = the bound) answers "are `max` running?".
 * Several starters (the SQS event source's maximum concurrency, `starters`) may count at the same moment, so each may
 * take only its share of the free slots, floor(free / starters): together they never start more than are free.
 * ListExecutions is eventually consistent ("may not reflect very recent updates",
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html), so executions this
 * starter started within the last `graceMs` are added to the count (counted twice once listed: the bound errs on the
 * side of waiting). It stays soft only for another starter's starts within that lag.
 */
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { isTransient } from './classify-error';
import { RecentGrants } from './heavy-slot';

export interface InFlightSettings {
  /** Most executions RUNNING at once (the stage's maxExecutionsInFlight, at most 1000: one ListExecutions page). */
  maxInFlight: number;
  /** Starters that may count at once (the event source's maximum concurrency). */
  starters: number;
}

/** Counts RUNNING executions, stopping once it has seen `atLeast`. */
export type RunningExecutionCounter = (atLeast: number) => Promise<number>;

/** The starter could not get a slot before its deadline: its message goes back to the queue for later. */
export class InFlightLimitReached extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InFlightLimitReached';
  }
}

/** How long a started execution may take to appear in ListExecutions (its lag, with a wide margin). */
export const LISTING_GRACE_MS = 10_000;
/** Pause between two counts while the bound is reached (full jitter from half to all of it). */
export const RECOUNT_MS = 10_000;

export interface InFlightGateOptions {
  graceMs?: number;
  recountMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * Hands out start permits, one at a time (callers are queued), within the bound. One gate per starter instance (its
 * memory of recent starts lives here); `admit` gives up with InFlightLimitReached at `deadline` (epoch ms).
 */
export class InFlightGate {
  private permits = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly recent: RecentGrants;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly count: RunningExecutionCounter,
    private readonly settings: InFlightSettings,
    private readonly options: InFlightGateOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.recent = new RecentGrants(options.graceMs ?? LISTING_GRACE_MS, this.now);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when one more execution may start now; rejects with InFlightLimitReached at `deadline`. */
  admit(deadline: number): Promise<void> {
    const turn = this.queue.then(() => this.admitOne(deadline));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async admitOne(deadline: number): Promise<void> {
    for (;;) {
      if (this.permits > 0) {
        this.permits--;
        this.recent.record();
        return;
      }
      const { maxInFlight, starters } = this.settings;
      let running: number | undefined;
      try {
        running = (await this.count(maxInFlight)) + this.recent.count();
        this.permits = Math.floor(Math.max(0, maxInFlight - running) / starters);
      } catch (err) {
        if (!isTransient(err)) throw err; // a deployment error (access denied…): the message fails, visibly
      }
      if (this.permits > 0) continue;
      const recountMs = this.options.recountMs ?? RECOUNT_MS;
      const pause = recountMs / 2 + (this.options.random ?? Math.random)() * (recountMs / 2);
      if (this.now() + pause > deadline) {
        throw new InFlightLimitReached(
          running === undefined
            ? 'could not count the running executions before the deadline'
            : `${running} executions are running or just started and the stage allows ${maxInFlight} (${starters} starters share the free slots)`,
        );
      }
      await this.sleep(pause);
    }
  }
}

/** Counts the state machine's RUNNING executions with one ListExecutions page of up to `atLeast` (at most 1000). */
export function sfnRunningExecutionCounter(sfn: SFNClient, stateMachineArn: string): RunningExecutionCounter {
  return async (atLeast) => {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: Math.min(1000, Math.max(1, atLeast)) }));
    return page.executions?.length ?? 0;
  };
}

/** How long a message sent back to the queue stays invisible: about when some of the running executions have ended. */
export const REQUEUE_DELAY_SECONDS = 60;

/**
 * Sends the message's body back to the intake queue, delayed; start-executions then acknowledges the original. A new
 * message starts with a receive count of 1, so waiting for capacity never pushes an event towards the dead-letter queue.
 */
export function sqsRequeue(sqs: SQSClient, queueUrl: string, delaySeconds: number = REQUEUE_DELAY_SECONDS): (record: SQSRecord) => Promise<void> {
  return async (record) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: record.body, DelaySeconds: delaySeconds }));
  };
}
