import { SNSClient } from '@aws-sdk/client-sns';
import { Storage } from '@google-cloud/storage';
import type { Command } from 'commander';
import { GoogleAuth, Impersonated } from 'google-auth-library';
import { checkAlerting, checkBucket, checkCopier, checkWifCondition, COPIER_PERMISSIONS_TO_TEST, type BucketFacts, type Finding } from '../../doctor/checks';
import { CloudWatchClient, readStackAlarms, readSubscriptions } from '../../doctor/probe-aws';
import { grantedPermissions, readBucketFacts, readWifCondition } from '../../doctor/probe-gcs';
import { addCommonOptions, examples, runCommand, type CommandContext, type CommonOptions } from '../command-kit';
import { fromServiceError, usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { table, type Output } from '../io';
import { parseGcsUrl } from '../s3-url';
import type { Target } from '../target';

interface DoctorOptions extends CommonOptions {
  copierServiceAccount?: string;
  wifProvider?: string;
}

const SERVICE_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/;
const PROVIDER = /^projects\/[^/]+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/;

/** `s3gcs doctor`: can the AWS side destroy the backups? Checks a deployed stage (or the sandbox) and says how to fix it. */
export function registerDoctor(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('doctor')
    .description("check that the stage's backups survive its AWS side: bucket soft delete/versioning/retention, the copier's Google permissions, the WIF condition, alarms and subscriptions")
    .option('--copier-service-account <email>', 'the service account the copiers write as; its bucket permissions are tested by impersonating it (needs roles/iam.serviceAccountTokenCreator on it)')
    .option('--wif-provider <name>', 'projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER, to check its attribute condition');
  addCommonOptions(cmd).addHelpText(
    'after',
    examples([
      's3gcs doctor --sandbox',
      's3gcs doctor --stack-outputs outputs.json --copier-service-account s3-gcs-backup-production@my-project.iam.gserviceaccount.com \\\n    --wif-provider projects/123456789012/locations/global/workloadIdentityPools/aws-s3-backup/providers/aws-111122223333',
    ]) + '\nExit codes: 0 nothing missing (warnings allowed); 1 something is missing; 2 usage; 3 unreachable; 4 refused.\n',
  );
  cmd.action((opts: DoctorOptions) =>
    runCommand(
      ctx,
      opts,
      () => {
        if (opts.copierServiceAccount !== undefined && !SERVICE_ACCOUNT.test(opts.copierServiceAccount)) {
          throw usageError(`not a service account e-mail: ${JSON.stringify(opts.copierServiceAccount)}`, 'It looks like NAME@PROJECT.iam.gserviceaccount.com');
        }
        if (opts.wifProvider !== undefined && !PROVIDER.test(opts.wifProvider)) {
          throw usageError(`not a workload identity pool provider name: ${JSON.stringify(opts.wifProvider)}`, 'It looks like projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER');
        }
        return {};
      },
      async (out, target) => {
        const location = opts.destination ? parseGcsUrl(opts.destination) : target.destination;
        if (!location) throw usageError('which bucket holds the backups? no destination is known for this stage', "Pass --destination gs://BUCKET/, or --stack-outputs with the stage's outputs.");
        const sandbox = target.kind === 'sandbox';
        out.note(`Checking ${target.label} (backups in gs://${location.bucket}) …`);
        const bucket = await readBucketFacts(target.storage(), location.bucket, { versioning: !sandbox, lifecycle: !sandbox, retention: !sandbox }).catch((err: unknown) => {
          throw fromServiceError(err, `get gs://${location.bucket}`);
        });
        const findings: Finding[] = [...checkBucket(bucket), ...(await copierFindings(target, opts, bucket)), ...(await wifFindings(target, opts)), ...(await alertingFindings(target))];
        print(out, findings);
        out.result({ target: target.label, bucket: location.bucket, findings, missing: findings.filter((f) => f.status === 'missing').length });
        return findings.some((f) => f.status === 'missing') ? EXIT.PROBLEMS : EXIT.OK;
      },
    ),
  );
}

async function copierFindings(target: Target, opts: DoctorOptions, bucket: BucketFacts): Promise<Finding[]> {
  if (target.kind === 'sandbox') {
    // The emulator checks no credentials: its testIamPermissions answers for any caller what the sandbox configured.
    const granted = await grantedPermissions(target.storage(), bucket.name, COPIER_PERMISSIONS_TO_TEST);
    return checkCopier('the sandbox copier', granted, bucket);
  }
  if (!opts.copierServiceAccount) {
    return [{ area: 'copier', check: 'permissions', status: 'warn', detail: 'not checked', fix: 'pass --copier-service-account EMAIL (the service account of the WIF config or key)' }];
  }
  try {
    const sourceClient = await new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient();
    const authClient = new Impersonated({ sourceClient, targetPrincipal: opts.copierServiceAccount, targetScopes: ['https://www.googleapis.com/auth/devstorage.read_only'], lifetime: 300 });
    const granted = await grantedPermissions(new Storage({ authClient }), bucket.name, COPIER_PERMISSIONS_TO_TEST);
    return checkCopier(opts.copierServiceAccount, granted, bucket);
  } catch (err) {
    return [
      {
        area: 'copier',
        check: 'permissions',
        status: 'warn',
        detail: `could not test as ${opts.copierServiceAccount}: ${(err as Error).message}`,
        fix: `gcloud iam service-accounts add-iam-policy-binding ${opts.copierServiceAccount} --member user:YOU --role roles/iam.serviceAccountTokenCreator   # to let doctor impersonate it`,
      },
    ];
  }
}

async function wifFindings(target: Target, opts: DoctorOptions): Promise<Finding[]> {
  if (target.kind === 'sandbox') return [{ area: 'wif', check: 'attribute condition', status: 'info', detail: 'not modeled by the sandbox (no Workload Identity Federation locally)' }];
  if (!opts.wifProvider) return [{ area: 'wif', check: 'attribute condition', status: 'info', detail: 'not checked (pass --wif-provider NAME when the stage uses Workload Identity Federation)' }];
  // Every role that signs in to Google: the copiers (and reconciliation), and the restore drill when the stage has one.
  const outputs = target.stack?.outputs ?? {};
  const roles = [...(outputs['GcsCopierRoleNames'] ?? '').split(','), outputs['RestoreDrillRoleName'] ?? ''].filter(Boolean);
  if (roles.length === 0) {
    return [{ area: 'wif', check: 'attribute condition', status: 'warn', detail: 'the roles to admit are unknown', fix: 'pass --stack-outputs outputs.json (its GcsCopierRoleNames output)' }];
  }
  try {
    return [checkWifCondition(opts.wifProvider, await readWifCondition(opts.wifProvider), roles)];
  } catch (err) {
    return [{ area: 'wif', check: 'attribute condition', status: 'warn', detail: `not readable with your credentials: ${(err as Error).message}`, fix: 'run it as someone with iam.workloadIdentityPoolProviders.get (roles/iam.workloadIdentityPoolViewer)' }];
  }
}

async function alertingFindings(target: Target): Promise<Finding[]> {
  if (target.kind === 'sandbox') return [{ area: 'alarms', check: 'alarms and subscriptions', status: 'info', detail: 'not modeled by the sandbox (its alerts go to alerts.jsonl in the data directory)' }];
  const topicArn = target.stack?.outputs['AlertTopicArn'];
  if (!target.stack || !topicArn) return [{ area: 'alarms', check: 'alarms and subscriptions', status: 'warn', detail: 'not checked: the stack is unknown', fix: 'pass --stack-outputs outputs.json' }];
  const cloudwatch = new CloudWatchClient({ region: target.region });
  const sns = new SNSClient({ region: target.region });
  try {
    return checkAlerting(topicArn, await readStackAlarms(cloudwatch, target.stack.name), await readSubscriptions(sns, topicArn));
  } catch (err) {
    throw fromServiceError(err, `read the alarms and subscriptions of ${target.stack.name}`);
  } finally {
    cloudwatch.destroy();
    sns.destroy();
  }
}

function print(out: Output, findings: Finding[]): void {
  out.line(table(['AREA', 'CHECK', 'STATUS', 'DETAIL'], findings.map((f) => [f.area, f.check, f.status.toUpperCase(), f.detail])));
  const fixes = findings.filter((f) => f.fix && (f.status === 'missing' || f.status === 'warn'));
  if (fixes.length > 0) {
    out.line('');
    out.line('How to fix (docs/deploy.md, "Make the backups indestructible from AWS"):');
    for (const f of fixes) out.line(`  ${f.status === 'missing' ? 'MISSING' : 'WARN'} ${f.area}/${f.check}:\n    ${f.fix}`);
  }
  const missing = findings.filter((f) => f.status === 'missing').length;
  out.line('');
  out.line(missing === 0 ? 'Nothing missing.' : `${missing} thing(s) missing.`);
}
