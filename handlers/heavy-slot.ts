/**
 * Lambda entry for "Wait for a heavy slot": throws HeavySlotUnavailable while the stage's cap of heavy tasks run.
 * Env: HEAVY_CLUSTER_ARN, HEAVY_TASK_FAMILY, MAX_HEAVY_TASKS.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ecsRunningTaskCounter, parseHeavySlotSettings } from '../workflows/backup/heavy-slot';
import { heavySlotHandler } from '../workflows/handlers/heavy-slot';

const settings = parseHeavySlotSettings(process.env);

export const handler = heavySlotHandler({ count: ecsRunningTaskCounter(new ECSClient({}), settings.cluster, settings.family), settings });
