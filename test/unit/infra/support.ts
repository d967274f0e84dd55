import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAGES } from '../../../infra/config/stages';
import type { StageConfig } from '../../../infra/config/types';
import { buildApp, type BuildAppOptions } from '../../../infra/app';

/**
 * Builds the CDK app for tests: no esbuild bundling (the asset hash is faked; `npx cdk synth` bundles for real), no
 * built-in CloudFormation lint, and a throwaway output directory. Synthesis costs seconds, so each test file builds once in beforeAll.
 */
export function buildTestApp(options: Omit<BuildAppOptions, 'appProps'> & { context?: Record<string, unknown> } = {}) {
  const { context, ...appOptions } = options;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  // The built-in CloudFormation lint costs ~3 s per synth; `npx cdk synth` still runs it.
  return buildApp({
    ...appOptions,
    appProps: { outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [], ...context } },
  });
}

/** A deployment exercising most options: an existing bucket with prefixes and an SSE-KMS key, plus a created one. */
export const TEST_STAGE: StageConfig = {
  ...STAGES.staging,
  sourceBuckets: [
    { name: 'existing-data', prefixes: ['invoices/', 'photos/'], kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    { name: 'created-by-the-stack', create: true },
  ],
  alerts: { email: 'ops@example.com', maxQueueAgeSeconds: 600 },
};

/** Names of the states whose Parameters use `${substitution}`. */
export function statesUsing(definition: AslDefinition, substitution: string): string[] {
  return Object.entries(definition.States)
    .filter(([, state]) => JSON.stringify(state.Parameters ?? {}).includes(`\${${substitution}}`))
    .map(([name]) => name);
}

export interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  Parameters?: Record<string, unknown>;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}
