import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { executionName, replayExecutionName } from '../../../workflows/backup/execution-name';
import { normalizeExecutionInput, type BackupEvent } from '../../../workflows/backup/normalize';

const FIXTURES = path.join(__dirname, '../../fixtures/events');
const fixtureEvent = (name: string): BackupEvent =>
  normalizeExecutionInput(JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')));

/** Step Functions' rules, checked independently of the implementation. */
function expectValidName(name: string): void {
  expect(name.length).toBeGreaterThanOrEqual(1);
  expect(name.length).toBeLessThanOrEqual(80);
  expect(name).not.toMatch(/\s/u);
  expect(name).not.toMatch(/["#%\\^|~`$&,;:/<>{}[\]?*]/);
  const controls = [...name].filter((c) => c.charCodeAt(0) <= 0x1f || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));
  expect(controls).toEqual([]);
  // Stricter set that CloudWatch Logs and X-Ray accept.
  expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
}

const keyChars = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  fc.string({ unit: fc.constantFrom('+', '%', ' ', '/', '#', '?', '*', ':', '\\', '"', '~', '\t', '\n', '\u0000', '\u007f', 'é', '✿', '日', 'a', '.', '-', '_'), minLength: 1, maxLength: 200 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 900, maxLength: 1024 }),
);
const backupEvent: fc.Arbitrary<BackupEvent> = fc.record(
  {
    action: fc.constantFrom<BackupEvent['action']>('copy', 'delete'),
    bucket: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
    key: keyChars,
    versionId: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
    sequencer: fc.stringMatching(/^[0-9A-F]{16,18}$/),
    origin: fc.constantFrom<BackupEvent['origin']>('s3-notification', 'eventbridge', 'manual'),
  },
  { requiredKeys: ['action', 'bucket', 'key', 'origin'] },
);

describe('executionName', () => {
  it('produces readable, valid names for the fixtures', () => {
    const names = Object.fromEntries(
      [
        's3-notification-put.json',
        's3-notification-multipart.json',
        's3-notification-delete.json',
        'eventbridge-object-created.json',
        'eventbridge-object-deleted.json',
        'eventbridge-object-created-plus-key.json',
        'manual-replay.json',
      ].map((f) => [f, executionName(fixtureEvent(f))]),
    );
    for (const name of Object.values(names)) expectValidName(name);
    expect(names['s3-notification-put.json']).toMatch(/^copy-photos-red-flower-c-jpg-[a-z2-7]{26}$/);
    expect(names['s3-notification-multipart.json']).toMatch(/^copy-backups-db-2026-11-20-tar-gz-[a-z2-7]{26}$/);
    expect(names['s3-notification-delete.json']).toMatch(/^delete-photos-old-jpg-[a-z2-7]{26}$/);
    expect(names['eventbridge-object-created.json']).toMatch(/^copy-raw-health-check-2026-11-20T10-15-30-zip-[a-z2-7]{26}$/);
    expect(names['eventbridge-object-created-plus-key.json']).toMatch(/^copy-notes-c-a-b-20c-txt-[a-z2-7]{26}$/);
  });

  it('transliterates accents and compatibility forms, drops what has no ASCII form', () => {
    const ev: BackupEvent = { action: 'copy', bucket: 'b', key: 'Café/ｆｕｌｌ/日本語.png', sequencer: '01', origin: 'manual' };
    expect(executionName(ev)).toMatch(/^copy-Cafe-full-png-[a-z2-7]{26}$/);
    expect(executionName({ ...ev, key: '日本語' })).toMatch(/^copy-[a-z2-7]{26}$/);
  });

  it('keeps the tail of a long key, where the file name is', () => {
    const name = executionName({ action: 'copy', bucket: 'b', key: `${'deep/'.repeat(50)}final-report.pdf`, origin: 'manual' });
    expect(name).toHaveLength(80);
    expect(name).toMatch(/-final-report-pdf-[a-z2-7]{26}$/);
    expect(name).not.toMatch(/^copy--/);
  });

  it('names one version the same whichever intake path delivered it', () => {
    const eb = fixtureEvent('eventbridge-object-created.json');
    const viaRecord: BackupEvent = { ...eb, origin: 's3-notification', eventName: 'ObjectCreated:CompleteMultipartUpload', eventTime: 'x' };
    expect(executionName(viaRecord)).toBe(executionName(eb));
  });

  it('tells a copy and a delete of the same version apart', () => {
    const ev = fixtureEvent('s3-notification-put.json');
    expect(executionName({ ...ev, action: 'delete' })).not.toBe(executionName(ev));
  });

  it('tells buckets apart', () => {
    const ev = fixtureEvent('s3-notification-put.json');
    expect(executionName({ ...ev, bucket: 'other-bucket' })).not.toBe(executionName(ev));
  });

  it('uses the sequencer when there is no versionId (unversioned bucket)', () => {
    const ev = fixtureEvent('s3-notification-multipart.json');
    expect(executionName({ ...ev, sequencer: '0064D3901D00059243' })).not.toBe(executionName(ev));
    expect(executionName({ ...ev, size: 1, etag: 'other', eventTime: 'later' })).toBe(executionName(ev));
  });

  it('is valid for any key (property)', () => {
    fc.assert(
      fc.property(backupEvent, (ev) => {
        expectValidName(executionName(ev));
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic (property)', () => {
    fc.assert(
      fc.property(backupEvent, (ev) => {
        expect(executionName({ ...ev })).toBe(executionName(ev));
      }),
      { numRuns: 500 },
    );
  });

  it('gives distinct versions of one key distinct names (property)', () => {
    fc.assert(
      fc.property(backupEvent, fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (ev, v1, v2) => {
        fc.pre(v1 !== v2);
        expect(executionName({ ...ev, versionId: v1 })).not.toBe(executionName({ ...ev, versionId: v2 }));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives distinct keys distinct names, even when they read the same (property)', () => {
    fc.assert(
      fc.property(backupEvent, keyChars, (ev, otherKey) => {
        fc.pre(otherKey !== ev.key);
        expect(executionName({ ...ev, key: otherKey })).not.toBe(executionName(ev));
      }),
      { numRuns: 1000 },
    );
    const ev: BackupEvent = { action: 'copy', bucket: 'b', key: 'a b.txt', sequencer: '1', origin: 'manual' };
    expect(executionName({ ...ev, key: 'a+b.txt' })).not.toBe(executionName(ev));
  });

  it('has no collisions over many distinct events', () => {
    const names = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      names.add(executionName({ action: 'copy', bucket: 'b', key: 'same/key.txt', sequencer: i.toString(16), origin: 's3-notification' }));
    }
    expect(names.size).toBe(20_000);
  });
});

describe('replayExecutionName', () => {
  const now = new Date('2026-11-20T10:15:30.456Z');

  it('is a valid, readable name carrying the time', () => {
    const name = replayExecutionName({ bucket: 'source-bucket', key: 'photos/red flower c++ ✿.jpg' }, now);
    expectValidName(name);
    expect(name).toMatch(/^replay-photos-red-flower-c-jpg-20261120T101530Z-[a-z2-7]{8}$/);
  });

  it('is fresh on every call, even within the same second', () => {
    const names = new Set(Array.from({ length: 200 }, () => replayExecutionName({ bucket: 'b', key: 'k' }, now)));
    expect(names.size).toBe(200);
  });

  it('never equals the deterministic name of the event', () => {
    const ev = fixtureEvent('s3-notification-put.json');
    expect(replayExecutionName(ev, now)).not.toBe(executionName(ev));
    expect(replayExecutionName(ev, now).startsWith('replay-')).toBe(true);
  });

  it('is valid for any key (property)', () => {
    fc.assert(
      fc.property(keyChars, fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }), (key, date) => {
        expectValidName(replayExecutionName({ bucket: 'b', key }, date));
      }),
      { numRuns: 1000 },
    );
  });
});
