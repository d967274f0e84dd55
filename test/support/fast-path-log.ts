import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { executionName } from '../../workflows/backup/execution-name';
import { normalizeExecutionInput } from '../../workflows/backup/normalize';
import type { CloudWatchExecutionRecord } from '../../workflows/cli/express-log-records';
import { STATE_MACHINE_ARN } from './deployed-stage';

/**
 * A deployed stage's fast path log group as the CLI tests see it: the records Step Functions writes for an Express
 * execution at level ALL with execution data (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
 */
export const FAST_PATH_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backup-fast-path';
export const FAST_PATH_LOG_GROUP = '/aws/vendedlogs/states/backup-fast-path-0a1b2c3d';

/** Epoch ms `s` seconds after 2026-12-04T10:00:00Z. */
export const at = (s: number): number => Date.UTC(2026, 11, 4, 10, 0, 0) + s * 1000;

export function fastPathExecutionArn(name: string): string {
  return `${FAST_PATH_ARN.replace(':stateMachine:', ':express:')}:${name}:0f1e2d3c-aaaa-bbbb-cccc-000000000001`;
}

/** The S3 notification record of a PUT of s3://acme/<key> and the execution name the intake gives it. */
export function eventOf(key: string, size: number, sequencer: string): { input: Record<string, unknown>; name: string } {
  const input = { eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2026-12-04T10:00:00.000Z', s3: { bucket: { name: 'acme' }, object: { key, size, sequencer } } };
  return { input, name: executionName(normalizeExecutionInput(input)) };
}

type Step = [type: string, seconds: number, details?: Record<string, unknown>];

/** One execution's records, with consecutive ids. */
export function records(executionArn: string, steps: Step[]): CloudWatchExecutionRecord[] {
  return steps.map(([type, s, details], i) => ({
    id: String(i + 1),
    type,
    ...(details ? { details } : {}),
    previous_event_id: String(i),
    event_timestamp: String(at(s)),
    execution_arn: executionArn,
    redrive_count: '0',
  }));
}

const LAMBDA = { resourceType: 'lambda', resource: 'invoke' };

/** s3://acme/photos/hello.txt copied on the fast path, the small copier retried once. */
export function fastPathCopy(startSeconds = 0): { name: string; executionArn: string; records: CloudWatchExecutionRecord[] } {
  const { input, name } = eventOf('photos/hello.txt', 5, '0055AED6DCD90281E5');
  const executionArn = fastPathExecutionArn(name);
  const s = startSeconds;
  const output = JSON.stringify({ outcome: 'copied', tier: 'small', bytes: 5 });
  return {
    name,
    executionArn,
    records: records(executionArn, [
      ['ExecutionStarted', s, { input: JSON.stringify(input), inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::123456789012:role/fast' }],
      ['TaskStateEntered', s, { name: 'Copy the object with the small Lambda', input: '{}' }],
      ['TaskScheduled', s, { ...LAMBDA, region: 'eu-west-1', parameters: '{}' }],
      ['TaskFailed', s + 1, { ...LAMBDA, error: 'TransientError', cause: 'connection reset' }],
      ['TaskScheduled', s + 2, { ...LAMBDA, region: 'eu-west-1', parameters: '{}' }],
      ['TaskSucceeded', s + 3, { ...LAMBDA, output }],
      ['TaskStateExited', s + 3, { name: 'Copy the object with the small Lambda', output }],
      ['ExecutionSucceeded', s + 3, { output, outputDetails: { truncated: false } }],
    ]),
  };
}

/** s3://acme/video/big.bin handed off to the Standard machine (larger than the small tier), with that execution's ARN. */
export function handOff(startSeconds = 10): { name: string; executionArn: string; standardArn: string; input: string; records: CloudWatchExecutionRecord[] } {
  const { input, name } = eventOf('video/big.bin', 5 * 1024 ** 3, '0055AED6DCD90281F0');
  const executionArn = fastPathExecutionArn(name);
  const standardArn = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
  const s = startSeconds;
  const output = JSON.stringify({ outcome: 'handed-off', reason: 'larger than the small tier', executionArn: standardArn });
  return {
    name,
    executionArn,
    standardArn,
    input: JSON.stringify(input),
    records: records(executionArn, [
      ['ExecutionStarted', s, { input: JSON.stringify(input), inputDetails: { truncated: false } }],
      ['TaskStateEntered', s, { name: 'Hand the object off to the Standard machine', input: '{}' }],
      ['TaskScheduled', s, { resourceType: 'states', resource: 'startExecution', region: 'eu-west-1', parameters: '{}' }],
      ['TaskSucceeded', s + 1, { resourceType: 'states', resource: 'startExecution', output: JSON.stringify({ ExecutionArn: standardArn }) }],
      ['TaskStateExited', s + 1, { name: 'Hand the object off to the Standard machine', output }],
      ['ExecutionSucceeded', s + 1, { output }],
    ]),
  };
}

/** Records as FilterLogEvents returns them. */
export function logEvents(rs: CloudWatchExecutionRecord[]): FilteredLogEvent[] {
  return rs.map((r, i) => ({ eventId: String(i), logStreamName: 'states/backup-fast-path/2026-12-04-10-00/0a1b2c3d', timestamp: Number(r.event_timestamp), ingestionTime: Number(r.event_timestamp) + 500, message: JSON.stringify(r) }));
}

/**
 * An express-first stage for the CLI tests: its `cdk deploy --outputs-file` in a fresh directory (removed after each
 * test) and its log group holding a fast path copy and a hand-off (FilterLogEvents mocked).
 */
export function expressFirstStage() {
  const logs = mockClient(CloudWatchLogsClient);
  const copy = fastPathCopy();
  const h = handOff();
  let dir = '';
  beforeEach(() => {
    logs.reset();
    logs.on(FilterLogEventsCommand).callsFake(filterLogEvents([...copy.records, ...h.records]));
    dir = mkdtempSync(join(tmpdir(), 's3gcs-express-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return {
    logs,
    copy,
    handOff: h,
    outputs: () => {
      const path = join(dir, 'outputs.json');
      writeFileSync(path, JSON.stringify({ 'S3GcsBackup-production': { StateMachineArn: STATE_MACHINE_ARN, FastPathStateMachineArn: FAST_PATH_ARN, FastPathLogGroupName: FAST_PATH_LOG_GROUP } }));
      return path;
    },
  };
}

/**
 * FilterLogEvents over these records, as far as the CLI's patterns go: the time window (both ends inclusive), the
 * record types a `$.type = "…"` pattern names, the `%regex%` fragments or the exact ARNs `$.execution_arn` ones name.
 */
export function filterLogEvents(all: CloudWatchExecutionRecord[]): (input: FilterLogEventsCommandInput) => { events: FilteredLogEvent[] } {
  return (input) => {
    const pattern = input.filterPattern ?? '';
    const fragments = [...pattern.matchAll(/%([^%]*)%/g)].map((m) => m[1]!);
    const arns = [...pattern.matchAll(/\$\.execution_arn = "([^"]+)"/g)].map((m) => m[1]!);
    const types = [...pattern.matchAll(/\$\.type = "([^"]+)"/g)].map((m) => m[1]!);
    const kept = all.filter((r) => {
      const t = Number(r.event_timestamp);
      if ((input.startTime !== undefined && t < input.startTime) || (input.endTime !== undefined && t > input.endTime)) return false;
      if (types.length > 0 && !types.includes(r.type)) return false;
      if (fragments.length > 0 && !fragments.some((f) => new RegExp(f).test(r.execution_arn))) return false;
      return arns.length === 0 || arns.includes(r.execution_arn);
    });
    return { events: logEvents(kept) };
  };
}
