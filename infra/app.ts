import { App, Validations, type AppProps } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STAGES } from './config/stages';
import type { StageConfig, StageName } from './config/types';
import { validateSharedDestinations, validateStageConfig } from './config/validate';
import { BackupStack } from './stacks/backup-stack';

export interface BuildAppOptions {
  /** Stages to synthesize. (Default: the `stage` context value, `-c stage=NAME`, else every stage in `stages`) */
  readonly only?: readonly string[];
  /** (Default: infra/config/stages.ts) */
  readonly stages?: Readonly<Record<string, StageConfig>>;
  /** (Default: asl/backup-object.asl.json) */
  readonly definitionFile?: string;
  /** Passed to the App (outdir, context — tests skip bundling through `aws:cdk:bundling-stacks`). */
  readonly appProps?: AppProps;
}

/** Stack name of a stage, e.g. S3GcsBackup-staging. */
export const stackName = (stage: string): string => `S3GcsBackup-${stage}`;

/**
 * The CDK app: one BackupStack per selected stage, each configuration validated first, and cdk-nag's AwsSolutions
 * pack on everything — a finding without a written acknowledgement fails synth.
 */
export function buildApp(options: BuildAppOptions = {}): { app: App; stacks: BackupStack[] } {
  const stages = options.stages ?? STAGES;
  const app = new App(options.appProps);
  // Without this flag, a KMS-encrypted queue lets ANY account's EventBridge rules send to it; with it, only this account's.
  app.node.setContext(cxapi.EVENTS_TARGET_QUEUE_SAME_ACCOUNT, true);
  const contextStage: unknown = app.node.tryGetContext('stage');
  const only = options.only ?? (typeof contextStage === 'string' ? [contextStage] : Object.keys(stages));
  const unknown = only.filter((name) => !(name in stages));
  if (unknown.length > 0) {
    throw new Error(`Unknown stage ${unknown.map((n) => `"${n}"`).join(', ')}; stages are: ${Object.keys(stages).join(', ')} (infra/config/stages.ts)`);
  }
  // Every stage, not only those synthesized: a stage deployed earlier still writes into a shared destination.
  validateSharedDestinations(stages);
  const stacks = only.map((name) => {
    const config = validateStageConfig(stages[name as StageName] as StageConfig);
    return new BackupStack(app, stackName(name), {
      config,
      definitionFile: options.definitionFile,
      description: `s3-gcs-backup (${name}): backs up S3 objects into Google Cloud Storage, one Step Functions execution per object`,
      ...((config.account || config.region) && { env: { account: config.account, region: config.region } }),
    });
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}
