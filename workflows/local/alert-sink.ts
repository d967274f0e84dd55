import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';

/** One alert as it was published (the SNS Publish parameters). */
export interface LocalAlert {
  topicArn: string;
  subject?: string;
  message: string;
  publishedAt: string;
}

/** The alerts of the execution whose code is running now (see collectAlerts). */
const executionAlerts = new AsyncLocalStorage<LocalAlert[]>();

/**
 * Runs `fn` (which starts one execution) so that every alert published by that execution — and only by it, however
 * many executions share a sink at once — is also appended to `into`.
 */
export function collectAlerts<T>(into: LocalAlert[], fn: () => T): T {
  return executionAlerts.run(into, fn);
}

/**
 * Where the alert of an execution that did not succeed is published in local runs: an in-memory list, and optionally
 * a JSON-lines file that a person (or the sandbox) can tail.
 */
export class LocalAlertSink {
  readonly alerts: LocalAlert[] = [];

  constructor(private readonly file?: string) {}

  publish(alert: Omit<LocalAlert, 'publishedAt'>): { MessageId: string } {
    const entry: LocalAlert = { ...alert, publishedAt: new Date().toISOString() };
    this.alerts.push(entry);
    executionAlerts.getStore()?.push(entry);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    return { MessageId: `local-alert-${this.alerts.length}` };
  }
}
