import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import type { StartLogger } from '../../workflows/backup/start-executions';
import { LocalAlertSink } from '../../workflows/local/alert-sink';
import { LOCAL_ARNS, type LocalEnvironment } from '../../workflows/local/deployment';
import { startFaultProxy, type FaultProxy } from '../../workflows/local/fault-proxy';
import { startGcsEmulator, type GcsEmulator } from '../../workflows/local/gcs-emulator';
import { prepareLocalStateMachine, runBackupExecution } from '../../workflows/local/runner';
import { localS3Client, startS3Server, type LocalS3Server } from '../../workflows/local/s3-server';
import { LocalIntake } from '../../workflows/local/sandbox/intake';
import { writeReadyFile, type SandboxEndpoints } from '../../workflows/local/sandbox/ready-file';
import { LocalStepFunctions, localSfnClient, startSfnApi, type SfnApiServer } from '../../workflows/local/sfn-api';
import { SOAK_DESTINATION_BUCKET } from './naming';
import type { SoakProfile } from './profile';
import { sourceBuckets as soakSourceBuckets } from './workload';

/**
 * The local end-to-end path the soak drives, composed from the sandbox's parts with one addition: the copiers reach
 * S3 through the fault proxy. S3 server → object events → (the soak's delivery: duplicates, reordering) → local
 * intake queue → start-executions → local Step Functions API (AWS JSON 1.0) → asl/backup-object.asl.json run locally
 * with the real engine → GCS emulator (fault injection). A sandbox ready file lets `s3gcs replay --data-dir` use it.
 */
export interface SoakSystem {
  dataDir: string;
  sourceBuckets: string[];
  destinationBucket: string;
  destinationPrefix: string;
  s3Server: LocalS3Server;
  /** The harness's own S3 client: straight to the server, never faulted. */
  s3: S3Client;
  proxy: FaultProxy;
  gcs: GcsEmulator;
  stepFunctions: LocalStepFunctions;
  intake: LocalIntake;
  /** start-executions warnings and errors seen (also in <dataDir>/intake.log). */
  intakeProblems: string[];
  close(): Promise<void>;
}

const REGION = 'local';
/** Where the soak's objects go; the sources are workload.ts's sourceBuckets, all backed up to this one bucket and prefix. */
export const SOAK_BUCKETS = { destination: SOAK_DESTINATION_BUCKET, destinationPrefix: 'mirror/' } as const;

export async function startSoakSystem(profile: SoakProfile, seed: number | string, dataDir: string): Promise<SoakSystem> {
  mkdirSync(dataDir, { recursive: true });
  const { destination: destinationBucket, destinationPrefix } = SOAK_BUCKETS;
  const sourceBuckets = soakSourceBuckets(profile);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const s3Server = await startS3Server(profile.onDisk ? { dataDir: join(dataDir, 's3') } : {});
    cleanups.push(() => s3Server.close());
    const proxy = await startFaultProxy({
      upstream: s3Server.endpoint,
      seed,
      rates: profile.s3.rates,
      stallMs: profile.s3.stallMs,
      maxFaultsPerRequest: profile.s3.maxFaultsPerRequest,
      // The copiers only read; the harness writes straight to the server.
      eligible: ({ method }) => method === 'GET' || method === 'HEAD',
    });
    cleanups.push(() => proxy.close());
    const gcs = await startGcsEmulator(profile.onDisk ? { dataDir: join(dataDir, 'gcs') } : {});
    cleanups.push(() => gcs.close());
    gcs.createBucket(destinationBucket);

    const s3 = localS3Client(s3Server.endpoint);
    cleanups.push(async () => s3.destroy());
    for (const bucket of sourceBuckets) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const copierS3 = localS3Client(proxy.endpoint);
    cleanups.push(async () => copierS3.destroy());
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'soak', retryOptions: profile.storageRetry });

    const alertsFile = join(dataDir, 'alerts.jsonl');
    const env: LocalEnvironment = {
      s3: copierS3,
      storage,
      target: { bucket: destinationBucket, prefix: destinationPrefix },
      routing: profile.routing,
      tiers: profile.tiers,
      retryIntervalMs: profile.retryIntervalMs,
      alerts: new LocalAlertSink(alertsFile),
    };
    const { definition } = prepareLocalStateMachine(env);
    const stepFunctions = new LocalStepFunctions({
      stateMachines: [
        {
          name: 'backup-object',
          arn: LOCAL_ARNS.stateMachine,
          definition: JSON.stringify(definition),
          // A sink per run, so each execution reports its own alerts.
          run: (input, execution) =>
            runBackupExecution(input, { ...env, alerts: new LocalAlertSink(alertsFile) }, { executionName: execution.name }),
        },
      ],
      dataDir: join(dataDir, 'executions'),
      maxConcurrent: profile.maxConcurrentExecutions,
    });
    const sfnServer: SfnApiServer = await startSfnApi(stepFunctions, { port: 0 });
    cleanups.push(async () => {
      await stepFunctions.idle();
      await sfnServer.close();
    });
    const sfn = localSfnClient(sfnServer.endpoint);
    cleanups.push(async () => sfn.destroy());
    const intakeProblems: string[] = [];
    const intake = new LocalIntake({ sfn, stateMachineArn: LOCAL_ARNS.stateMachine, logger: fileLogger(join(dataDir, 'intake.log'), intakeProblems) });
    cleanups.push(() => intake.close());

    const endpoints: SandboxEndpoints = {
      s3Endpoint: s3Server.endpoint,
      gcsEndpoint: gcs.url,
      sfnEndpoint: sfnServer.endpoint,
      sourceBucket: sourceBuckets[0]!,
      destinationBucket,
      destinationPrefix,
      stateMachineArn: LOCAL_ARNS.stateMachine,
      region: REGION,
    };
    writeReadyFile(dataDir, endpoints);

    let closing: Promise<void> | undefined;
    return {
      dataDir,
      sourceBuckets,
      destinationBucket,
      destinationPrefix,
      s3Server,
      s3,
      proxy,
      gcs,
      stepFunctions,
      intake,
      intakeProblems,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** start-executions' log as JSON lines; warnings and errors are also kept for the report. */
function fileLogger(path: string, problems: string[]): StartLogger {
  const write = (level: string, message: unknown, extra: unknown[]): void => {
    const fields = Object.assign({}, ...extra.filter((e) => typeof e === 'object' && e !== null)) as Record<string, unknown>;
    appendFileSync(path, `${JSON.stringify({ level, timestamp: new Date().toISOString(), message, ...fields })}\n`);
    if (level !== 'INFO') problems.push(`${level} ${String(message)}${fields['reason'] ? `: ${String(fields['reason'])}` : ''}`);
  };
  return {
    debug: () => undefined,
    info: (message: unknown, ...extra: unknown[]) => write('INFO', message, extra),
    warn: (message: unknown, ...extra: unknown[]) => write('WARN', message, extra),
    error: (message: unknown, ...extra: unknown[]) => write('ERROR', message, extra),
  } as StartLogger;
}
