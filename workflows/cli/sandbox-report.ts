import { relative } from 'node:path';
import { destinationObjectName } from '../backup/keys';
import type { DemoResult } from '../local/sandbox/demo';
import type { Sandbox } from '../local/sandbox/sandbox';
import { CONSOLE_PATH } from '../local/sfn-api/server';
import { formatTimeline } from '../local/timeline';
import { formatBytes, table } from './io';
import { formatDuration } from './time-window';

/** Presentation of the sandbox: the banner with endpoints and copy-paste commands, demo timelines and the summary. */

export function readyLine(sb: Sandbox): Record<string, string> {
  return {
    s3Endpoint: sb.s3Endpoint,
    gcsEndpoint: sb.gcsEndpoint,
    sfnEndpoint: sb.sfnEndpoint,
    sourceBucket: sb.sourceBucket,
    destinationBucket: sb.destinationBucket,
    destinationPrefix: sb.destinationPrefix,
    stateMachineArn: sb.stateMachineArn,
    ...(sb.fastPathStateMachineArn ? { fastPathStateMachineArn: sb.fastPathStateMachineArn } : {}),
    region: sb.region,
    dataDir: sb.dataDir,
    ...(sb.consoleUrl ? { consoleUrl: sb.consoleUrl } : {}),
  };
}

/** `--sandbox`, or `--data-dir DIR` when the sandbox does not use the default directory. */
export function targetFlag(sb: Sandbox, defaultDir: string, cwd: string): string {
  return sb.dataDir === defaultDir ? '--sandbox' : `--data-dir ${shellWord(relative(cwd, sb.dataDir) || '.')}`;
}

export function banner(sb: Sandbox, flag: string): string {
  const tryKey = 'try/README.md';
  const target = { bucket: sb.destinationBucket, prefix: sb.destinationPrefix, ...(sb.destinationLayout ? { layout: sb.destinationLayout } : {}) };
  const gcsName = destinationObjectName(target, sb.sourceBucket, tryKey);
  const media = `${sb.gcsEndpoint}/storage/v1/b/${sb.destinationBucket}/o/${encodeURIComponent(gcsName)}`;
  return [
    sb.fastPathStateMachineArn
      ? 's3-gcs-backup sandbox: S3 -> start-executions -> Express fast path (asl/fast-path.asl.json), hand-offs to Standard (asl/backup-object.asl.json) -> GCS, on 127.0.0.1'
      : 's3-gcs-backup sandbox: S3 -> start-executions -> Step Functions (asl/backup-object.asl.json) -> GCS, on 127.0.0.1',
    '',
    `  S3 endpoint              ${sb.s3Endpoint}   source bucket  ${sb.sourceBucket}`,
    `  GCS endpoint (JSON API)  ${sb.gcsEndpoint}   backup bucket  ${sb.destinationBucket}`,
    `  Step Functions endpoint  ${sb.sfnEndpoint}   state machine  ${sb.stateMachineArn}`,
    ...(sb.fastPathStateMachineArn ? [`  Fast path (Express)      ${sb.fastPathStateMachineArn} (executions in express-executions.jsonl)`] : []),
    `  Web console              ${sb.consoleUrl ?? '(not served)'}   executions, graphs, events, objects`,
    `  Executions as text       ${sb.sfnEndpoint}${CONSOLE_PATH}`,
    `  Data directory           ${sb.dataDir} (${sb.ephemeral ? 'ephemeral: objects, queue and executions in memory; ' : 'S3 and GCS objects, intake queue, executions, '}alerts.jsonl, intake.log)`,
    '',
    'Try it (another terminal):',
    '  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1',
    `  aws s3 cp ./README.md s3://${sb.sourceBucket}/${tryKey} --endpoint-url ${sb.s3Endpoint}`,
    '  # read the copy back: bytes, then its metadata (provenance: s3-etag, s3-size, s3-crc32c…)',
    `  curl -s '${media}?alt=media'`,
    `  curl -s '${media}'`,
    `  STORAGE_EMULATOR_HOST=${sb.gcsEndpoint} npx node -e "new (require('@google-cloud/storage').Storage)().bucket('${sb.destinationBucket}').file('${gcsName}').download().then(([b]) => console.log(String(b)))"`,
    `  rclone ls :gcs:${sb.destinationBucket} --gcs-endpoint ${sb.gcsEndpoint}/storage/v1/ --gcs-anonymous --gcs-no-check-bucket`,
    '  # operate it with the same commands as a deployed stage',
    `  npm run s3gcs -- executions ${flag}`,
    `  npm run s3gcs -- history ${flag} s3://${sb.sourceBucket}/${tryKey}`,
    `  npm run s3gcs -- replay ${flag} s3://${sb.sourceBucket}/${tryKey} --wait`,
    `  npm run s3gcs -- verify ${flag} s3://${sb.sourceBucket}`,
    `  aws stepfunctions list-executions --endpoint-url ${sb.sfnEndpoint} --state-machine-arn ${sb.stateMachineArn}`,
  ].join('\n');
}

export function demoResultText(r: DemoResult, index: number, total: number): string {
  const lines = [`-- demo ${index + 1}/${total}: ${r.case.title}: s3 key ${JSON.stringify(shortKey(r.case.key))} (${formatBytes(r.case.bytes)})`];
  const path = { 'fast path': 'Finished on the Express fast path:', 'handed off': 'Handed off by the fast path to the Standard machine:', standard: 'Standard execution:' }[r.path];
  lines.push(path, r.timeline ? formatTimeline(r.timeline) : `${r.status}${r.error ? ` ${r.error}` : ''}`);
  for (const alert of r.alerts) {
    lines.push('Alert published:', ...alert.message.split('\n').map((l) => `  | ${l}`));
  }
  lines.push(r.asExpected ? 'As expected.' : `UNEXPECTED: ${r.mismatch}`);
  return lines.join('\n');
}

export interface SummaryRow {
  key: string;
  /** Where the backup finished: the Express fast path, the Standard machine after a hand-off, or Standard alone. */
  path: string;
  outcome: string;
  tier: string;
  bytes: number;
  mbPerSecond?: number;
  durationMs: number;
  executionArn: string;
  asExpected: boolean;
  mismatch?: string;
}

export function summaryRows(results: DemoResult[]): SummaryRow[] {
  return results.map((r) => {
    const copyMs = r.outcome?.durationMs;
    const bytes = r.outcome?.bytes ?? 0;
    return {
      key: r.case.key,
      path: r.path,
      outcome: r.outcome?.outcome ?? `${r.status} ${r.error ?? ''}`.trim(),
      tier: r.outcome?.tier ?? '-',
      bytes: r.outcome ? bytes : r.case.bytes,
      ...(copyMs && bytes > 0 ? { mbPerSecond: Math.round((bytes / 1e6 / (copyMs / 1000)) * 10) / 10 } : {}),
      durationMs: r.durationMs,
      executionArn: r.executionArn,
      asExpected: r.asExpected,
      ...(r.mismatch ? { mismatch: r.mismatch } : {}),
    };
  });
}

export function summaryTable(rows: SummaryRow[]): string {
  return table(
    ['KEY', 'OUTCOME', 'TIER', 'BYTES', 'MB/s', 'DURATION', 'EXPECTED?'],
    rows.map((r) => [
      shortKey(r.key),
      r.outcome,
      r.tier,
      formatBytes(r.bytes),
      r.mbPerSecond === undefined ? '-' : r.mbPerSecond.toFixed(1),
      formatDuration(r.durationMs),
      r.asExpected ? 'yes' : `NO: ${r.mismatch}`,
    ]),
  );
}

/** A key short enough for one line of a table: long ones keep their start and end and say how long they are. */
export function shortKey(key: string): string {
  return key.length <= 60 ? key : `${key.slice(0, 24)}…${key.slice(-8)} (${Buffer.byteLength(key, 'utf8')} bytes)`;
}

function shellWord(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
