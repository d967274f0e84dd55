import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { claimHeavySlot, ecsRunningTaskCounter, parseHeavySlotSettings, RecentGrants } from '../../../workflows/backup/heavy-slot';

const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/backup';
const ecs = new ECSClient({ region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(ecs);
beforeEach(() => mock.reset());

const arns = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `arn:aws:ecs:eu-west-1:123456789012:task/backup/${from + i}`);

describe('ecsRunningTaskCounter', () => {
  test('lists the family tasks whose desired status is RUNNING, page after page, and stops once it has seen enough', async () => {
    mock.on(ListTasksCommand).resolvesOnce({ taskArns: arns(100), nextToken: 't1' }).resolvesOnce({ taskArns: arns(100, 100), nextToken: 't2' });
    const count = ecsRunningTaskCounter(ecs, CLUSTER, 'backup-heavy-copy');
    expect(await count(150)).toBe(200);
    const calls = mock.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { cluster: CLUSTER, family: 'backup-heavy-copy', desiredStatus: 'RUNNING', maxResults: 100 },
      { cluster: CLUSTER, family: 'backup-heavy-copy', desiredStatus: 'RUNNING', maxResults: 100, nextToken: 't1' },
    ]);
  });

  test('ECS throttling is a TransientError (the state retries it); access denied is a ConfigurationError', async () => {
    const count = ecsRunningTaskCounter(ecs, CLUSTER, 'f');
    mock.on(ListTasksCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(count(10)).rejects.toMatchObject({ name: 'TransientError' });
    mock.reset();
    mock.on(ListTasksCommand).rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    await expect(count(10)).rejects.toMatchObject({ name: 'ConfigurationError' });
  });
});

describe('claimHeavySlot', () => {
  let now = 0;
  const clock = () => now;

  test('grants a slot below the cap and refuses at the cap with HeavySlotUnavailable', async () => {
    const recent = new RecentGrants(30_000, clock);
    await expect(claimHeavySlot(async () => 9, { maxRunning: 10 }, recent)).resolves.toEqual({ running: 9, maxRunning: 10 });
    await expect(claimHeavySlot(async () => 10, { maxRunning: 10 }, new RecentGrants(30_000, clock))).rejects.toMatchObject({ name: 'HeavySlotUnavailable' });
  });

  test('counts the slots it granted within the grace period, which ListTasks may not show yet', async () => {
    now = 1_000;
    const recent = new RecentGrants(30_000, clock);
    const none = async () => 0;
    await claimHeavySlot(none, { maxRunning: 2 }, recent);
    await claimHeavySlot(none, { maxRunning: 2 }, recent);
    await expect(claimHeavySlot(none, { maxRunning: 2 }, recent)).rejects.toMatchObject({ name: 'HeavySlotUnavailable' });
    now += 30_001;
    await expect(claimHeavySlot(none, { maxRunning: 2 }, recent)).resolves.toEqual({ running: 0, maxRunning: 2 });
  });
});

describe('parseHeavySlotSettings', () => {
  test('reads the cluster, family and cap; refuses a missing or non-positive cap', () => {
    expect(parseHeavySlotSettings({ HEAVY_CLUSTER_ARN: CLUSTER, HEAVY_TASK_FAMILY: 'f', MAX_HEAVY_TASKS: '10' })).toEqual({ cluster: CLUSTER, family: 'f', maxRunning: 10 });
    expect(() => parseHeavySlotSettings({ HEAVY_CLUSTER_ARN: CLUSTER, HEAVY_TASK_FAMILY: 'f', MAX_HEAVY_TASKS: '0' })).toThrow(/MAX_HEAVY_TASKS/);
    expect(() => parseHeavySlotSettings({ MAX_HEAVY_TASKS: '3' })).toThrow(/HEAVY_CLUSTER_ARN/);
  });
});
