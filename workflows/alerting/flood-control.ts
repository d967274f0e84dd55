/**
 * Flood control for failure alerts: at most `maxAlerts` per fixed window per state machine, then one summary.
 *
 * The count is read from Step Functions itself (ListExecutions, statusFilter FAILED) rather than kept by the alert
 * function: Lambda instances share no memory, and Step Functions already holds every execution's stop date, so any
 * instance — and a retry of the same event — reaches the same decision without a table or a counter to keep
 * consistent. Windows are fixed (aligned to the epoch), and an execution's rank in its window (by stop date, then ARN)
 * decides: rank <= maxAlerts → its own alert; rank maxAlerts+1 → the summary; later → no message (the summary and the
 * CloudWatch alarm on failed executions cover it). ListExecutions is eventually consistent, so a burst can rank two
 * executions alike: at worst one extra message, never a lost one below the limit.
 */
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';

export interface FloodSettings {
  /** Alerts sent one by one per window (Default in the stage config: 20). */
  maxAlerts: number;
  /** (Default in the stage config: 300) */
  windowSeconds: number;
  /** Executions older than this when they stopped are not listed (bounds the paging). (Default: 2 days) */
  maxExecutionSeconds?: number;
}

export type FloodDecision =
  | { kind: 'alert' }
  | { kind: 'summary'; count: number; windowStart: Date; mostCommonError: string; mostCommonCount: number }
  | { kind: 'suppressed'; rank: number; windowStart: Date };

export async function floodDecision(sfn: SFNClient, stateMachineArn: string, executionArn: string, stopDate: Date, settings: FloodSettings): Promise<FloodDecision> {
  const windowMs = settings.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(stopDate.getTime() / windowMs) * windowMs);
  const oldestStart = windowStart.getTime() - (settings.maxExecutionSeconds ?? 2 * 86_400) * 1000;
  const inWindow: { arn: string; stop: number }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED', maxResults: 1000, nextToken }));
    nextToken = page.nextToken;
    for (const e of page.executions ?? []) {
      // Newest start first: once starts are older than any execution could run, nothing later stopped in the window.
      if (e.startDate && e.startDate.getTime() < oldestStart) nextToken = undefined;
      const stop = e.stopDate?.getTime();
      if (e.executionArn && stop !== undefined && stop >= windowStart.getTime() && stop <= stopDate.getTime()) inWindow.push({ arn: e.executionArn, stop });
    }
  } while (nextToken);
  if (!inWindow.some((e) => e.arn === executionArn)) inWindow.push({ arn: executionArn, stop: stopDate.getTime() });
  inWindow.sort((a, b) => a.stop - b.stop || a.arn.localeCompare(b.arn));
  const rank = inWindow.findIndex((e) => e.arn === executionArn) + 1;
  if (rank <= settings.maxAlerts) return { kind: 'alert' };
  if (rank > settings.maxAlerts + 1) return { kind: 'suppressed', rank, windowStart };
  const errors = new Map<string, number>();
  for (const e of inWindow.slice(0, rank)) {
    const { error } = await sfn.send(new DescribeExecutionCommand({ executionArn: e.arn }));
    errors.set(error || '(none)', (errors.get(error || '(none)') ?? 0) + 1);
  }
  const [mostCommonError, mostCommonCount] = [...errors].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
  return { kind: 'summary', count: rank, windowStart, mostCommonError, mostCommonCount };
}

export function floodSummary(decision: Extract<FloodDecision, { kind: 'summary' }>, settings: FloodSettings, stateMachineArn: string): { subject: string; message: string } {
  return {
    subject: 'S3 to GCS backup: many failures',
    message: [
      `${decision.count} backup executions failed since ${decision.windowStart.toISOString()} (more than ${settings.maxAlerts} in ${settings.windowSeconds} s).`,
      `Further failures in this window are not alerted one by one; the CloudWatch alarm on failed executions stays on.`,
      '',
      `Most common error: ${decision.mostCommonError} (${decision.mostCommonCount} of ${decision.count})`,
      `State machine: ${stateMachineArn}`,
      '',
      'List them (then redrive or replay after fixing the cause):',
      `s3gcs executions --status FAILED --since ${decision.windowStart.toISOString()}`,
    ].join('\n'),
  };
}
