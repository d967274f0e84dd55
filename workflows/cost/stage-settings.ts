import type { GcsStorageClassName } from './prices';

/** What the cost model needs from a deployed stage, read from its synthesized CloudFormation template. */
export interface StageCostSettings {
  stage: string;
  functions: Record<'prepare' | 'describe' | 'small' | 'large' | 'starter', { memoryMiB: number; arch: 'arm64' | 'x86_64'; timeoutSeconds: number }>;
  heavy: { vcpu: number; memoryMiB: number; arch: 'arm64' | 'x86_64' };
  thresholds: { smallMaxBytes: number; largeMaxBytes: number };
  /** Engine part size per tier (ranged GETs per object), bytes. */
  partSizeBytes: Record<'small' | 'large' | 'heavy', number>;
  storageClass: GcsStorageClassName;
  /** Messages per start-executions invocation (the SQS event source's BatchSize). */
  intakeBatchSize: number;
  /** The backup state machine's LoggingConfiguration: only level ALL logs the events of an execution that succeeds. */
  stateMachineLogging: { level: string; includeExecutionData: boolean };
  /** Our functions' Lambda log-level filtering (the Normalize function's; the stack sets all alike). */
  lambdaLogLevels: { application: string; system: string };
  /** Whether the intake starts the Express fast path (a FastPath state machine in the template) or the Standard one. */
  executionMode: 'express-first' | 'standard-only';
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

/** Logical-ID prefixes of the stack's functions (construct ids in infra/stacks/backup-stack.ts and intake.ts). */
const FUNCTION_IDS = {
  prepare: 'PrepareFunction',
  describe: 'DescribeFunction',
  small: 'SmallCopierFunction',
  large: 'LargeCopierFunction',
  starter: 'IntakeStartExecutionsFunction',
} as const;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** Reads the settings from a synthesized template plus the stage's validated thresholds and storage class. */
export function settingsFromTemplate(
  stage: string,
  template: CfnTemplate,
  config: { thresholds: { smallMaxBytes: number; largeMaxBytes: number }; storageClass?: string },
): StageCostSettings {
  const resources = Object.entries(template.Resources);
  const find = (prefix: string, type: string): Record<string, unknown> => {
    const hits = resources.filter(([id, r]) => id.startsWith(prefix) && r.Type === type);
    if (hits.length !== 1) throw new Error(`expected one ${type} named ${prefix}* in the ${stage} template, found ${hits.length}`);
    return hits[0]![1].Properties ?? {};
  };
  const fn = (prefix: string) => {
    const p = find(prefix, 'AWS::Lambda::Function');
    const archs = (p.Architectures as string[] | undefined) ?? ['x86_64'];
    return { memoryMiB: Number(p.MemorySize ?? 128), arch: archs[0] === 'arm64' ? ('arm64' as const) : ('x86_64' as const), timeoutSeconds: Number(p.Timeout ?? 3) };
  };
  const env = (prefix: string): Record<string, string> => {
    const p = find(prefix, 'AWS::Lambda::Function');
    return ((p.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}) as Record<string, string>;
  };
  const task = find('HeavyTaskDefinition', 'AWS::ECS::TaskDefinition');
  const container = ((task.ContainerDefinitions as { Environment?: { Name: string; Value: string }[] }[] | undefined) ?? [])[0];
  const heavyEnv = Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
  const platform = task.RuntimePlatform as { CpuArchitecture?: string } | undefined;
  const logging = find('WorkflowStateMachine', 'AWS::StepFunctions::StateMachine').LoggingConfiguration as
    | { Level?: string; IncludeExecutionData?: boolean }
    | undefined;
  // Lambda's defaults with the JSON format: INFO for both.
  const lambdaLogging = (find(FUNCTION_IDS.prepare, 'AWS::Lambda::Function').LoggingConfig ?? {}) as { ApplicationLogLevel?: string; SystemLogLevel?: string };
  const mapping = resources.find(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')?.[1].Properties ?? {};
  const part = (vars: Record<string, string>): number => Number(vars.PART_SIZE_BYTES ?? DEFAULT_PART_SIZE);
  return {
    stage,
    functions: {
      prepare: fn(FUNCTION_IDS.prepare),
      describe: fn(FUNCTION_IDS.describe),
      small: fn(FUNCTION_IDS.small),
      large: fn(FUNCTION_IDS.large),
      starter: fn(FUNCTION_IDS.starter),
    },
    heavy: {
      vcpu: Number(task.Cpu) / 1024,
      memoryMiB: Number(task.Memory),
      arch: platform?.CpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64',
    },
    thresholds: config.thresholds,
    partSizeBytes: { small: part(env(FUNCTION_IDS.small)), large: part(env(FUNCTION_IDS.large)), heavy: part(heavyEnv) },
    storageClass: (config.storageClass ?? 'STANDARD') as GcsStorageClassName,
    intakeBatchSize: Number(mapping.BatchSize ?? 10),
    lambdaLogLevels: { application: lambdaLogging.ApplicationLogLevel ?? 'INFO', system: lambdaLogging.SystemLogLevel ?? 'INFO' },
    stateMachineLogging: { level: String(logging?.Level ?? 'OFF'), includeExecutionData: logging?.IncludeExecutionData === true },
    executionMode: resources.some(([id, r]) => id.startsWith('FastPathStateMachine') && r.Type === 'AWS::StepFunctions::StateMachine') ? 'express-first' : 'standard-only',
  };
}
