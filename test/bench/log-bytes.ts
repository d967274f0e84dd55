/**
 * Bytes an execution ships to CloudWatch Logs at level ALL with execution data: its history events (modelled on
 * GetExecutionHistory by the local endpoint) in the shape Step Functions logs them — each a JSON line with the
 * execution ARN, event ids and timestamp (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
 */
import type { Json } from '../../workflows/local/asl-definition';
import { historyEvents, type ResourceOf } from '../../workflows/local/sfn-api/history-events';
import type { LocalExecutionResult } from '../../workflows/local/runner';

export function cloudWatchLogBytes(run: LocalExecutionResult, stateMachineArn: string, input: unknown, resourceOf: ResourceOf): number {
  const startDate = run.timeline.startedAt;
  const stopDate = new Date(Date.parse(startDate) + run.timeline.durationMs).toISOString();
  const events = historyEvents(
    {
      executionArn: run.executionArn,
      stateMachineArn,
      name: run.executionName,
      input: JSON.stringify(input ?? null),
      startDate,
      redriveCount: 0,
      runs: [
        {
          startDate,
          stopDate,
          status: run.status,
          timeline: run.timeline,
          alerts: [],
          ...(run.output !== undefined ? { output: JSON.stringify(run.output as Json) } : {}),
          ...(run.error !== undefined ? { error: run.error, cause: run.cause ?? '' } : {}),
        },
      ],
    },
    resourceOf,
  );
  let bytes = 0;
  for (const { id, previousEventId, timestamp, type, ...details } of events) {
    const line = { id: String(id), type, details: Object.values(details)[0] ?? {}, previous_event_id: String(previousEventId), event_timestamp: String(timestamp), execution_arn: run.executionArn, redrive_count: '0' };
    bytes += Buffer.byteLength(JSON.stringify(line));
  }
  return bytes;
}
