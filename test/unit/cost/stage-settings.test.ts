import { settingsFromTemplate, type CfnTemplate } from '../../../workflows/cost/stage-settings';

const lambda = (memory: number, env: Record<string, string> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { MemorySize: memory, Architectures: ['arm64'], Timeout: 30, Environment: { Variables: env } },
});

function template(): CfnTemplate {
  return {
    Resources: {
      PrepareFunction0E0008CA: lambda(256),
      DescribeFunctionFDE14533: lambda(256),
      SmallCopierFunction9BFB009A: lambda(1024),
      LargeCopierFunction09009D59: lambda(4096, { PART_SIZE_BYTES: String(16 * 1024 * 1024) }),
      IntakeStartExecutionsFunctionB706CE0C: lambda(256),
      IntakeStartExecutionsFunctionSqsEventSource1: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { BatchSize: 10 } },
      WorkflowStateMachine8F1B1C15: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false } },
      },
      HeavyTaskDefinition651AB749: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: { Cpu: '2048', Memory: '8192', RuntimePlatform: { CpuArchitecture: 'ARM64' }, ContainerDefinitions: [{ Environment: [{ Name: 'PART_SIZE_BYTES', Value: '33554432' }] }] },
      },
    },
  };
}
const config = { thresholds: { smallMaxBytes: 64, largeMaxBytes: 1024 }, storageClass: 'NEARLINE' };

it('expect tier memory, architecture and engine part sizes to come from the template', () => {
  const s = settingsFromTemplate('production', template(), config);
  expect(s.functions.small).toEqual({ memoryMiB: 1024, arch: 'arm64', timeoutSeconds: 30 });
  expect(s.functions.large.memoryMiB).toBe(4096);
  expect(s.heavy).toEqual({ vcpu: 2, memoryMiB: 8192, arch: 'arm64' });
  expect(s.partSizeBytes).toEqual({ small: 8 * 1024 * 1024, large: 16 * 1024 * 1024, heavy: 32 * 1024 * 1024 });
  expect(s.storageClass).toBe('NEARLINE');
  expect(s.intakeBatchSize).toBe(10);
  expect(s.stateMachineLogging).toEqual({ level: 'ERROR', includeExecutionData: false });
  expect(s.lambdaLogLevels).toEqual({ application: 'INFO', system: 'INFO' });
});

it("expect the Lambda log levels read from the Normalize function's LoggingConfig", () => {
  const t = template();
  Object.assign(t.Resources['PrepareFunction0E0008CA']!.Properties!, { LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' } });
  expect(settingsFromTemplate('production', t, config).lambdaLogLevels).toEqual({ application: 'INFO', system: 'WARN' });
});

it('expect express-first when the template has the fast path state machine, standard-only without it', () => {
  expect(settingsFromTemplate('production', template(), config).executionMode).toBe('standard-only');
  const t = template();
  t.Resources['FastPathStateMachine1234'] = { Type: 'AWS::StepFunctions::StateMachine', Properties: {} };
  expect(settingsFromTemplate('production', t, config).executionMode).toBe('express-first');
});

it('expect a missing copier function to fail naming it', () => {
  const t = template();
  delete t.Resources.SmallCopierFunction9BFB009A;
  expect(() => settingsFromTemplate('production', t, config)).toThrow('expected one AWS::Lambda::Function named SmallCopierFunction* in the production template, found 0');
});
