import { appendFileSync } from 'node:fs';

/** One alert as the state machine published it (the SNS Publish parameters). */
export interface LocalAlert {
  topicArn: string;
  subject?: string;
  message: string;
  publishedAt: string;
}

/**
 * Where "Alert the operators" publishes in local runs: an in-memory list, and optionally a JSON-lines file that a
 * person (or the sandbox) can tail.
 */
export class LocalAlertSink {
  readonly alerts: LocalAlert[] = [];

  constructor(private readonly file?: string) {}

  publish(alert: Omit<LocalAlert, 'publishedAt'>): { MessageId: string } {
    const entry: LocalAlert = { ...alert, publishedAt: new Date().toISOString() };
    this.alerts.push(entry);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    return { MessageId: `local-alert-${this.alerts.length}` };
  }
}
