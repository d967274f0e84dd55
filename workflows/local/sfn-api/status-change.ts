import { randomUUID } from 'node:crypto';
import type { ExecutionStatus } from './execution-store';

/**
 * The EventBridge event Step Functions sends when an execution's status changes (source aws.states): RUNNING when it
 * starts or is redriven, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED. `detail` carries what DescribeExecution says,
 * dates as epoch milliseconds and null for what is not there yet. Shape as documented in
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html and
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html ("Step Functions Execution Status Change").
 */
export interface ExecutionStatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  /** ISO 8601 to the second, as EventBridge writes it. */
  time: string;
  region: string;
  /** The execution ARN. */
  resources: [string];
  detail: ExecutionStatusChangeDetail;
}

export interface ExecutionStatusChangeDetail {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate: number | null;
  input: string;
  inputDetails: { included: true };
  output: string | null;
  outputDetails: { included: true } | null;
  error: string | null;
  cause: string | null;
  redriveCount: number;
  redriveDate: number | null;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  redriveStatusReason: string | null;
}

export type StatusChangeListener = (event: ExecutionStatusChangeEvent) => void;

/** Wraps a detail in the EventBridge envelope; account and region come from the execution ARN, as AWS fills them. */
export function statusChangeEvent(detail: ExecutionStatusChangeDetail, at: Date): ExecutionStatusChangeEvent {
  const [, , , region = '', account = ''] = detail.executionArn.split(':');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [detail.executionArn],
    detail,
  };
}
