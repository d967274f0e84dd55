import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { fromIni } from '@aws-sdk/credential-providers';
import { Storage } from '@google-cloud/storage';
import { readLayout } from '../backup/settings';
import type { DestinationLayout } from '../copy/types';
import { localS3Client } from '../local/s3-server';
import { CONSOLE_PATH } from '../local/sfn-api/server';
import { EXPRESS_LOG_FILE, isProcessAlive, readReadyFile, type SandboxEndpoints } from '../local/sandbox/ready-file';
import { readExpressLog } from '../local/sfn-api/express-log';
import { unreachable, usageError } from './errors';
import { fastPathLogsClient, readFastPathLog, type ExpressLogQuery } from './express-log-group';
import { fromLocalLog, type LoggedExpressExecution } from './express-log-records';
import type { CliIo } from './io';
import { parseGcsUrl, type GcsLocation } from './s3-url';

/** The options every command accepts to choose what it talks to. */
export interface TargetOptions {
  sandbox?: boolean;
  dataDir?: string;
  stateMachineArn?: string;
  stackOutputs?: string;
  stack?: string;
  region?: string;
  profile?: string;
  destination?: string;
  fastPathLogGroup?: string;
}

/** What a command talks to: the sandbox (from its ready file) or a deployed stage. The same SDK clients either way. */
export interface Target {
  kind: 'sandbox' | 'aws';
  /** For the human header, e.g. "sandbox (.tmp/sandbox)" or "arn:aws:states:…". */
  label: string;
  region: string;
  stateMachineArn: string;
  sfn: SFNClient;
  s3: S3Client;
  /** GCS client (built on first use: a deployed stage needs Google credentials only for verify). */
  storage(): Storage;
  /** Where the backups are, when known (sandbox; --destination; stack outputs), and how they are named when known. */
  destination?: GcsLocation & { layout?: DestinationLayout };
  /** The sandbox's watched bucket. */
  sourceBucket?: string;
  /** The sandbox's unwatched bucket to restore into. */
  restoreBucket?: string;
  /** The deployed stack, when --stack-outputs named it: its name and outputs (doctor reads AlertTopicArn, GcsCopierRoleNames). */
  stack?: { name: string; outputs: Record<string, string> };
  /** The stage's asl/backfill.asl.json state machine (stack output BackfillStateMachineArn). */
  backfillStateMachineArn?: string;
  /** The page to open for an execution: the AWS console, or the sandbox's stand-in. */
  consoleUrl(executionArn: string): string;
  /**
   * The fast path's executions still in its log, oldest first (Express executions have no history in the service, and
   * ListExecutions refuses Express machines): the sandbox reads its log file, a deployed stage its CloudWatch log group
   * (stack output FastPathLogGroupName). `query` narrows what is read; the caller still filters. (Default: none, a
   * standard-only stage or a stage named by --state-machine-arn alone.)
   */
  expressExecutions?(query: ExpressLogQuery): Promise<LoggedExpressExecution[]>;
  /** The deployed stage's fast path log group, when known. */
  fastPathLogGroupName?: string;
  close(): void;
}

export function defaultDataDir(io: Pick<CliIo, 'env' | 'cwd'>): string {
  return io.env['S3GCS_DATA_DIR'] || join(io.cwd, '.tmp', 'sandbox');
}

const TARGET_HINT =
  'Pass --sandbox to use the sandbox started by `npm start`, or --state-machine-arn ARN (or --stack-outputs outputs.json ' +
  'from `cdk deploy --outputs-file`) for a deployed stage.';

export function resolveTarget(opts: TargetOptions, io: Pick<CliIo, 'env' | 'cwd'>): Target {
  const awsChosen = Boolean(opts.stateMachineArn || opts.stackOutputs);
  const sandboxChosen = Boolean(opts.sandbox || opts.dataDir);
  if (awsChosen && sandboxChosen) throw usageError('choose one target: --sandbox/--data-dir or --state-machine-arn/--stack-outputs', TARGET_HINT);
  if (sandboxChosen) return sandboxTarget(opts.dataDir ? resolvePath(opts.dataDir, io.cwd) : defaultDataDir(io));
  if (awsChosen) return awsTarget(opts, io);
  if (io.env['S3GCS_STATE_MACHINE_ARN']) return awsTarget({ ...opts, stateMachineArn: io.env['S3GCS_STATE_MACHINE_ARN'] }, io);
  if (io.env['S3GCS_TARGET'] === 'sandbox') return sandboxTarget(defaultDataDir(io));
  throw usageError('no target chosen', TARGET_HINT);
}

function sandboxTarget(dataDir: string): Target {
  let ready;
  try {
    ready = readReadyFile(dataDir);
  } catch (err) {
    throw unreachable(`cannot read the sandbox's ready file in ${dataDir}: ${(err as Error).message}`, 'Restart the sandbox with `npm start`.');
  }
  if (!ready) throw unreachable(`no sandbox is running with data directory ${dataDir}`, 'Start one with `npm start` (same --data-dir), then run this command again.');
  if (ready.pid > 0 && !isProcessAlive(ready.pid)) {
    throw unreachable(`the sandbox that wrote ${join(dataDir, 'sandbox.json')} (pid ${ready.pid}) is no longer running`, 'Start it again with `npm start`.');
  }
  return targetOfSandbox(ready, dataDir);
}

/** The target of a running sandbox, from what its ready file says (the sandbox's own console uses this too). */
export function targetOfSandbox(ready: SandboxEndpoints, dataDir: string): Target {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sfn = new SFNClient({ endpoint: ready.sfnEndpoint, region: ready.region, credentials, maxAttempts: 2 });
  const s3 = localS3Client(ready.s3Endpoint);
  let storage: Storage | undefined;
  return {
    kind: 'sandbox',
    label: `sandbox (${dataDir})`,
    region: ready.region,
    stateMachineArn: ready.stateMachineArn,
    sfn,
    s3,
    storage: () => (storage ??= new Storage({ apiEndpoint: ready.gcsEndpoint, projectId: 'sandbox' })),
    destination: { bucket: ready.destinationBucket, prefix: ready.destinationPrefix, ...(ready.destinationLayout ? { layout: ready.destinationLayout } : {}) },
    sourceBucket: ready.sourceBucket,
    ...(ready.restoreBucket ? { restoreBucket: ready.restoreBucket } : {}),
    consoleUrl: (arn) => (ready.consoleUrl ? `${ready.consoleUrl}#execution?arn=${encodeURIComponent(arn)}` : `${ready.sfnEndpoint}${CONSOLE_PATH}${encodeURIComponent(arn)}`),
    expressExecutions: () => Promise.resolve(fromLocalLog(readExpressLog(join(dataDir, EXPRESS_LOG_FILE)))),
    close: () => {
      sfn.destroy();
      s3.destroy();
    },
  };
}

function awsTarget(opts: TargetOptions, io: Pick<CliIo, 'env' | 'cwd'>): Target {
  const stack = opts.stackOutputs ? readStackOutputs(resolvePath(opts.stackOutputs, io.cwd), opts.stack) : undefined;
  const outputs = stack?.outputs ?? {};
  const stateMachineArn = opts.stateMachineArn ?? outputs['StateMachineArn'];
  if (!stateMachineArn) throw usageError(`${opts.stackOutputs} has no StateMachineArn output`, 'Deploy the stack with `cdk deploy --outputs-file outputs.json`, or pass --state-machine-arn.');
  const m = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:[A-Za-z0-9_-]+$/.exec(stateMachineArn);
  if (!m) throw usageError(`not a state machine ARN: ${JSON.stringify(stateMachineArn)}`, 'It looks like arn:aws:states:eu-west-1:123456789012:stateMachine:backup-object');
  const region = opts.region ?? m[2]!;
  const credentials = opts.profile ? fromIni({ profile: opts.profile }) : undefined;
  const sfn = new SFNClient({ region, ...(credentials ? { credentials } : {}) });
  const s3 = new S3Client({ region, followRegionRedirects: true, ...(credentials ? { credentials } : {}) });
  const destinationText = opts.destination ?? io.env['S3GCS_DESTINATION'] ?? gcsFromOutputs(outputs);
  const backfillStateMachineArn = outputs['BackfillStateMachineArn'] ?? io.env['S3GCS_BACKFILL_STATE_MACHINE_ARN'];
  const fastPathLogGroupName = opts.fastPathLogGroup ?? outputs['FastPathLogGroupName'] ?? io.env['S3GCS_FAST_PATH_LOG_GROUP'];
  const logs = fastPathLogGroupName ? fastPathLogsClient(region, credentials) : undefined;
  let storage: Storage | undefined;
  return {
    kind: 'aws',
    label: stateMachineArn,
    region,
    stateMachineArn,
    sfn,
    s3,
    storage: () => (storage ??= new Storage()),
    ...(destinationText ? { destination: { ...parseGcsUrl(destinationText), ...layoutFromOutputs(outputs) } } : {}),
    ...(backfillStateMachineArn ? { backfillStateMachineArn } : {}),
    ...(stack ? { stack } : {}),
    consoleUrl: (arn) => `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${arn}`,
    ...(logs && fastPathLogGroupName ? { fastPathLogGroupName, expressExecutions: (query: ExpressLogQuery) => readFastPathLog(logs, fastPathLogGroupName, query) } : {}),
    close: () => {
      sfn.destroy();
      s3.destroy();
      logs?.destroy();
    },
  };
}

/** `cdk deploy --outputs-file` JSON: {StackName: {OutputKey: value}}. */
function readStackOutputs(path: string, stack: string | undefined): { name: string; outputs: Record<string, string> } {
  if (!existsSync(path)) throw usageError(`--stack-outputs ${path} does not exist`, 'Write it with `cdk deploy --outputs-file outputs.json`.');
  let parsed: Record<string, Record<string, string>>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, string>>;
  } catch {
    throw usageError(`--stack-outputs ${path} is not JSON`, 'Write it with `cdk deploy --outputs-file outputs.json`.');
  }
  const stacks = Object.keys(parsed).filter((name) => typeof parsed[name]?.['StateMachineArn'] === 'string');
  if (stack) {
    if (!parsed[stack]) throw usageError(`--stack ${stack} is not in ${path}`, `Stacks there: ${Object.keys(parsed).join(', ') || '(none)'}`);
    return { name: stack, outputs: parsed[stack] };
  }
  if (stacks.length === 1) return { name: stacks[0]!, outputs: parsed[stacks[0]!]! };
  throw usageError(
    stacks.length === 0 ? `${path} holds no stack with a StateMachineArn output` : `${path} holds several stages: ${stacks.join(', ')}`,
    stacks.length === 0 ? 'Deploy the backup stack with `cdk deploy --outputs-file outputs.json`.' : 'Choose one with --stack NAME.',
  );
}

function gcsFromOutputs(outputs: Record<string, string>): string | undefined {
  const bucket = outputs['DestinationBucket'];
  return bucket ? `gs://${bucket}/${outputs['DestinationPrefix'] ?? ''}` : undefined;
}

/** The stage's DestinationLayout output (the copiers' DEST_LAYOUT); stacks from before it had none. */
function layoutFromOutputs(outputs: Record<string, string>): { layout?: DestinationLayout } {
  const text = outputs['DestinationLayout'];
  if (text === undefined) return {};
  try {
    return { layout: readLayout({ DEST_LAYOUT: text }) };
  } catch (err) {
    throw usageError(`the stack output DestinationLayout is not a layout: ${(err as Error).message}`, 'Deploy the stack again with this version, or remove the output from the outputs file.');
  }
}

function resolvePath(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
