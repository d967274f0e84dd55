import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ConsoleApi, ConsoleRefusal } from '../../../workflows/console/console-api';
import { readFastPathLog } from '../../../workflows/cli/express-log-group';
import type { Target } from '../../../workflows/cli/target';
import { executionArn as EXEC, STATE_MACHINE_ARN as SM } from '../../support/deployed-stage';
import { at, FAST_PATH_ARN, FAST_PATH_LOG_GROUP, fastPathCopy, filterLogEvents, handOff } from '../../support/fast-path-log';

const sfn = mockClient(SFNClient);
const EXPRESS_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backup-object-fast';
const ASL = readFileSync(join(__dirname, '../../../asl/backup-object.asl.json'), 'utf8');
const LAMBDA = { resourceType: 'lambda', resource: 'invoke' };
const t = (s: number): Date => new Date(Date.UTC(2026, 10, 20, 10, 0, s));

function deployedStage(storage?: unknown): Target {
  return {
    kind: 'aws',
    label: SM,
    region: 'eu-west-1',
    stateMachineArn: SM,
    sfn: new SFNClient({ region: 'eu-west-1' }),
    s3: undefined as never,
    storage: () => storage as never,
    ...(storage ? { destination: { bucket: 'backups', prefix: '' } } : {}),
    consoleUrl: (arn) => arn,
    close: () => undefined,
  };
}

const input = (key: string): string => JSON.stringify({ bucket: 'acme', key });

/** Small Lambda: TransientError retried once, then Runtime.OutOfMemory caught (escalation); large Lambda fails for good. */
const ESCALATED_THEN_FAILED: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: t(0), executionStartedEventDetails: { input: input('a<b>.txt') } },
  { id: 2, type: 'ChoiceStateEntered', timestamp: t(0), stateEnteredEventDetails: { name: 'Choose a copier by size', input: '{}' } },
  { id: 3, type: 'ChoiceStateExited', timestamp: t(0), stateExitedEventDetails: { name: 'Choose a copier by size', output: '{}' } },
  { id: 4, type: 'TaskStateEntered', timestamp: t(1), stateEnteredEventDetails: { name: 'Copy the object with the small Lambda' } },
  { id: 5, type: 'TaskScheduled', timestamp: t(1) },
  { id: 6, type: 'TaskFailed', timestamp: t(2), taskFailedEventDetails: { ...LAMBDA, error: 'TransientError', cause: 'reset' } },
  { id: 7, type: 'TaskScheduled', timestamp: t(3) },
  { id: 8, type: 'TaskFailed', timestamp: t(4), taskFailedEventDetails: { ...LAMBDA, error: 'Runtime.OutOfMemory', cause: 'killed' } },
  { id: 9, type: 'PassStateEntered', timestamp: t(4), stateEnteredEventDetails: { name: 'Escalate from the small Lambda to the large Lambda' } },
  { id: 10, type: 'PassStateExited', timestamp: t(4), stateExitedEventDetails: { name: 'Escalate from the small Lambda to the large Lambda', output: '{}' } },
  { id: 11, type: 'TaskStateEntered', timestamp: t(5), stateEnteredEventDetails: { name: 'Copy the object with the large Lambda' } },
  { id: 12, type: 'TaskScheduled', timestamp: t(5) },
  { id: 13, type: 'TaskFailed', timestamp: t(6), taskFailedEventDetails: { ...LAMBDA, error: 'DestinationAccessDenied', cause: '403 from GCS' } },
  { id: 14, type: 'ExecutionFailed', timestamp: t(6), executionFailedEventDetails: { error: 'DestinationAccessDenied', cause: '403 from GCS' } },
];

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachinesCommand).resolves({
    stateMachines: [
      { name: 'backup-object', stateMachineArn: SM, type: 'STANDARD', creationDate: t(0) },
      { name: 'backup-object-fast', stateMachineArn: EXPRESS_ARN, type: 'EXPRESS', creationDate: t(0) },
    ],
  });
  sfn.on(DescribeStateMachineCommand).resolves({ definition: ASL, stateMachineArn: SM, name: 'backup-object', roleArn: 'r', type: 'STANDARD', creationDate: t(0) });
});

describe('the console against a deployed stage (Step Functions mocked)', () => {
  it('lists both state machines, Standard and Express', async () => {
    expect(await new ConsoleApi(deployedStage()).stateMachines()).toEqual([
      { name: 'backup-object', arn: SM, type: 'STANDARD' },
      { name: 'backup-object-fast', arn: EXPRESS_ARN, type: 'EXPRESS' },
    ]);
  });

  it('an execution: states coloured over the path, the escalation edge with its error, retries, the alert and the commands (no endpoint flag)', async () => {
    const arn = EXEC('copy-a-b-txt-x');
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: arn, name: 'copy-a-b-txt-x', stateMachineArn: SM, status: 'FAILED', startDate: t(0), stopDate: t(6), input: input('a<b>.txt'), error: 'DestinationAccessDenied', cause: '403 from GCS' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: ESCALATED_THEN_FAILED });
    const d = await new ConsoleApi(deployedStage()).execution(arn);
    expect(d.path.states['Copy the object with the small Lambda']).toMatchObject({ status: 'caught', error: 'Runtime.OutOfMemory', retries: [{ error: 'TransientError' }] });
    expect(d.path.states['Copy the object with the large Lambda']).toMatchObject({ status: 'failed', error: 'DestinationAccessDenied' });
    expect(d.path.states['Copy the object with the heavy task']).toBeUndefined();
    expect(d.path.edges).toContainEqual({ id: 'Copy the object with the small Lambda→Escalate from the small Lambda to the large Lambda#0', kind: 'escalation', error: 'Runtime.OutOfMemory' });
    expect(d.path.edges).toContainEqual({ id: 'Escalate from the small Lambda to the large Lambda→Copy the object with the large Lambda#0', kind: 'taken' });
    expect(d.graph.nodes.map((n) => n.name)).toEqual(Object.keys((JSON.parse(ASL) as { States: object }).States));
    expect(d.alert?.message).toContain('Key: ');
    expect(d.commands.redrive).toBe(`aws stepfunctions redrive-execution --execution-arn '${arn}'`);
    expect(d.commands.replay).toBe(`aws stepfunctions start-execution --state-machine-arn '${SM}' --input '{"bucket":"acme","key":"a<b>.txt"}'`);
    expect(d.actions).toEqual({ redrive: false, replay: false });
    expect(d.events.find((e) => e.id === 13)).toMatchObject({ state: 'Copy the object with the large Lambda', error: 'DestinationAccessDenied', cause: '403 from GCS', elapsedMs: 6000 });
  });

  it('a redriven execution keeps the states of its first run and takes the redrive run for the states it re-entered', async () => {
    const arn = EXEC('copy-r');
    const history: HistoryEvent[] = [
      ...ESCALATED_THEN_FAILED,
      { id: 15, type: 'ExecutionRedriven', timestamp: t(10), executionRedrivenEventDetails: { redriveCount: 1 } },
      { id: 16, type: 'TaskStateEntered', timestamp: t(10), stateEnteredEventDetails: { name: 'Copy the object with the large Lambda' } },
      { id: 17, type: 'TaskScheduled', timestamp: t(10) },
      { id: 18, type: 'TaskSucceeded', timestamp: t(11), taskSucceededEventDetails: { ...LAMBDA, output: '{}' } },
      { id: 19, type: 'TaskStateExited', timestamp: t(11), stateExitedEventDetails: { name: 'Copy the object with the large Lambda', output: '{"outcome":"copied","tier":"large","bytes":5}' } },
      { id: 20, type: 'ExecutionSucceeded', timestamp: t(11), executionSucceededEventDetails: { output: '{"outcome":"copied","tier":"large","bytes":5}' } },
    ];
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: arn, name: 'copy-r', stateMachineArn: SM, status: 'SUCCEEDED', startDate: t(0), stopDate: t(11), input: input('r'), redriveCount: 1, output: '{"outcome":"copied","tier":"large","bytes":5}' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: history });
    const d = await new ConsoleApi(deployedStage()).execution(arn);
    expect(d.path.runs).toBe(2);
    expect(d.path.states['Copy the object with the small Lambda']?.status).toBe('caught');
    expect(d.path.states['Copy the object with the large Lambda']?.status).toBe('succeeded');
    expect(d.row).toMatchObject({ outcome: 'copied', tier: 'large', bytes: 5, redriveCount: 1 });
    expect(d.alert).toBeUndefined();
    expect(d.commands.redrive).toBeUndefined();
  });

  it('refuses redrive and replay on a deployed stage without calling Step Functions', async () => {
    const api = new ConsoleApi(deployedStage());
    await expect(api.redrive(EXEC('x'))).rejects.toBeInstanceOf(ConsoleRefusal);
    await expect(api.replay({ bucket: 'acme', key: 'k' })).rejects.toBeInstanceOf(ConsoleRefusal);
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('lists newest first within the window and keeps the keys that contain the text, page by page', async () => {
    const items = [5, 4, 3, 2, 1].map((s) => ({ executionArn: EXEC(`e${s}`), name: `e${s}`, stateMachineArn: SM, status: 'SUCCEEDED' as const, startDate: t(s * 10) }));
    sfn.on(ListExecutionsCommand, { nextToken: undefined }).resolves({ executions: items.slice(0, 3), nextToken: 'p2' });
    sfn.on(ListExecutionsCommand, { nextToken: 'p2' }).resolves({ executions: items.slice(3) });
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => ({
      executionArn,
      status: 'SUCCEEDED',
      startDate: t(0),
      stopDate: t(60),
      input: input(executionArn.endsWith('e2') || executionArn.endsWith('e4') ? 'reports/q.pdf' : 'other.txt'),
    }));
    const api = new ConsoleApi(deployedStage());
    const page = await api.listExecutions({ stateMachineArn: SM, key: 'reports/', until: t(45), since: t(15) });
    expect(page.rows.map((r) => r.name)).toEqual(['e4', 'e2']);
    expect(page.nextToken).toBeUndefined();
  });

  it('the object view: executions of the key oldest first (an Express list refusal is skipped) and the GCS object with its verified mark', async () => {
    sfn.on(ListExecutionsCommand, { stateMachineArn: SM }).resolves({
      executions: [
        { executionArn: EXEC('replay-k-1'), name: 'replay-k-1', stateMachineArn: SM, status: 'SUCCEEDED', startDate: t(30) },
        { executionArn: EXEC('copy-k-1'), name: 'copy-k-1', stateMachineArn: SM, status: 'FAILED', startDate: t(10) },
        { executionArn: EXEC('copy-other'), name: 'copy-other', stateMachineArn: SM, status: 'SUCCEEDED', startDate: t(5) },
      ],
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: EXPRESS_ARN }).rejects(Object.assign(new Error('This operation is not supported by this type of state machine'), { name: 'StateMachineTypeNotSupported' }));
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => ({
      executionArn,
      status: executionArn.includes('copy-k-1') ? 'FAILED' : 'SUCCEEDED',
      startDate: t(0),
      stopDate: t(1),
      input: input(executionArn.endsWith('copy-other') ? 'other' : 'k'),
      ...(executionArn.includes('copy-k-1') ? { redriveCount: 1 } : {}),
    }));
    const metadata = { 's3-bucket': 'acme', 's3-key': 'k', 's3-size': '5', 's3-crc32c': 'AAAAAA==', 'verified-crc32c': 'AAAAAA==' };
    const storage = { bucket: () => ({ file: (name: string) => ({ getMetadata: async () => [{ name, generation: '17', size: '5', crc32c: 'AAAAAA==', metadata }] }) }) };
    const view = await new ConsoleApi(deployedStage(storage)).object('acme', 'k');
    expect(view.executions.map((e) => [e.name, e.kind])).toEqual([
      ['copy-k-1', 'event, redriven 1×'],
      ['replay-k-1', 'replay'],
    ]);
    expect(view.gcs).toMatchObject({ location: 'gs://backups/acme/k', state: 'present', generation: '17', size: 5, crc32c: 'AAAAAA==', verified: true });
    expect(view.gcs.provenance).toMatchObject({ bucket: 'acme', key: 'k' });
  });

  it('says why it cannot show the GCS object when the destination is unknown or GCS answers 404', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    expect((await new ConsoleApi(deployedStage()).object('acme', 'k')).gcs).toMatchObject({ state: 'unknown', reason: expect.stringContaining('--destination') });
    const missing = { bucket: () => ({ file: () => ({ getMetadata: async () => Promise.reject(Object.assign(new Error('No such object'), { code: 404 })) }) }) };
    expect((await new ConsoleApi(deployedStage(missing)).object('acme', 'k')).gcs).toEqual({ location: 'gs://backups/acme/k', state: 'absent' });
  });
});

describe('the console on an express-first stage: Express executions from the fast path log group (CloudWatch Logs mocked)', () => {
  const logs = mockClient(CloudWatchLogsClient);
  const copy = fastPathCopy();
  const h = handOff();
  const FAST_ASL = readFileSync(join(__dirname, '../../../asl/fast-path.asl.json'), 'utf8');
  const now = at(3600);
  const expressFirst = (): Target => ({
    ...deployedStage(),
    fastPathLogGroupName: FAST_PATH_LOG_GROUP,
    expressExecutions: (q) => readFastPathLog(new CloudWatchLogsClient({ region: 'eu-west-1' }), FAST_PATH_LOG_GROUP, q, now),
  });

  beforeEach(() => {
    logs.reset();
    logs.on(FilterLogEventsCommand).callsFake(filterLogEvents([...copy.records, ...h.records]));
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { name: 'backup-object', stateMachineArn: SM, type: 'STANDARD', creationDate: t(0) },
        { name: 'backup-fast-path', stateMachineArn: FAST_PATH_ARN, type: 'EXPRESS', creationDate: t(0) },
      ],
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: FAST_PATH_ARN }).rejects(Object.assign(new Error('This operation is not supported by EXPRESS state machines'), { name: 'StateMachineTypeNotSupported' }));
    sfn.on(DescribeStateMachineCommand, { stateMachineArn: FAST_PATH_ARN }).resolves({ definition: FAST_ASL, stateMachineArn: FAST_PATH_ARN, name: 'backup-fast-path', roleArn: 'r', type: 'EXPRESS', creationDate: t(0) });
  });

  it('the object view shows the fast path execution and the Standard execution it handed off to, oldest first', async () => {
    sfn.on(ListExecutionsCommand, { stateMachineArn: SM }).resolves({ executions: [{ executionArn: h.standardArn, name: h.name, stateMachineArn: SM, status: 'SUCCEEDED', startDate: new Date(at(11)) }] });
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: h.standardArn, status: 'SUCCEEDED', startDate: new Date(at(11)), stopDate: new Date(at(40)), input: h.input });
    const view = await new ConsoleApi(expressFirst()).object('acme', 'video/big.bin', new Date(at(-60)));
    expect(view.executions.map((e) => [e.executionArn, e.machine, e.kind, e.status, e.outcome])).toEqual([
      [h.executionArn, 'backup-fast-path', 'fast path', 'SUCCEEDED', 'handed-off'],
      [h.standardArn, 'backup-object', 'event', 'SUCCEEDED', undefined],
    ]);
  });

  it("the list of the Express machine comes from its log: newest first, the key filter applied", async () => {
    const all = await new ConsoleApi(expressFirst()).listExecutions({ stateMachineArn: FAST_PATH_ARN });
    expect(all.rows.map((r) => [r.name, r.object?.key, r.durationMs])).toEqual([
      [h.name, 'video/big.bin', 1000],
      [copy.name, 'photos/hello.txt', 3000],
    ]);
    expect(all.nextToken).toBeUndefined();
    const photos = await new ConsoleApi(expressFirst()).listExecutions({ stateMachineArn: FAST_PATH_ARN, key: 'photos/' });
    expect(photos.rows.map((r) => r.name)).toEqual([copy.name]);
  });

  it('an Express execution: its path and events from the log records, a replay command and no redrive', async () => {
    const d = await new ConsoleApi(expressFirst()).execution(copy.executionArn);
    expect(d.stateMachine).toEqual({ name: 'backup-fast-path', arn: FAST_PATH_ARN, type: 'EXPRESS' });
    expect(d.path.states['Copy the object with the small Lambda']).toMatchObject({ status: 'succeeded', retries: [{ error: 'TransientError' }] });
    expect(d.events.find((e) => e.id === 4)).toMatchObject({ error: 'TransientError', cause: 'connection reset' });
    expect(d.row).toMatchObject({ status: 'SUCCEEDED', outcome: 'copied', tier: 'small', bytes: 5 });
    expect(d.commands.redrive).toBeUndefined();
    expect(d.commands.replay).toContain('"key":"photos/hello.txt"');
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });
});
