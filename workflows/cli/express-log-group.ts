import { CloudWatchLogsClient, FilterLogEventsCommand, type CloudWatchLogsClientConfig, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { eventExecutionNamePrefix } from '../backup/execution-name';
import { DEFAULT_EXPRESS_RETENTION_DAYS } from '../local/sfn-api/express-log';
import { CliError, fromServiceError } from './errors';
import { EXIT } from './exit-codes';
import { executionsFromRecords, parseExecutionRecord, type CloudWatchExecutionRecord, type LoggedExpressExecution } from './express-log-records';

/** What to read of the fast path's log: a window, narrowed to one object's or one execution's records. */
export interface ExpressLogQuery {
  /** Oldest start to read (Default: the log group's retention, 90 days). */
  since?: Date;
  /** Only the executions of this object (found by the execution name the intake derives from the key). */
  object?: { bucket: string; key: string };
  /** Only this execution. */
  executionArn?: string;
  /** A listing of this status only (a failure listing then reads failures first). */
  status?: string;
  /**
   * For listings: read back from now, window by window, until this says the executions found are enough (Default:
   * read the whole window).
   */
  enough?(found: LoggedExpressExecution[]): boolean;
}

/** The named failures of reading the log group, each with what to do about it. */
export class FastPathLogError extends CliError {
  constructor(
    readonly code: 'FastPathLogGroupNotFound' | 'FastPathLogAccessDenied',
    message: string,
    hint: string,
  ) {
    super(`${code}: ${message}`, hint, EXIT.REFUSED);
    this.name = 'FastPathLogError';
  }
}

/** The commands' help about where Express executions come from. */
export const FAST_PATH_LOG_HELP =
  "\nFast path (Express) executions have no history in Step Functions: a deployed stage's are read from its CloudWatch log\n" +
  'group (stack output FastPathLogGroupName, or --fast-path-log-group) with logs:FilterLogEvents, bounded by --since;\n' +
  "the sandbox's from its data directory. A hand-off shows next to the Standard execution it started.";

/** What a deployed stage named without its fast path log group cannot show. */
export const NO_FAST_PATH_LOG =
  'Fast path (Express) executions are not shown: pass --stack-outputs (output FastPathLogGroupName) or --fast-path-log-group for an express-first stage.';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** FilterLogEvents returns at most 10,000 events per page. */
const PAGE_LIMIT = 10_000;
/** FilterLogEvents has a low per-account rate quota: the SDK's standard retry backs off on ThrottlingException. */
const MAX_ATTEMPTS = 8;
/** Only the records a listing needs: an execution's start (its input) and its close (status, output). */
const START_AND_CLOSE = ['ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted'];
/** The statuses whose executions are few, read from their closing record first. */
const RARE_CLOSINGS: Partial<Record<string, string>> = { FAILED: 'ExecutionFailed', TIMED_OUT: 'ExecutionTimedOut', ABORTED: 'ExecutionAborted' };
/** An Express execution lasts at most five minutes: its start is at most that long before its close. */
const EXPRESS_LIMIT_MS = 5 * 60_000;
/** FilterLogEvents takes a filter pattern of at most 1,024 characters (an execution ARN is up to about 250). */
const MAX_PATTERN_LENGTH = 1024;

export function fastPathLogsClient(region: string, credentials?: CloudWatchLogsClientConfig['credentials']): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ region, retryMode: 'standard', maxAttempts: MAX_ATTEMPTS, ...(credentials ? { credentials } : {}) });
}

/**
 * Reads a deployed stage's fast path executions from its CloudWatch log group with FilterLogEvents (AWS keeps no
 * other record of an Express execution: ListExecutions and GetExecutionHistory refuse them).
 */
export async function readFastPathLog(logs: CloudWatchLogsClient, logGroupName: string, query: ExpressLogQuery, now: number = Date.now()): Promise<LoggedExpressExecution[]> {
  const oldest = query.since?.getTime() ?? now - DEFAULT_EXPRESS_RETENTION_DAYS * DAY_MS;
  const read = (filterPattern: string, startTime: number, endTime: number): Promise<CloudWatchExecutionRecord[]> =>
    filterAll(logs, { logGroupName, filterPattern, startTime, endTime }, logGroupName);
  if (query.executionArn !== undefined || query.object !== undefined) {
    // Every record of the execution carries its ARN, so one filter returns whole executions (their events, in full).
    const pattern = query.executionArn !== undefined ? `{ $.execution_arn = "${query.executionArn}" }` : objectPattern(query.object!.key);
    return executionsFromRecords(await read(pattern, oldest, now));
  }
  // A listing: newest first, so read back from now in growing windows and stop once there are enough.
  const closing = query.status !== undefined ? RARE_CLOSINGS[query.status] : undefined;
  const readWindow = closing ? (start: number, end: number) => rareClosings(read, closing, start, end) : (start: number, end: number) => read(typesPattern(START_AND_CLOSE), start, end);
  const records: CloudWatchExecutionRecord[] = [];
  let end = now;
  for (let span = HOUR_MS; end >= oldest; span *= 4) {
    const start = Math.max(oldest, end - span);
    records.push(...(await readWindow(start, end)));
    if (start === oldest || query.enough?.(executionsFromRecords(records))) break;
    end = start - 1;
  }
  return executionsFromRecords(records);
}

/**
 * A failure listing reads only the closing records of that kind (a few among millions of successes), then the start
 * records of just those executions, by ARN, from the five minutes an Express execution can last before each.
 */
async function rareClosings(read: (pattern: string, start: number, end: number) => Promise<CloudWatchExecutionRecord[]>, type: string, start: number, end: number): Promise<CloudWatchExecutionRecord[]> {
  const closes = await read(typesPattern([type]), start, end);
  const out = [...closes];
  const startsOf = async (chunk: CloudWatchExecutionRecord[]): Promise<void> => {
    const times = chunk.map((r) => Number(r.event_timestamp));
    out.push(...(await read(startsPattern(chunk.map((r) => r.execution_arn)), Math.min(...times) - EXPRESS_LIMIT_MS, Math.max(...times))));
  };
  let chunk: CloudWatchExecutionRecord[] = [];
  for (const close of closes) {
    if (chunk.length > 0 && startsPattern([...chunk, close].map((r) => r.execution_arn)).length > MAX_PATTERN_LENGTH) {
      await startsOf(chunk);
      chunk = [];
    }
    chunk.push(close);
  }
  if (chunk.length > 0) await startsOf(chunk);
  return out;
}

function startsPattern(arns: string[]): string {
  return `{ $.type = "ExecutionStarted" && (${[...new Set(arns)].map((arn) => `$.execution_arn = "${arn}"`).join(' || ')}) }`;
}

function typesPattern(types: string[]): string {
  return `{ ${types.map((t) => `$.type = "${t}"`).join(' || ')} }`;
}

/**
 * The intake names an event's execution `<copy|delete>-<readable tail of the key>-<hash>` (execution-name.ts), and the
 * fast path's execution ARN ends `:<name>:<run id>`: a regex on the ARN finds the object's executions (and, rarely,
 * another key's with the same readable tail, which the caller drops by the input's bucket and key). Regex in JSON
 * filter patterns, at most two per pattern:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export function objectPattern(key: string): string {
  return `{ $.execution_arn = %${eventExecutionNamePrefix('copy', key)}% || $.execution_arn = %${eventExecutionNamePrefix('delete', key)}% }`;
}

async function filterAll(logs: CloudWatchLogsClient, input: FilterLogEventsCommandInput, logGroupName: string): Promise<CloudWatchExecutionRecord[]> {
  const out: CloudWatchExecutionRecord[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await logs.send(new FilterLogEventsCommand({ ...input, limit: PAGE_LIMIT, ...(nextToken ? { nextToken } : {}) }));
    } catch (err) {
      throw logError(err, logGroupName);
    }
    for (const e of page.events ?? []) {
      const record = parseExecutionRecord(e.message);
      if (record) out.push(record);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

function logError(err: unknown, logGroupName: string): CliError {
  const name = (err as { name?: string }).name;
  const message = (err as Error).message ?? String(err);
  if (name === 'ResourceNotFoundException') {
    return new FastPathLogError(
      'FastPathLogGroupNotFound',
      `the fast path log group ${logGroupName} does not exist (${message})`,
      'Use the FastPathLogGroupName output of this stage (cdk deploy --outputs-file), or the right --region; a standard-only stage has no fast path log.',
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new FastPathLogError(
      'FastPathLogAccessDenied',
      `cannot read the fast path log group ${logGroupName}: access denied (${message})`,
      `Grant the credentials in use logs:FilterLogEvents on arn:aws:logs:<region>:<account>:log-group:${logGroupName}:*`,
    );
  }
  return fromServiceError(err, `FilterLogEvents on ${logGroupName}`);
}
