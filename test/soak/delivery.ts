import type { S3ObjectEvent } from '../../workflows/local/s3-server';
import type { Random } from './random';

/**
 * Delivers the S3 server's object events to the intake the way S3 and SQS may: every event twice (at-least-once),
 * the second copy later; and for chosen keys, an older version's event only after the newer version's.
 */
export interface DeliveryStats {
  /** Events the S3 server reported. */
  events: number;
  /** Messages handed to the intake (each event twice). */
  deliveries: number;
  /** Older-version events delivered after a newer one of the same key. */
  reordered: number;
}

export class EventDelivery {
  readonly stats: DeliveryStats = { events: 0, deliveries: 0, reordered: 0 };
  private readonly held = new Map<string, S3ObjectEvent>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly push: (event: S3ObjectEvent) => void,
    private readonly rng: Random,
    /** Keys whose first created event is held back until the next one arrives. */
    private readonly reorderKeys: Set<string>,
    private readonly duplicateDelayMaxMs: number,
  ) {}

  onEvent(event: S3ObjectEvent): void {
    this.stats.events++;
    if (event.type === 'created' && this.reorderKeys.has(event.key)) {
      const older = this.held.get(event.key);
      if (!older) {
        this.reorderKeys.delete(event.key); // hold only the first version
        this.held.set(event.key, event);
        return;
      }
    }
    this.deliverTwice(event);
    const older = this.held.get(event.key);
    if (older && event.type === 'created') {
      this.held.delete(event.key);
      this.stats.reordered++;
      this.deliverTwice(older);
    }
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
