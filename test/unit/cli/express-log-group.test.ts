import { Readable } from 'node:stream';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { FastPathLogError, fastPathLogsClient, objectPattern, readFastPathLog } from '../../../workflows/cli/express-log-group';
import { at, FAST_PATH_LOG_GROUP, fastPathCopy, fastPathExecutionArn, filterLogEvents, handOff, logEvents, records } from '../../support/fast-path-log';

const logs = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'eu-west-1' });
const calls = (): FilterLogEventsCommandInput[] => logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);

beforeEach(() => logs.reset());

describe('reading the fast path log group (FilterLogEvents mocked)', () => {
  it("an object's executions: one filter on the execution name the intake derives from the key, from --since, every page", async () => {
    const copy = fastPathCopy();
    const events = logEvents(copy.records);
    logs.on(FilterLogEventsCommand, { nextToken: undefined }).resolves({ events: events.slice(0, 3), nextToken: 'page-2' });
    logs.on(FilterLogEventsCommand, { nextToken: 'page-2' }).resolves({ events: events.slice(3) });
    const since = new Date(at(-3600));
    const found = await readFastPathLog(client, FAST_PATH_LOG_GROUP, { since, object: { bucket: 'acme', key: 'photos/hello.txt' } }, at(60));
    expect(found.map((e) => [e.execution.name, e.execution.status, e.history?.length])).toEqual([[copy.name, 'SUCCEEDED', 8]]);
    expect(calls()).toEqual([
      expect.objectContaining({ logGroupName: FAST_PATH_LOG_GROUP, startTime: since.getTime(), endTime: at(60), filterPattern: objectPattern('photos/hello.txt') }),
      expect.objectContaining({ nextToken: 'page-2', filterPattern: objectPattern('photos/hello.txt') }),
    ]);
    expect(objectPattern('photos/hello.txt')).toBe('{ $.execution_arn = %copy-photos-hello-txt-% || $.execution_arn = %delete-photos-hello-txt-% }');
    expect(copy.name.startsWith('copy-photos-hello-txt-')).toBe(true);
  });

  it('a listing reads back from now in growing windows of start and close records, and stops once it has enough', async () => {
    const copy = fastPathCopy(-2 * 3600);
    const h = handOff(-30 * 60);
    logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => ({
      events: logEvents([...copy.records, ...h.records].filter((r) => Number(r.event_timestamp) >= input.startTime! && Number(r.event_timestamp) <= input.endTime!)),
    }));
    const found = await readFastPathLog(client, FAST_PATH_LOG_GROUP, { enough: (f) => f.length >= 2 }, at(0));
    expect(found.map((e) => e.execution.name)).toEqual([copy.name, h.name]);
    expect(calls().map((c) => [Math.round((at(0) - c.startTime!) / 3600_000), c.filterPattern])).toEqual([
      [1, expect.stringContaining('$.type = "ExecutionStarted" || $.type = "ExecutionSucceeded"')],
      [5, expect.any(String)],
    ]);
    logs.resetHistory();
    await readFastPathLog(client, FAST_PATH_LOG_GROUP, { since: new Date(at(-3 * 3600)) }, at(0));
    expect(calls().map((c) => Math.round((at(0) - c.startTime!) / 3600_000))).toEqual([1, 3]);
  });

  it('a failure listing reads the failures first, then only their starts, by ARN, in patterns of at most 1,024 characters', async () => {
    const ok = fastPathCopy(-600);
    const failures = Array.from({ length: 12 }, (_, i) =>
      records(fastPathExecutionArn(`copy-reports-2026-quarter-${i}-pdf-${'a'.repeat(26)}`), [
        ['ExecutionStarted', -300 + i, { input: JSON.stringify({ bucket: 'acme', key: `reports/2026/quarter-${i}.pdf` }) }],
        ['ExecutionFailed', -100 + i, { error: 'States.Timeout', cause: 'the fast path ran out of time' }],
      ]),
    ).flat();
    logs.on(FilterLogEventsCommand).callsFake(filterLogEvents([...ok.records, ...failures]));
    const found = await readFastPathLog(client, FAST_PATH_LOG_GROUP, { status: 'FAILED', since: new Date(at(-3600)) }, at(0));
    expect(found.map((e) => [e.execution.status, e.execution.error])).toEqual(Array.from({ length: 12 }, () => ['FAILED', 'States.Timeout']));
    expect(found.every((e) => e.execution.input.includes('reports/2026/quarter-'))).toBe(true);
    const patterns = calls().map((c) => c.filterPattern!);
    expect(patterns[0]).toBe('{ $.type = "ExecutionFailed" }');
    expect(patterns.length).toBeGreaterThan(2);
    expect(patterns.slice(1).every((p) => p.startsWith('{ $.type = "ExecutionStarted" && ($.execution_arn = "') && p.length <= 1024)).toBe(true);
    expect(patterns.some((p) => p.includes('ExecutionSucceeded'))).toBe(false);
  });

  it('a missing log group is a named error saying which output to use', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }));
    const err = (await readFastPathLog(client, 'nope', {}, at(0)).catch((e: unknown) => e)) as FastPathLogError;
    expect(err).toBeInstanceOf(FastPathLogError);
    expect(err.code).toBe('FastPathLogGroupNotFound');
    expect(err.message).toContain('the fast path log group nope does not exist');
    expect(err.hint).toContain('FastPathLogGroupName');
    expect(err.exitCode).toBe(4);
  });

  it('access denied is a named error naming the IAM action and the group', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('User: x is not authorized to perform: logs:FilterLogEvents'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const err = (await readFastPathLog(client, FAST_PATH_LOG_GROUP, {}, at(0)).catch((e: unknown) => e)) as FastPathLogError;
    expect(err.code).toBe('FastPathLogAccessDenied');
    expect(err.hint).toBe(`Grant the credentials in use logs:FilterLogEvents on arn:aws:logs:<region>:<account>:log-group:${FAST_PATH_LOG_GROUP}:*`);
  });

  it('leaves ThrottlingException to the SDK standard retry, with room for the low FilterLogEvents quota', async () => {
    const c = fastPathLogsClient('eu-west-1');
    expect(await c.config.maxAttempts()).toBe(8);
    expect((await c.config.retryStrategy()) as unknown).toMatchObject({ mode: 'standard' });
    c.destroy();
  });
});

it('retries a throttled FilterLogEvents through the SDK standard retry (a stubbed HTTP handler, no network)', async () => {
  logs.restore();
  const c = fastPathLogsClient('eu-west-1', { accessKeyId: 'test', secretAccessKey: 'test' });
  const answers = [
    { statusCode: 400, body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) },
    { statusCode: 200, body: JSON.stringify({ events: logEvents(fastPathCopy().records), searchedLogStreams: [] }) },
  ];
  let requests = 0;
  c.config.requestHandler = {
    handle: async () => {
      const { statusCode, body } = answers[Math.min(requests++, answers.length - 1)]!;
      return { response: { statusCode, reason: '', headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(body)]) } };
    },
  } as unknown as typeof c.config.requestHandler;
  const found = await readFastPathLog(c, FAST_PATH_LOG_GROUP, { since: new Date(at(-60)), object: { bucket: 'acme', key: 'photos/hello.txt' } }, at(60));
  expect(requests).toBe(2);
  expect(found.map((e) => e.execution.status)).toEqual(['SUCCEEDED']);
  c.destroy();
});
