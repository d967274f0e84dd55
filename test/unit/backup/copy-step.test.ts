import type { Storage } from '@google-cloud/storage';
import { S3Client } from '@aws-sdk/client-s3';
import { parseBackupEvent, runCopyStep, tierDeadline } from '../../../workflows/backup/copy-step';
import { InvalidInput, TierCapacityExceeded } from '../../../workflows/backup/errors';
import type { BackupEvent } from '../../../workflows/backup/normalize';
import type { CopyContext } from '../../../workflows/copy/engine';
import type { CopyOutcome } from '../../../workflows/copy/types';

const ctx: CopyContext = { s3: new S3Client({ region: 'us-east-1' }), storage: {} as Storage, target: { bucket: 'b', prefix: '' }, tier: 'small' };
const outcome: CopyOutcome = { outcome: 'copied', bytes: 1, durationMs: 1, destination: 'gs://b/k' };
const event: BackupEvent = {
  action: 'copy',
  bucket: 'src',
  key: 'k',
  versionId: 'v',
  etag: 'e',
  size: 3,
  sequencer: '0A',
  eventTime: '2026-11-20T10:00:00Z',
  eventName: 'ObjectCreated:Put',
  origin: 's3-notification',
};

describe('runCopyStep', () => {
  test('copies with exactly the source pin of the event (no routing or provenance fields)', async () => {
    const engine = { copyObject: jest.fn(async () => outcome), deleteBackup: jest.fn() };
    await expect(runCopyStep(event, ctx, engine)).resolves.toBe(outcome);
    expect(engine.copyObject).toHaveBeenCalledWith({ bucket: 'src', key: 'k', versionId: 'v', etag: 'e', size: 3, sequencer: '0A' }, ctx);
    expect(engine.deleteBackup).not.toHaveBeenCalled();
  });

  test('deletes the backup for a delete event', async () => {
    const engine = { copyObject: jest.fn(), deleteBackup: jest.fn(async () => ({ ...outcome, outcome: 'deleted' as const })) };
    await runCopyStep({ action: 'delete', bucket: 'src', key: 'k', origin: 'eventbridge' }, ctx, engine);
    expect(engine.deleteBackup).toHaveBeenCalledWith({ bucket: 'src', key: 'k' }, ctx);
  });

  test('named errors propagate untouched (their name is the ASL contract)', async () => {
    const err = new TierCapacityExceeded('too big');
    const engine = { copyObject: jest.fn(async () => Promise.reject(err)), deleteBackup: jest.fn() };
    await expect(runCopyStep(event, ctx, engine)).rejects.toBe(err);
  });
});

describe('parseBackupEvent', () => {
  test('accepts the normalized event', () => {
    expect(parseBackupEvent(event)).toBe(event);
  });
  test.each([
    [null, /JSON object/],
    [{ action: 'copy', key: 'k' }, /bucket/],
    [{ action: 'move', bucket: 'b', key: 'k' }, /action/],
    [{ action: 'copy', bucket: 'b', key: 'k', size: -1 }, /size/],
  ])('refuses %j with InvalidInput naming the field', (payload, problem) => {
    expect(() => parseBackupEvent(payload)).toThrow(InvalidInput);
    expect(() => parseBackupEvent(payload)).toThrow(problem);
  });
});

describe('tierDeadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('aborts with TierCapacityExceeded a margin before the runtime limit', () => {
    const signal = tierDeadline('small', 60_000, 10_000)!;
    jest.advanceTimersByTime(49_999);
    expect(signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(TierCapacityExceeded);
    expect((signal.reason as Error).message).toMatch(/small copier stopped after 50000 ms/);
  });

  test('none without a known limit', () => {
    expect(tierDeadline('heavy', undefined)).toBeUndefined();
  });
});
