import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FAST_PATH_ASL } from '../../../../infra/paths';
import { buildTestApp, TEST_STAGE } from '../support';

type Resource = { Type: string; Properties: Record<string, unknown> };

let express: Template;
let standardOnly: Template;

beforeAll(() => {
  express = Template.fromStack(buildTestApp({ stages: { staging: TEST_STAGE } }).stacks[0]!);
  standardOnly = Template.fromStack(buildTestApp({ stages: { staging: { ...TEST_STAGE, executionMode: 'standard-only' } } }).stacks[0]!);
});

/** Template assertions under a name the lint rule recognizes as an assertion. */
const expectResource = (t: Template, type: string, props: unknown) => t.hasResourceProperties(type, props);
const resourcesOf = (t: Template): Record<string, Resource> => t.toJSON().Resources;
const idOf = (t: Template, type: string, prefix: string): string => {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, got ${ids.join(', ')}`);
  return ids[0]!;
};
const starterEnvironment = (t: Template): Record<string, unknown> => {
  const fn = Object.values(resourcesOf(t)).find((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('STATE_MACHINE_ARN'));
  return (fn!.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
};

describe('express-first (the default)', () => {
  it('expect an Express state machine whose definition is asl/fast-path.asl.json, inline', () => {
    expectResource(express, 'AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS', DefinitionString: fs.readFileSync(FAST_PATH_ASL, 'utf8') });
  });

  it('expect level ALL with execution data to a KMS-encrypted log group with the stage retention', () => {
    expectResource(express, 'AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [idOf(express, 'AWS::Logs::LogGroup', 'FastPathLogs'), 'Arn'] } } }] },
    });
    expectResource(express, 'AWS::Logs::LogGroup', {
      RetentionInDays: TEST_STAGE.logRetentionDays,
      KmsKeyId: { 'Fn::GetAtt': [idOf(express, 'AWS::KMS::Key', 'FastPathLogKey'), 'Arn'] },
    });
  });

  it('expect the intake to start the Express machine', () => {
    expect(starterEnvironment(express)['STATE_MACHINE_ARN']).toEqual({ Ref: idOf(express, 'AWS::StepFunctions::StateMachine', 'FastPath') });
  });

  it('expect the hand-off to name the Standard machine, which only the fast path role may start from it', () => {
    const machine = resourcesOf(express)[idOf(express, 'AWS::StepFunctions::StateMachine', 'FastPath')]!;
    const workflow = idOf(express, 'AWS::StepFunctions::StateMachine', 'Workflow');
    expect((machine.Properties['DefinitionSubstitutions'] as Record<string, unknown>)['BackupStateMachineArn']).toEqual({ Ref: workflow });
    expectResource(express, 'AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'HandOffToTheStandardMachine', Action: 'states:StartExecution', Resource: { Ref: workflow } })]) },
      Roles: [{ Ref: idOf(express, 'AWS::IAM::Role', 'FastPathRole') }],
    });
  });

  it('expect an alarm on fast path executions that failed or timed out (no status-change event reports them)', () => {
    expectResource(express, 'AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('^Fast path \\(Express\\) executions failed') });
  });
});

describe('standard-only', () => {
  it('expect no Express machine and the intake to start the Standard machine', () => {
    expect(Object.keys(standardOnly.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: 'EXPRESS' } }))).toEqual([]);
    expect(starterEnvironment(standardOnly)['STATE_MACHINE_ARN']).toEqual({ Ref: idOf(standardOnly, 'AWS::StepFunctions::StateMachine', 'Workflow') });
  });
});
