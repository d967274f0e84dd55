/**
 * The heavy Task state's HeartbeatSeconds and TimeoutSeconds against the task's lifecycle on Fargate. The numbers:
 * - Fargate fails a task that does not go from PENDING to RUNNING within 3 minutes (AWS Knowledge Center,
 *   "ecs-fargate-docker-timeout-error"); a healthy start — provisioning, ENI, image pull, unpacking — takes 30-45 s
 *   "or longer" (AWS re:Post). Before PENDING, provisioning has no documented bound: allow 2 minutes. The container's
 *   first heartbeat goes out at once (workflows/backup/heavy-task.ts), so HeartbeatSeconds must cover
 *   180 + 120 s plus a margin of 2 minutes: 420 s.
 * - Once it runs, it heartbeats every minute: 420 s tolerates 6 lost heartbeats in a row.
 * - At most 10 minutes: a container killed without a word (out of memory, SIGKILL) is noticed no later than that.
 * - TimeoutSeconds: the longest DEADLINE_SECONDS the config accepts, plus the start, plus the final report (the
 *   container's 30 s stopTimeout bounds it) must fit, so the task's own deadline (TierCapacityExceeded) comes first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAVY_MAX_SECONDS } from '../../../infra/config/validate';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS } from '../../../workflows/backup/heavy-task';

const FARGATE_START_TIMEOUT_SECONDS = 180;
const PROVISIONING_ALLOWANCE_SECONDS = 120;
const MARGIN_SECONDS = 120;
const REPORT_SECONDS = 30;

interface TaskState {
  Type: string;
  Resource?: string;
  HeartbeatSeconds?: number;
  TimeoutSeconds?: number;
}

const definition = JSON.parse(readFileSync(join(__dirname, '../../../asl/backup-object.asl.json'), 'utf8')) as { States: Record<string, TaskState> };
const heavy = Object.values(definition.States).filter((s) => s.Resource === 'arn:aws:states:::ecs:runTask.waitForTaskToken');

describe('the heavy Task state (ecs:runTask.waitForTaskToken)', () => {
  test('there is exactly one', () => {
    expect(heavy).toHaveLength(1);
  });

  test("HeartbeatSeconds covers Fargate's start before the first heartbeat, with a margin", () => {
    expect(heavy[0]?.HeartbeatSeconds).toBeGreaterThanOrEqual(FARGATE_START_TIMEOUT_SECONDS + PROVISIONING_ALLOWANCE_SECONDS + MARGIN_SECONDS);
  });

  test('HeartbeatSeconds tolerates at least 5 lost heartbeats and notices a dead container within 10 minutes', () => {
    expect(heavy[0]?.HeartbeatSeconds).toBeGreaterThanOrEqual(5 * DEFAULT_HEARTBEAT_INTERVAL_SECONDS);
    expect(heavy[0]?.HeartbeatSeconds).toBeLessThanOrEqual(600);
  });

  test("TimeoutSeconds leaves room for the longest deadline, the task's start and its final report", () => {
    const { HeartbeatSeconds = 0, TimeoutSeconds = 0 } = heavy[0] ?? {};
    expect(TimeoutSeconds).toBeGreaterThanOrEqual(HEAVY_MAX_SECONDS + HeartbeatSeconds + REPORT_SECONDS);
  });
});
