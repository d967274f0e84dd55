/**
 * Acknowledged object events between the S3 server's child process and its parent: the child numbers each event it
 * sends (`ackId`), the parent answers `{ ack, error? }` once its listeners took the event (the sandbox: once the
 * intake queue holds it on disk), and the child answers a write request only when every event sent so far was
 * acknowledged. So a PutObject answered 200 means its event is durably queued: a crash loses no acknowledged event.
 */
export interface EventAck {
  ack: number;
  /** Why the parent could not take the event: the request then fails (500) and the client retries it. */
  error?: string;
}

export function isEventAck(value: unknown): value is EventAck {
  return typeof value === 'object' && value !== null && typeof (value as { ack?: unknown }).ack === 'number';
}

export class PendingAcks {
  private next = 0;
  private readonly pending = new Map<number, { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void }>();

  /** A new event id; its acknowledgement is awaited by the next outstanding(). */
  track(): number {
    const id = ++this.next;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // awaited by outstanding(); never an unhandled rejection
    this.pending.set(id, { promise, resolve, reject });
    return id;
  }

  settle(ack: EventAck): void {
    const entry = this.pending.get(ack.ack);
    if (!entry) return;
    this.pending.delete(ack.ack);
    if (ack.error === undefined) entry.resolve();
    else entry.reject(new Error(`the object event was not queued: ${ack.error}`));
  }

  /** Resolves when every event sent until now is acknowledged; rejects if one was refused. */
  async outstanding(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.promise));
  }

  /** The parent is gone: nothing will be acknowledged any more. */
  failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle({ ack: id, error: reason });
  }
}
