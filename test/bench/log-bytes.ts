/**
 * Bytes an execution ships to CloudWatch Logs at level ALL with execution data: its history events (modelled on
 * GetExecutionHistory by the local endpoint) in the shape Step Functions logs them — each a JSON line with the
 * execution ARN, event ids and timestamp (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html) — under
 * the production stage's names, which every line repeats: local ARNs are short and would understate the bytes.
 */
import type { Json } from '../../workflows/local/asl-definition';
import { LOCAL_ARNS } from '../../workflows/local/deployment';
import { historyEvents, type ResourceOf } from '../../workflows/local/sfn-api/history-events';
import type { LocalExecutionResult } from '../../workflows/local/runner';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/**
 * What CloudFormation names a function of the production stack (infra/stacks/backup-stack.ts sets no name):
 * `<stack>-<logical id>-<12 random characters>`, the logical ids as `npx cdk synth -c stage=production` gives them;
 * the state machine invokes its `live` alias (infra/constructs/backup-function.ts).
 */
const productionFunction = (logicalId: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:S3GcsBackup-production-${logicalId}-AbCdEf123456:live`;
const productionMachine = (name: string): string => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:s3-gcs-backup-production-${name}`;

/** Local ARN → the production stage's, longest first (a state machine's ARN is the prefix of its executions'). */
const PRODUCTION_NAMES: [string, string][] = [
  [LOCAL_ARNS.prepareFunction, productionFunction('PrepareFunction0E0008CA')],
  [LOCAL_ARNS.describeFunction, productionFunction('DescribeFunctionFDE14533')],
  [LOCAL_ARNS.smallCopyFunction, productionFunction('SmallCopierFunction9BFB009A')],
  [LOCAL_ARNS.largeCopyFunction, productionFunction('LargeCopierFunction09009D59')],
  [LOCAL_ARNS.heavySlotFunction, productionFunction('HeavySlotFunction84873427')],
  [LOCAL_ARNS.fastPathStateMachine, productionMachine('fast-path')],
  [LOCAL_ARNS.fastPathStateMachine.replace(':stateMachine:', ':express:'), productionMachine('fast-path').replace(':stateMachine:', ':express:')],
  [LOCAL_ARNS.stateMachine, productionMachine('object')],
  [LOCAL_ARNS.stateMachine.replace(':stateMachine:', ':execution:'), productionMachine('object').replace(':stateMachine:', ':execution:')],
  // TaskScheduled's region: the state machine's.
  ['"region":"local"', `"region":"${REGION}"`],
];

/**
 * CloudWatch Logs sizes a PutLogEvents batch as "the sum of all event messages in UTF-8, plus 26 bytes for each log
 * event" (PutLogEvents API reference). Whether ingestion is billed on that size is not documented, so the model takes
 * the larger reading: never price a log below what it may cost.
 */
export const LOG_EVENT_OVERHEAD_BYTES = 26;

/** `text` with every local ARN replaced by the production stage's. */
export function withProductionNames(text: string): string {
  return PRODUCTION_NAMES.reduce((out, [local, production]) => out.split(local).join(production), text);
}

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
    bytes += Buffer.byteLength(withProductionNames(JSON.stringify(line))) + LOG_EVENT_OVERHEAD_BYTES;
  }
  return bytes;
}
