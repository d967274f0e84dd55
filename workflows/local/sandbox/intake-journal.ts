import { closeSync, existsSync, fdatasync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { replaceFile } from '../durable-file';

/**
 * The local intake queue on disk: an append-only journal (`<dir>/intake.jsonl`) of what happened to each message —
 * `enqueue` (with the whole SQS record), `failed` (a delivery it reported failed: the receive count), `done` (started,
 * or a duplicate: deleted from the queue) and `dead` (moved to the dead-letter list).
 *
 * Why a journal and not a file per message: an event is acknowledged (the S3 PUT answered) only once its `enqueue`
 * line is on disk, and a burst of events shares one fdatasync (group commit) instead of paying a file create, an
 * fsync and a directory fsync each. Why fdatasync and not only write(): write() survives a killed process, the sync
 * also a power loss. `done`, `failed` and `dead` are written without waiting for a sync: losing one redelivers the
 * message, which start-executions makes harmless (the execution name is deterministic: ExecutionAlreadyExists).
 * A line cut short by a crash is the last one and is ignored. At open, and when finished lines outnumber live ones,
 * the journal is rewritten with only the live messages (temporary file, fsync, rename).
 */
export interface JournalMessage {
  record: SQSRecord;
  /** Deliveries so far that failed (the next delivery's ApproximateReceiveCount is this + 1). */
  failedDeliveries: number;
}

export interface JournalState {
  /** Still queued, in enqueue order. */
  pending: JournalMessage[];
  dead: { record: SQSRecord; deadAt: string }[];
}

type Line =
  | { op: 'enqueue'; record: SQSRecord }
  | { op: 'failed'; id: string; failedDeliveries: number }
  | { op: 'done'; id: string }
  | { op: 'dead'; id: string; deadAt: string };

const COMPACT_MIN_LINES = 2_000;

export class IntakeJournal {
  private fd: number;
  private readonly live = new Map<string, JournalMessage>();
  private readonly dead = new Map<string, { record: SQSRecord; deadAt: string }>();
  private lines = 0;
  private syncing: Promise<void> | undefined;
  private waiting: (() => void)[] = [];
  private waitingErrors: ((err: Error) => void)[] = [];
  /** What the journal held when it was opened (before this process added anything). */
  readonly recovered: JournalState;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.recovered = this.load();
    this.fd = this.rewrite();
  }

  static inDirectory(dir: string): IntakeJournal {
    return new IntakeJournal(join(dir, 'intake.jsonl'));
  }

  /** Appends the message; resolves once it is on disk (fdatasync), which is when its event may be acknowledged. */
  enqueue(record: SQSRecord): Promise<void> {
    try {
      this.append({ op: 'enqueue', record });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.live.set(record.messageId, { record, failedDeliveries: 0 });
    return this.durable();
  }

  failed(id: string, failedDeliveries: number): void {
    const message = this.live.get(id);
    if (!message) return;
    message.failedDeliveries = failedDeliveries;
    this.append({ op: 'failed', id, failedDeliveries });
  }

  done(id: string): void {
    if (!this.live.delete(id)) return;
    this.append({ op: 'done', id });
    this.compactIfWorthIt();
  }

  deadLetter(id: string, deadAt: string): void {
    const message = this.live.get(id);
    if (!message) return;
    this.live.delete(id);
    this.dead.set(id, { record: message.record, deadAt });
    this.append({ op: 'dead', id, deadAt });
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(line: Line): void {
    // One write() per line, to a file opened for appending: a killed process leaves whole lines and at most a cut last one.
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    this.lines++;
  }

  /** Group commit: every caller waits for a sync that STARTED after its write; one sync serves all who wait. */
  private durable(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push(resolve);
      this.waitingErrors.push(reject);
      if (!this.syncing) this.syncing = this.syncLoop();
    });
  }

  private async syncLoop(): Promise<void> {
    while (this.waiting.length > 0) {
      const resolves = this.waiting;
      const rejects = this.waitingErrors;
      this.waiting = [];
      this.waitingErrors = [];
      const fd = this.fd;
      const err = await new Promise<Error | null>((r) => fdatasync(fd, r));
      if (err) for (const reject of rejects) reject(err);
      else for (const resolve of resolves) resolve();
    }
    this.syncing = undefined;
  }

  private load(): JournalState {
    if (existsSync(this.path)) {
      const lines = readFileSync(this.path, 'utf8').split('\n');
      for (const text of lines) {
        if (!text) continue;
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue; // the last line, cut short by a crash: its event was never acknowledged
        }
        this.replay(line);
      }
    }
    return { pending: [...this.live.values()].map((m) => ({ ...m })), dead: [...this.dead.values()] };
  }

  private replay(line: Line): void {
    if (line.op === 'enqueue') this.live.set(line.record.messageId, { record: line.record, failedDeliveries: 0 });
    else if (line.op === 'failed') {
      const message = this.live.get(line.id);
      if (message) message.failedDeliveries = line.failedDeliveries;
    } else if (line.op === 'done') this.live.delete(line.id);
    else if (line.op === 'dead') {
      const message = this.live.get(line.id);
      this.live.delete(line.id);
      if (message) this.dead.set(line.id, { record: message.record, deadAt: line.deadAt });
    }
  }

  /** Writes the live and dead messages to a new journal and swaps it in; returns the new append descriptor. */
  private rewrite(): number {
    const lines: Line[] = [];
    for (const m of this.live.values()) {
      lines.push({ op: 'enqueue', record: m.record });
      if (m.failedDeliveries > 0) lines.push({ op: 'failed', id: m.record.messageId, failedDeliveries: m.failedDeliveries });
    }
    for (const [id, d] of this.dead) lines.push({ op: 'enqueue', record: d.record }, { op: 'dead', id, deadAt: d.deadAt });
    replaceFile(this.path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { durable: true });
    this.lines = lines.length;
    return openSync(this.path, 'a');
  }

  private compactIfWorthIt(): void {
    if (this.lines < COMPACT_MIN_LINES || this.lines < 4 * (this.live.size + 2 * this.dead.size)) return;
    const old = this.fd;
    this.fd = this.rewrite(); // fsynced: every line waiting for a sync is in it too
    // A sync in flight still uses the old descriptor: close it after that sync.
    if (this.syncing) void this.syncing.then(() => closeSync(old));
    else closeSync(old);
  }
}
