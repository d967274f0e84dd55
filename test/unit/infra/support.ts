import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAGES } from '../../../infra/config/stages';
import type { StageConfig } from '../../../infra/config/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Template } from 'aws-cdk-lib/assertions';
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

/** How an environment-agnostic template names a bucket the stack creates (createdBucketName): name-<account>-<region>. */
export function createdBucketNameInTemplate(name: string): unknown {
  return { 'Fn::Join': ['', [`${name}-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] };
}

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

/**
 * The line the heavy task prints (handlers/heavy-task.ts) for `print`, from a Metrics instance configured as the
 * task definition's environment configures it, with that environment.
 */
export function heavyTaskLine(template: Template, print: (sink: Metrics) => void): { environment: Record<string, unknown>; line: Record<string, unknown> } {
  const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as { Properties: Record<string, unknown> }[];
  const environment = Object.fromEntries(
    (task!.Properties['ContainerDefinitions'] as { Environment: { Name: string; Value: unknown }[] }[])[0]!.Environment.map((e) => [e.Name, e.Value]),
  );
  const printed: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => printed.push(String(chunk)) > 0);
  try {
    print(new Metrics({ namespace: String(environment['POWERTOOLS_METRICS_NAMESPACE']), serviceName: String(environment['POWERTOOLS_SERVICE_NAME']) }));
  } finally {
    write.mockRestore();
  }
  return { environment, line: JSON.parse(printed.join('')) as Record<string, unknown> };
}

export type TemplateResource = { Type: string; Properties: Record<string, unknown> };
export type PolicyStatementJson = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

export const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, TemplateResource>;

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export const idOf = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, got ${ids.join(', ')}`);
  return ids[0]!;
};

/** Every statement of every policy attached to the role. */
export const statementsOf = (template: Template, roleId: string): PolicyStatementJson[] =>
  Object.values(resourcesOf(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['Roles']).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: PolicyStatementJson[] }).Statement);

export const actionsOf = (s: PolicyStatementJson): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
