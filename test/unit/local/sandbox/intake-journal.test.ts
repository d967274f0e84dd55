import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalIntake } from '../../../../workflows/local/sandbox/intake';
import { IntakeJournal } from '../../../../workflows/local/sandbox/intake-journal';
import { sqsRecord } from '../../../../workflows/local/sandbox/object-events';

const SM = 'arn:aws:states:local:000000000000:stateMachine:backup-object';
const sfn = mockClient(SFNClient);
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const event = (key: string) => ({ type: 'created' as const, bucket: 'src', key, size: 1, etag: 'e', sequencer: '0A', eventTime: new Date().toISOString() });
const startedKeys = () => sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!).key as string);

/** The intake queue on disk: what one process acknowledged, the next one delivers; what was delivered, it does not. */
describe('LocalIntake with an IntakeJournal', () => {
  let dir: string;
  beforeEach(() => {
    sfn.reset();
    dir = mkdtempSync(join(tmpdir(), 'intake-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const intakeOn = (journal: IntakeJournal, extra: Partial<ConstructorParameters<typeof LocalIntake>[0]> = {}) =>
    new LocalIntake({ sfn: new SFNClient({ region: 'local' }), stateMachineArn: SM, logger: quiet, batchWindowMs: 1, visibilityTimeoutMs: 5, journal, ...extra });

  it('delivers again, after a restart, the events that were durably queued but not yet started', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const first = IntakeJournal.inDirectory(dir);
    const started = intakeOn(first);
    await started.push(event('started'));
    await started.idle();
    // A process killed after acknowledging these two, before delivering them: their lines are all that is left.
    const killed = IntakeJournal.inDirectory(dir);
    await Promise.all([killed.enqueue(recordOf('queued-1')), killed.enqueue(recordOf('queued-2'))]);
    appendFileSync(killed.path, '{"op":"enqueue","record":{"messageId":"cut'); // a line the kill cut short
    await started.close();
    first.close();
    killed.close();
    sfn.resetHistory();

    const journal = IntakeJournal.inDirectory(dir);
    const intake = intakeOn(journal);
    expect(intake.resumed).toBe(2);
    await intake.idle();
    expect(startedKeys().sort()).toEqual(['queued-1', 'queued-2']);
    await intake.close();
    journal.close();
    // Compacted at open: only what was still queued was rewritten, and now that it is delivered, nothing is left.
    expect(IntakeJournal.inDirectory(dir).recovered).toEqual({ pending: [], dead: [] });
  });

  it('keeps dead letters and receive counts across restarts', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('no such state machine'), { name: 'StateMachineDoesNotExist', $metadata: {} }));
    const journal = IntakeJournal.inDirectory(dir);
    const intake = intakeOn(journal, { maxReceiveCount: 2 });
    await intake.push(event('doomed'));
    await intake.idle();
    await intake.close();
    journal.close();
    const again = intakeOn(IntakeJournal.inDirectory(dir));
    expect([again.resumed, again.deadLetters.map((d) => JSON.parse(d.record.body).Records[0].s3.object.key)]).toEqual([0, ['doomed']]);
    await again.close();
  });

  it('compacts the journal once finished lines far outnumber queued ones', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const journal = IntakeJournal.inDirectory(dir);
    const intake = intakeOn(journal, { batchSize: 10 });
    for (let i = 0; i < 1_500; i++) void intake.push(event(`k${i}`));
    await intake.idle();
    await intake.close();
    journal.close();
    // Without compaction the journal would hold 3,000 lines (an enqueue and a done per message).
    expect(readFileSync(journal.path, 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(1_500);
    expect(IntakeJournal.inDirectory(dir).recovered).toEqual({ pending: [], dead: [] });
    expect(startedKeys()).toHaveLength(1_500);
  });
});

function recordOf(key: string) {
  return sqsRecord(event(key)); // the SQS record the intake would have written for this event
}
