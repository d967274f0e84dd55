/**
 * Policy of `s3gcs doctor`: is a stage hardened so that its AWS side (the copier identity, or anyone holding the AWS
 * account) cannot destroy the backups? Pure functions over what the probes read; docs/deploy.md ("Make the backups
 * indestructible from AWS") has the reasoning and every command a fix names.
 */

export type Status = 'ok' | 'missing' | 'warn' | 'info';

export interface Finding {
  area: 'bucket' | 'copier' | 'wif' | 'alarms' | 'alerts';
  check: string;
  status: Status;
  detail: string;
  /** The command (or step) that fixes it, for missing and warn. */
  fix?: string;
}

/** What the destination bucket says about itself (storage.buckets.get). */
export interface BucketFacts {
  name: string;
  softDeleteSeconds: number;
  /** undefined: the emulator does not model it. */
  versioning?: boolean;
  /** Lifecycle rules that delete noncurrent generations, with their age in days (daysSinceNoncurrentTime); undefined: not modeled. */
  noncurrentDeleteDays?: number[];
  retention?: { periodSeconds: number; locked: boolean } | 'not-modeled';
}

/** Soft delete keeps deleted and overwritten generations this long at least (GCS allows 7 to 90 days). */
export const RECOMMENDED_SOFT_DELETE_DAYS = 30;
const DAY = 24 * 3600;

export function checkBucket(b: BucketFacts): Finding[] {
  const url = `gs://${b.name}`;
  const findings: Finding[] = [];
  const days = b.softDeleteSeconds / DAY;
  if (b.softDeleteSeconds <= 0) {
    findings.push({
      area: 'bucket',
      check: 'soft delete',
      status: 'missing',
      detail: 'off: a delete or overwrite by the copier identity destroys the backup at once',
      fix: `gcloud storage buckets update ${url} --soft-delete-duration=${RECOMMENDED_SOFT_DELETE_DAYS}d`,
    });
  } else {
    findings.push({
      area: 'bucket',
      check: 'soft delete',
      status: days < RECOMMENDED_SOFT_DELETE_DAYS ? 'warn' : 'ok',
      detail: `deleted and overwritten generations are kept ${formatDays(days)} and cannot be permanently deleted by anyone meanwhile`,
      ...(days < RECOMMENDED_SOFT_DELETE_DAYS ? { fix: `gcloud storage buckets update ${url} --soft-delete-duration=${RECOMMENDED_SOFT_DELETE_DAYS}d   # (the time you need to notice an attack)` } : {}),
    });
  }
  if (b.versioning === undefined) {
    findings.push({ area: 'bucket', check: 'object versioning', status: 'info', detail: 'not modeled by the sandbox emulator' });
  } else if (!b.versioning) {
    findings.push({
      area: 'bucket',
      check: 'object versioning',
      status: 'warn',
      detail: 'off: overwritten backups are kept only for the soft delete window, and restore --as-of cannot go back in time',
      fix: `gcloud storage buckets update ${url} --versioning   # then the lifecycle rule below`,
    });
  } else if (b.noncurrentDeleteDays === undefined) {
    findings.push({ area: 'bucket', check: 'object versioning', status: 'info', detail: 'on; lifecycle rules are not modeled by the sandbox emulator' });
  } else {
    const ages = b.noncurrentDeleteDays;
    findings.push(
      ages.length === 0
        ? {
            area: 'bucket',
            check: 'object versioning',
            status: 'warn',
            detail: 'on, but no lifecycle rule deletes noncurrent generations: storage grows with every overwrite, forever',
            fix: `gcloud storage buckets update ${url} --lifecycle-file=noncurrent-90d.json   # docs/deploy.md`,
          }
        : { area: 'bucket', check: 'object versioning', status: 'ok', detail: `on; noncurrent generations are deleted after ${Math.min(...ages)} day(s), then soft-deleted` },
    );
  }
  if (b.retention === 'not-modeled' || b.retention === undefined) {
    findings.push({ area: 'bucket', check: 'retention lock', status: 'info', detail: b.retention === 'not-modeled' ? 'not modeled by the sandbox emulator' : 'none (optional)' });
  } else {
    findings.push({
      area: 'bucket',
      check: 'retention lock',
      status: 'info',
      detail: `${formatDays(b.retention.periodSeconds / DAY)} retention policy${b.retention.locked ? ', locked' : ', NOT locked (a bucket admin can still remove it)'}`,
    });
  }
  return findings;
}

/** What a backup needs: create objects, read them and their metadata, list, and patch the verified mark. */
export const COPIER_REQUIRED = ['storage.objects.create', 'storage.objects.get', 'storage.objects.list', 'storage.objects.update'] as const;
/**
 * GCS replaces an object only for a caller holding storage.objects.delete as well as create
 * (https://cloud.google.com/storage/docs/access-control/iam-permissions): needed to replace the backup of a changed
 * source object (and to remove a copy that failed verification); harmless only while soft delete keeps what it replaces.
 */
export const COPIER_OVERWRITE = 'storage.objects.delete';
/** Permissions that would let the AWS side undo the protection: change the bucket's policies, IAM, or retention. */
export const COPIER_FORBIDDEN = [
  'storage.buckets.update',
  'storage.buckets.delete',
  'storage.buckets.setIamPolicy',
  'storage.objects.setIamPolicy',
  'storage.objects.setRetention',
  'storage.objects.overrideUnlockedRetention',
] as const;
export const COPIER_PERMISSIONS_TO_TEST = [...COPIER_REQUIRED, COPIER_OVERWRITE, ...COPIER_FORBIDDEN];

export function checkCopier(identity: string, granted: readonly string[], bucket: BucketFacts): Finding[] {
  const has = new Set(granted);
  const findings: Finding[] = [];
  const lacking = COPIER_REQUIRED.filter((p) => !has.has(p));
  findings.push(
    lacking.length === 0
      ? { area: 'copier', check: 'can back up', status: 'ok', detail: `${identity} holds ${COPIER_REQUIRED.join(', ')}` }
      : {
          area: 'copier',
          check: 'can back up',
          status: 'missing',
          detail: `${identity} lacks ${lacking.join(', ')}: copies fail with DestinationAccessDenied`,
          fix: 'grant the custom role s3gcsBackupWriter on the bucket (docs/deploy.md)',
        },
  );
  const forbidden = COPIER_FORBIDDEN.filter((p) => has.has(p));
  findings.push(
    forbidden.length === 0
      ? { area: 'copier', check: 'cannot change the bucket', status: 'ok', detail: `${identity} holds none of ${COPIER_FORBIDDEN.join(', ')}` }
      : {
          area: 'copier',
          check: 'cannot change the bucket',
          status: 'missing',
          detail: `${identity} holds ${forbidden.join(', ')}: the AWS side could turn the protection off (or never had it, e.g. roles/storage.objectAdmin or a broader role)`,
          fix: 'replace its bucket role by the custom role s3gcsBackupWriter (docs/deploy.md), and remove project-level storage roles',
        },
  );
  if (!has.has(COPIER_OVERWRITE)) {
    findings.push({
      area: 'copier',
      check: 'cannot destroy backups',
      status: 'ok',
      detail: `${identity} cannot delete; note that without ${COPIER_OVERWRITE} it cannot replace the backup of a changed source object either (write-once sources only)`,
    });
  } else if (bucket.softDeleteSeconds > 0) {
    findings.push({
      area: 'copier',
      check: 'cannot destroy backups',
      status: 'ok',
      detail: `${identity} may delete (GCS requires it to overwrite), but every generation it deletes or replaces stays soft-deleted ${formatDays(bucket.softDeleteSeconds / DAY)}, restorable`,
    });
  } else {
    findings.push({
      area: 'copier',
      check: 'cannot destroy backups',
      status: 'missing',
      detail: `${identity} holds ${COPIER_OVERWRITE} and the bucket has no soft delete: the AWS side can destroy every backup`,
      fix: `gcloud storage buckets update gs://${bucket.name} --soft-delete-duration=${RECOMMENDED_SOFT_DELETE_DAYS}d`,
    });
  }
  return findings;
}

/**
 * The Workload Identity pool provider admits only this stack's roles: its attribute condition names each role of
 * GcsCopierRoleNames (attribute.aws_role = arn:aws:sts::ACCOUNT:assumed-role/ROLE) and is not a catch-all.
 */
export function checkWifCondition(provider: string, condition: string | undefined, roleNames: readonly string[]): Finding {
  const trimmed = (condition ?? '').trim();
  const fix = `gcloud iam workload-identity-pools providers update-aws ${provider} --attribute-condition="attribute.aws_role in [${roleNames.map((r) => `'arn:aws:sts::ACCOUNT:assumed-role/${r}'`).join(', ')}]"`;
  if (trimmed === '' || trimmed === 'true') {
    return { area: 'wif', check: 'attribute condition', status: 'missing', detail: 'none: every role of the AWS account can obtain Google credentials', fix };
  }
  const absent = roleNames.filter((r) => !trimmed.includes(`assumed-role/${r}'`) && !trimmed.includes(`assumed-role/${r}"`) && !trimmed.includes(`assumed-role/${r}/`));
  if (absent.length > 0) {
    return { area: 'wif', check: 'attribute condition', status: 'missing', detail: `does not name ${absent.join(', ')} (this stack's roles that sign in to Google): ${trimmed}`, fix };
  }
  return { area: 'wif', check: 'attribute condition', status: 'ok', detail: `admits only named roles: ${trimmed}` };
}

export interface AlarmFacts {
  name: string;
  actions: string[];
  state: string;
}

/** Every alarm of the stack notifies the alert topic, and someone confirmed a subscription to it. */
export function checkAlerting(topicArn: string, alarms: AlarmFacts[], subscriptions: { protocol: string; endpoint: string; confirmed: boolean }[]): Finding[] {
  const silent = alarms.filter((a) => !a.actions.includes(topicArn));
  const firing = alarms.filter((a) => a.state === 'ALARM');
  const confirmed = subscriptions.filter((s) => s.confirmed);
  return [
    alarms.length === 0
      ? { area: 'alarms', check: 'alarms exist', status: 'missing', detail: 'no CloudWatch alarm of this stack was found', fix: 'deploy the stack (npx cdk deploy) with this version' }
      : silent.length > 0
        ? { area: 'alarms', check: 'alarms notify', status: 'missing', detail: `${silent.length} alarm(s) do not notify the alert topic: ${silent.map((a) => a.name).join(', ')}`, fix: 'deploy the stack again (npx cdk deploy): it sets every alarm action' }
        : { area: 'alarms', check: 'alarms notify', status: 'ok', detail: `${alarms.length} alarm(s), each notifying the alert topic` },
    ...(firing.length > 0
      ? [{ area: 'alarms' as const, check: 'alarms quiet', status: 'warn' as const, detail: `in ALARM now: ${firing.map((a) => a.name).join(', ')}`, fix: 'see docs/operations.md for each alarm' }]
      : []),
    confirmed.length === 0
      ? {
          area: 'alerts',
          check: 'someone is subscribed',
          status: 'missing',
          detail: subscriptions.length === 0 ? 'the alert topic has no subscription: alerts reach nobody' : 'no subscription is confirmed yet (check the inbox for the AWS confirmation e-mail)',
          fix: `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint you@example.com   # then confirm`,
        }
      : { area: 'alerts', check: 'someone is subscribed', status: 'ok', detail: confirmed.map((s) => `${s.protocol}:${s.endpoint}`).join(', ') },
  ];
}

function formatDays(days: number): string {
  return `${Number.isInteger(days) ? days : days.toFixed(1)} day(s)`;
}
