import type { S3ObjectEvent } from '../../workflows/local/s3-server';
import { sourceId } from './naming';
import type { Random } from './random';

/**
 * Delivers the S3 server's object events to the intake the way S3 and SQS may: every event twice (at-least-once),
 * the second copy later; for chosen keys, an older version's event only after the newer version's; and for other
 * chosen keys, every event held back until releaseLate() (after replays and a backfill), then delivered newest first.
 * Keys are source ids (naming.ts: bucket/key).
 */
export interface DeliveryStats {
  /** Events the S3 server reported. */
  events: number;
  /** Messages handed to the intake (each event twice). */
  deliveries: number;
  /** Older-version events delivered after a newer one of the same key. */
  reordered: number;
  /** Events held back and delivered late (releaseLate). */
  late: number;
}

export class EventDelivery {
  readonly stats: DeliveryStats = { events: 0, deliveries: 0, reordered: 0, late: 0 };
  private readonly held = new Map<string, S3ObjectEvent>();
  private readonly heldLate: S3ObjectEvent[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly push: (event: S3ObjectEvent) => void,
    private readonly rng: Random,
    /** Keys whose first created event is held back until the next one arrives. */
    private readonly reorderKeys: Set<string>,
    private readonly duplicateDelayMaxMs: number,
    /** Keys whose events all wait for releaseLate(). */
    private readonly lateKeys: Set<string> = new Set(),
  ) {}

  onEvent(event: S3ObjectEvent): void {
    this.stats.events++;
    const id = sourceId(event.bucket, event.key);
    if (this.lateKeys.has(id)) {
      this.heldLate.push(event);
      return;
    }
    if (event.type === 'created' && this.reorderKeys.has(id)) {
      const older = this.held.get(id);
      if (!older) {
        this.reorderKeys.delete(id); // hold only the first version
        this.held.set(id, event);
        return;
      }
    }
    this.deliverTwice(event);
    const older = this.held.get(id);
    if (older && event.type === 'created') {
      this.held.delete(id);
      this.stats.reordered++;
      this.deliverTwice(older);
    }
  }

  /** Delivers the late keys' events, newest first (an older event after the newer one's, and after any replay). */
  releaseLate(): void {
    this.lateKeys.clear();
    const events = this.heldLate.splice(0).reverse();
    this.stats.late += events.length;
    for (const event of events) this.deliverTwice(event);
  }

  /** Delivers whatever is still held (a newer version that never came) and waits for every pending delivery. */
  async settle(): Promise<void> {
    for (const [key, event] of this.held) {
      this.held.delete(key);
      this.deliverTwice(event);
    }
    if (this.timers.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.wakeIdle();
  }

  private deliverTwice(event: S3ObjectEvent): void {
    this.deliver(event);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(event);
      if (this.timers.size === 0) this.wakeIdle();
    }, this.rng.int(0, this.duplicateDelayMaxMs));
    this.timers.add(timer);
  }

  private deliver(event: S3ObjectEvent): void {
    this.stats.deliveries++;
    this.push(event);
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
