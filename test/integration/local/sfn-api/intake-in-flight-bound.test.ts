/**
 * Issue 11 §2: the intake bounds executions in flight, not only their starts. A burst of object events larger than
 * the bound goes through the local intake (SQS batches, the event source's maximum concurrency, the start-executions
 * handler as deployed) to the local Step Functions endpoint; the endpoint's own status-change events count the
 * executions RUNNING at each moment. Durations vary with the machine; the assertions do not depend on them.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { LocalIntake } from '../../../../workflows/local/sandbox/intake';
import { LocalStepFunctions, localSfnClient, startSfnApi, type LocalStateMachine, type SfnApiServer } from '../../../../workflows/local/sfn-api';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:backup-object';
const BOUND = 5;
const STARTERS = 2;
const BURST = 60;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const event = (key: string) => ({ type: 'created' as const, bucket: 'src', key, size: 1, etag: 'e', sequencer: '0A', eventTime: new Date().toISOString() });

/** A copy that takes a few milliseconds (so executions overlap) and reports the key it copied. */
const copier: LocalStateMachine = {
  name: 'backup-object',
  arn: ARN,
  definition: '{"StartAt":"Copy","States":{"Copy":{"Type":"Succeed"}}}',
  async run(input, execution) {
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    const key = (input as { key: string }).key; // the intake's object event (plain key)
    return {
      status: 'SUCCEEDED',
      output: { outcome: 'copied', key },
      timeline: { executionName: execution.name, status: 'SUCCEEDED', startedAt: new Date().toISOString(), durationMs: 0, steps: [] },
    };
  },
};

async function burst(bounded: boolean) {
  // The endpoint runs as many at once as it is given: only the intake may hold them back.
  const service = new LocalStepFunctions({ stateMachines: [copier], maxConcurrent: BURST });
  const server: SfnApiServer = await startSfnApi(service);
  const sfn: SFNClient = localSfnClient(server.endpoint);
  const running = { now: 0, peak: 0 };
  service.onStatusChange((e) => {
    running.now += e.detail.status === 'RUNNING' ? 1 : -1;
    running.peak = Math.max(running.peak, running.now);
  });
  const intake = new LocalIntake({
    sfn,
    stateMachineArn: ARN,
    logger: quiet,
    batchWindowMs: 1,
    maxConcurrency: STARTERS,
    // A short "invocation" so that some messages are sent back to the queue and come again; local listings are
    // consistent, so no grace for recent starts is needed to stay within the bound.
    ...(bounded ? { inFlight: { maxInFlight: BOUND, budgetMs: 100, requeueDelayMs: 10, gate: { graceMs: 0, recountMs: 10 } } } : {}),
  });
  try {
    for (let i = 0; i < BURST; i++) intake.push(event(`burst/${i}.bin`));
    await intake.idle();
    await service.idle();
    const executions = service.executions();
    return {
      peak: running.peak,
      succeeded: executions.filter((e) => e.runs.at(-1)?.status === 'SUCCEEDED').length,
      copied: new Set(executions.map((e) => (JSON.parse(e.runs.at(-1)?.output ?? '{}') as { key?: string }).key)).size,
      deadLetters: intake.deadLetters.length,
      requeued: intake.requeued,
    };
  } finally {
    await intake.close();
    sfn.destroy();
    await server.close();
  }
}

describe('the intake bounds executions in flight', () => {
  it(`expect a burst of ${BURST} objects never to have more than ${BOUND} executions RUNNING at once, and every object copied`, async () => {
    const result = await burst(true);
    expect(result.peak).toBeLessThanOrEqual(BOUND);
    expect(result.peak).toBeGreaterThan(1); // the copies did run side by side
    expect(result).toMatchObject({ succeeded: BURST, copied: BURST, deadLetters: 0 });
  });

  it('expect the same burst without the bound to run more than the bound at once (what the bound prevents)', async () => {
    const result = await burst(false);
    expect(result.peak).toBeGreaterThan(BOUND);
    expect(result).toMatchObject({ succeeded: BURST, copied: BURST, requeued: 0 });
  });
});
