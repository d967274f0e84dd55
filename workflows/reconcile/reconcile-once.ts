import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import type { CopyTarget } from '../copy/types';
import { localSfnClient } from '../local/sfn-api';
import type { SandboxEndpoints } from '../local/sandbox/ready-file';
import { RateLimiter } from '../cli/backfill/rate-limiter';
import { reconcile, type ReconcileReport } from './reconcile';

/** StartExecution calls per second of the sandbox's reconciliation (the local endpoint queues what it cannot run yet). */
const SANDBOX_RATE = 50;

/**
 * One reconciliation of the sandbox's watched bucket, for the sandbox to run at start-up when its data directory
 * held earlier state (objects written while it was down, or whose events died with it), and for tests. Resolves with
 * the report once every repair was started (not finished: `sandbox.idle()` waits for those).
 */
export async function reconcileOnce(sandbox: SandboxEndpoints & { s3: S3Client; storage: Storage }, options: { dryRun?: boolean } = {}): Promise<ReconcileReport> {
  const destination: CopyTarget = {
    bucket: sandbox.destinationBucket,
    prefix: sandbox.destinationPrefix,
    layout: sandbox.destinationLayout ?? { kind: 'by-source-bucket' },
  };
  const sfn = localSfnClient(sandbox.sfnEndpoint);
  try {
    return await reconcile(
      { s3: sandbox.s3, storage: sandbox.storage, sfn, stateMachineArn: sandbox.stateMachineArn },
      { scope: { sourceBucket: sandbox.sourceBucket, prefix: '', destination }, limiter: new RateLimiter(SANDBOX_RATE), ...(options.dryRun ? { dryRun: true } : {}) },
    );
  } finally {
    sfn.destroy();
  }
}
