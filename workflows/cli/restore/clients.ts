import { S3Client } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-providers';
import { Storage } from '@google-cloud/storage';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from '../io';
import { resolveTarget } from '../target';

/** Target options of restore and drill: the sandbox, or the clouds with the user's own credentials (no stage needed). */
export interface RestoreTargetOptions {
  json?: boolean;
  sandbox?: boolean;
  dataDir?: string;
  region?: string;
  profile?: string;
  gcsCredentials?: string;
  gcsProject?: string;
}

/** The two clients a restore uses. */
export interface RestoreClients {
  kind: 'sandbox' | 'cloud';
  label: string;
  s3: S3Client;
  storage: Storage;
  /** Sandbox only: its watched source bucket and its restore bucket. */
  sandbox?: { sourceBucket?: string; restoreBucket?: string };
  close(): void;
}

export function addRestoreTargetOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one machine-readable JSON result on stdout (errors as JSON on stderr)')
    .option('--sandbox', 'use the sandbox started by `npm start` (reads <data-dir>/sandbox.json)')
    .option('--data-dir <dir>', "the sandbox's data directory (Default: $S3GCS_DATA_DIR or .tmp/sandbox); implies --sandbox")
    .option('--region <region>', 'AWS region of the target bucket (Default: $AWS_REGION, else us-east-1; redirects are followed)')
    .option('--profile <name>', 'AWS credentials profile (Default: the SDK default chain)')
    .option('--gcs-credentials <file>', "Google credentials JSON: a service account key or the stage's Workload Identity Federation config (Default: Application Default Credentials)")
    .option('--gcs-project <id>', 'Google Cloud project (Default: from the credentials)');
}

/**
 * The sandbox (same rule as every command: --sandbox/--data-dir or S3GCS_TARGET=sandbox) or the clouds. A restore
 * after losing the AWS account has no stage to read outputs from, so the cloud clients need only credentials.
 */
export function restoreClients(opts: RestoreTargetOptions, io: Pick<CliIo, 'env' | 'cwd'>): RestoreClients {
  if (opts.sandbox || opts.dataDir || (io.env['S3GCS_TARGET'] === 'sandbox' && !opts.region && !opts.profile && !opts.gcsCredentials)) {
    const target = resolveTarget({ sandbox: true, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) }, io);
    return {
      kind: 'sandbox',
      label: target.label,
      s3: target.s3,
      storage: target.storage(),
      sandbox: { ...(target.sourceBucket ? { sourceBucket: target.sourceBucket } : {}), ...(target.restoreBucket ? { restoreBucket: target.restoreBucket } : {}) },
      close: () => target.close(),
    };
  }
  const region = opts.region ?? io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const s3 = new S3Client({ region, followRegionRedirects: true, ...(opts.profile ? { credentials: fromIni({ profile: opts.profile }) } : {}) });
  const keyFilename = opts.gcsCredentials ? (isAbsolute(opts.gcsCredentials) ? opts.gcsCredentials : resolve(io.cwd, opts.gcsCredentials)) : undefined;
  const storage = new Storage({ ...(keyFilename ? { keyFilename } : {}), ...(opts.gcsProject ? { projectId: opts.gcsProject } : {}) });
  return { kind: 'cloud', label: `AWS ${region} + Google Cloud`, s3, storage, close: () => s3.destroy() };
}
