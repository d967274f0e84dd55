import { checkAlerting, checkBucket, checkCopier, checkWifCondition, COPIER_FORBIDDEN, COPIER_REQUIRED, type BucketFacts } from '../../../workflows/doctor/checks';

const DAY = 24 * 3600;
const hardened: BucketFacts = { name: 'backup', softDeleteSeconds: 30 * DAY, versioning: true, noncurrentDeleteDays: [90] };
const statusOf = (findings: { check: string; status: string }[]) => Object.fromEntries(findings.map((f) => [f.check, f.status]));

describe('checkBucket', () => {
  it('passes a bucket with 30 days of soft delete and versioning with a noncurrent lifecycle rule', () => {
    expect(statusOf(checkBucket(hardened))).toEqual({ 'soft delete': 'ok', 'object versioning': 'ok', 'retention lock': 'info' });
  });

  it('calls a bucket without soft delete missing, with the gcloud command that fixes it', () => {
    const [softDelete] = checkBucket({ ...hardened, softDeleteSeconds: 0 });
    expect(softDelete).toMatchObject({ status: 'missing', fix: 'gcloud storage buckets update gs://backup --soft-delete-duration=30d' });
  });

  it('warns about a short soft delete window, versioning off, and versioning without a noncurrent rule', () => {
    expect(statusOf(checkBucket({ ...hardened, softDeleteSeconds: 7 * DAY, versioning: false }))).toMatchObject({ 'soft delete': 'warn', 'object versioning': 'warn' });
    expect(checkBucket({ ...hardened, noncurrentDeleteDays: [] })[1]).toMatchObject({ status: 'warn', detail: expect.stringMatching(/grows .* forever/) });
  });

  it('reports a retention policy and whether it is locked', () => {
    expect(checkBucket({ ...hardened, retention: { periodSeconds: 14 * DAY, locked: false } })[2]!.detail).toBe('14 day(s) retention policy, NOT locked (a bucket admin can still remove it)');
  });
});

describe('checkCopier', () => {
  const writer = [...COPIER_REQUIRED, 'storage.objects.delete'];

  it('accepts delete (GCS needs it to overwrite) only while soft delete keeps what it deletes', () => {
    expect(statusOf(checkCopier('sa', writer, hardened))).toEqual({ 'can back up': 'ok', 'cannot change the bucket': 'ok', 'cannot destroy backups': 'ok' });
    expect(checkCopier('sa', writer, { ...hardened, softDeleteSeconds: 0 })[2]).toMatchObject({ status: 'missing', detail: expect.stringContaining('can destroy every backup') });
  });

  it('accepts a copier without delete and says what it cannot do then', () => {
    expect(checkCopier('sa', [...COPIER_REQUIRED], { ...hardened, softDeleteSeconds: 0 })[2]).toMatchObject({ status: 'ok', detail: expect.stringContaining('write-once') });
  });

  it('calls every bucket-admin permission missing protection, and a lacking write permission missing access', () => {
    const findings = checkCopier('sa', [...writer, ...COPIER_FORBIDDEN], hardened);
    expect(findings[1]).toMatchObject({ status: 'missing', detail: expect.stringContaining(COPIER_FORBIDDEN.join(', ')) });
    expect(checkCopier('sa', ['storage.objects.get'], hardened)[0]).toMatchObject({ status: 'missing', detail: expect.stringContaining('storage.objects.create, storage.objects.list, storage.objects.update') });
  });
});

describe('checkWifCondition', () => {
  const provider = 'projects/1/locations/global/workloadIdentityPools/p/providers/aws';
  const roles = ['S3GcsBackup-production-SmallCopierRole1', 'S3GcsBackup-production-HeavyTaskRole2'];

  it('passes a condition naming each role', () => {
    const condition = `attribute.aws_role in ['arn:aws:sts::111122223333:assumed-role/${roles[0]}', 'arn:aws:sts::111122223333:assumed-role/${roles[1]}']`;
    expect(checkWifCondition(provider, condition, roles).status).toBe('ok');
  });

  it('calls no condition, a catch-all, or one missing a role missing, with the update command', () => {
    expect(checkWifCondition(provider, undefined, roles)).toMatchObject({ status: 'missing', fix: expect.stringContaining(`update-aws ${provider} --attribute-condition=`) });
    expect(checkWifCondition(provider, 'true', roles).status).toBe('missing');
    expect(checkWifCondition(provider, `attribute.aws_role == 'arn:aws:sts::1:assumed-role/${roles[0]}'`, roles)).toMatchObject({ status: 'missing', detail: expect.stringContaining(roles[1]!) });
  });
});

describe('checkAlerting', () => {
  const topic = 'arn:aws:sns:eu-west-1:111122223333:alerts';
  const confirmed = [{ protocol: 'email', endpoint: 'ops@example.com', confirmed: true }];

  it('passes when every alarm notifies the topic and a subscription is confirmed', () => {
    expect(statusOf(checkAlerting(topic, [{ name: 'a', actions: [topic], state: 'OK' }], confirmed))).toEqual({ 'alarms notify': 'ok', 'someone is subscribed': 'ok' });
  });

  it('calls silent alarms, no alarms and no confirmed subscription missing; an alarm firing is a warning', () => {
    expect(checkAlerting(topic, [{ name: 'a', actions: [], state: 'OK' }], confirmed)[0]).toMatchObject({ status: 'missing', detail: expect.stringContaining(': a') });
    expect(checkAlerting(topic, [], confirmed)[0]).toMatchObject({ check: 'alarms exist', status: 'missing' });
    expect(statusOf(checkAlerting(topic, [{ name: 'a', actions: [topic], state: 'ALARM' }], [{ ...confirmed[0]!, confirmed: false }]))).toEqual({
      'alarms notify': 'ok',
      'alarms quiet': 'warn',
      'someone is subscribed': 'missing',
    });
  });
});
