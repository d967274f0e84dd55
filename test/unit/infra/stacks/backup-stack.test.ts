import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BACKUP_OBJECT_ASL } from '../../../../infra/paths';
import { publishCopyMetrics } from '../../../../workflows/metrics';
import { buildTestApp, createdBucketNameInTemplate, heavyTaskLine, statesUsing, TEST_STAGE, type AslDefinition, type AslState } from '../support';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

let template: Template;
let resources: Record<string, Resource>;
let definition: AslDefinition;
let substitutions: Record<string, unknown>;

beforeAll(() => {
  const { stacks } = buildTestApp({ stages: { staging: TEST_STAGE } });
  template = Template.fromStack(stacks[0]!);
  resources = template.toJSON().Resources;
  const machine = resources[logicalIdOf('AWS::StepFunctions::StateMachine', 'Workflow')];
  definition = JSON.parse(machine!.Properties['DefinitionString'] as string);
  substitutions = machine!.Properties['DefinitionSubstitutions'] as Record<string, unknown>;
});

/** Template assertions under names the lint rule recognizes as assertions. */
const expectResource = (type: string, props: unknown) => template.hasResourceProperties(type, props);
const expectResourceCount = (type: string, count: number) => template.resourceCountIs(type, count);
const logicalIdOf = (type: string, pathPart: string): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(pathPart));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${pathPart}, got ${ids.join(', ')}`);
  return ids[0]!;
};
const statementsOf = (roleId: string): Statement[] =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['Roles']).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const stateInvoking = (substitution: string): AslState => {
  const [name] = statesUsing(definition, substitution);
  return definition.States[name!]!;
};
/** Follows Next through Pass states until a state that does work. */
const landsOn = (stateName: string): string => {
  let name = stateName;
  while (definition.States[name]?.Type === 'Pass' && definition.States[name]?.Next) name = definition.States[name]!.Next!;
  return name;
};

describe('state machine', () => {
  it('expect a Standard state machine whose definition is the ASL file, inline', () => {
    expectResource('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionString: fs.readFileSync(BACKUP_OBJECT_ASL, 'utf8'),
    });
  });

  it('expect logging to a log group with retention (level: no-silent-drops.test.ts), and X-Ray tracing', () => {
    expectResource('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf('AWS::Logs::LogGroup', 'WorkflowLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    expectResource('AWS::Logs::LogGroup', {
      // Retained, so its name ends with the stack's ID: a redeploy after a stack delete gets a new one (redeploy.test.ts).
      LogGroupName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^/aws/vendedlogs/states/.+-$'), { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] },
      RetentionInDays: TEST_STAGE.logRetentionDays,
    });
  });

  it('expect each copy step to retry TransientError with exponential backoff, full jitter and a max delay', () => {
    for (const substitution of ['SmallCopyFunctionArn', 'LargeCopyFunctionArn', 'HeavyTaskDefinitionArn']) {
      const retry = stateInvoking(substitution).Retry?.find((r) => r.ErrorEquals.includes('TransientError'));
      expect({ substitution, retry }).toEqual({
        substitution,
        retry: expect.objectContaining({
          BackoffRate: expect.any(Number),
          JitterStrategy: 'FULL',
          MaxDelaySeconds: expect.any(Number),
          MaxAttempts: expect.any(Number),
        }),
      });
      expect(retry!.BackoffRate).toBeGreaterThan(1);
    }
  });

  it('expect escalation small → large → heavy when a tier runs out of memory, time or capacity', () => {
    const escalationTarget = (substitution: string, error: string) => {
      const catcher = stateInvoking(substitution).Catch?.find((c) => c.ErrorEquals.includes(error));
      return catcher && landsOn(catcher.Next);
    };
    const [large] = statesUsing(definition, 'LargeCopyFunctionArn');
    const [heavy] = statesUsing(definition, 'HeavyTaskDefinitionArn');
    const [slot] = statesUsing(definition, 'HeavySlotFunctionArn');
    expect(definition.States[slot!]!.Next).toBe(heavy);
    for (const error of ['TierCapacityExceeded', 'States.Timeout', 'Runtime.OutOfMemory']) {
      expect(escalationTarget('SmallCopyFunctionArn', error)).toBe(large);
      expect(escalationTarget('LargeCopyFunctionArn', error)).toBe(slot);
    }
  });

  it('expect no Catch to route a copier\'s final error anywhere: the execution fails at the copier, and nothing publishes from inside', () => {
    for (const name of ['SmallCopyFunctionArn', 'LargeCopyFunctionArn', 'HeavyTaskDefinitionArn']) {
      for (const c of stateInvoking(name).Catch ?? []) {
        expect(c.ErrorEquals).not.toContain('States.ALL');
        expect(definition.States[c.Next]!.Type).not.toBe('Fail');
      }
    }
    expect(Object.values(definition.States).map((s) => s.Resource)).not.toContain('arn:aws:states:::sns:publish');
    expect(Object.keys(definition.States).filter((n) => definition.States[n]!.Type === 'Fail')).toEqual(['Reject the delete policy setting']);
  });

  it('expect Lambda throttling and service errors to be retried for minutes in place, never escalated', () => {
    const lambdaErrors = ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'];
    for (const substitution of ['SmallCopyFunctionArn', 'LargeCopyFunctionArn', 'HeavySlotFunctionArn', 'PrepareFunctionArn']) {
      const state = stateInvoking(substitution);
      for (const error of lambdaErrors) {
        const retry = state.Retry?.find((r) => r.ErrorEquals.includes(error));
        expect({ substitution, error, jitter: retry?.JitterStrategy }).toEqual({ substitution, error, jitter: 'FULL' });
        // The longest wait: every pause at its cap (full jitter waits a random part of it).
        let budget = 0;
        for (let n = 0; n < retry!.MaxAttempts!; n++) budget += Math.min(retry!.IntervalSeconds! * retry!.BackoffRate! ** n, retry!.MaxDelaySeconds!);
        expect(budget).toBeGreaterThanOrEqual(300);
        const escalation = state.Catch?.find((c) => c.ErrorEquals.includes(error));
        expect(escalation).toBeUndefined();
      }
    }
  });

  it('expect reserved concurrency on the copiers and the heavy-slot check, and ecs:ListTasks scoped to the heavy cluster', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const reserved = Object.values(functions)
      .map((f) => (f as { Properties: { ReservedConcurrentExecutions?: number; Description?: string } }).Properties)
      .filter((p) => p.ReservedConcurrentExecutions !== undefined)
      .map((p) => [p.Description, p.ReservedConcurrentExecutions]);
    expect(reserved).toEqual(
      expect.arrayContaining([
        ['Copies objects to GCS (small tier)', expect.any(Number)],
        ['Copies objects to GCS (large tier)', expect.any(Number)],
        ['Waits until fewer heavy tasks run than the stage allows', 1],
      ]),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ecs:ListTasks', Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [logicalIdOf('AWS::ECS::Cluster', 'HeavyCluster'), 'Arn'] } } } }),
        ]),
      },
    });
  });

  it('expect every Lambda step to invoke a published alias, and the role to invoke only those aliases', () => {
    const aliasIds = Object.keys(template.findResources('AWS::Lambda::Alias'));
    for (const name of ['PrepareFunctionArn', 'DescribeFunctionArn', 'SmallCopyFunctionArn', 'LargeCopyFunctionArn', 'DeleteFunctionArn']) {
      const value = substitutions[name] as { Ref?: string };
      expect({ name, isAlias: aliasIds.includes(value.Ref ?? '') }).toEqual({ name, isAlias: true });
    }
    const invoke = statementsOf(logicalIdOf('AWS::IAM::Role', 'WorkflowRole')).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    for (const resource of resourcesOf(invoke[0]!)) expect(aliasIds).toContain((resource as { Ref: string }).Ref);
  });

  it('expect the heavy step to run this task definition on this cluster in public subnets with a public IP', () => {
    expect(substitutions['HeavyClusterArn']).toEqual({ 'Fn::GetAtt': [logicalIdOf('AWS::ECS::Cluster', 'HeavyCluster'), 'Arn'] });
    expect(substitutions['HeavyTaskDefinitionArn']).toEqual({ Ref: logicalIdOf('AWS::ECS::TaskDefinition', 'HeavyTaskDefinition') });
    expect(substitutions['HeavyAssignPublicIp']).toBe('ENABLED');
    const subnets = JSON.stringify(substitutions['HeavySubnetIds']);
    expect(subnets).toMatch(/PublicSubnet1/);
    expect(subnets).not.toMatch(/Private|Isolated/);
    const runTask = statementsOf(logicalIdOf('AWS::IAM::Role', 'WorkflowRole')).find((s) => actionsOf(s).includes('ecs:RunTask'));
    expect(runTask).toMatchObject({
      Resource: { Ref: logicalIdOf('AWS::ECS::TaskDefinition', 'HeavyTaskDefinition') },
      Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [logicalIdOf('AWS::ECS::Cluster', 'HeavyCluster'), 'Arn'] } } },
    });
  });

  it('expect the workflow role to run tasks without tagging them (the ASL propagates no tags)', () => {
    const ecsActions = statementsOf(logicalIdOf('AWS::IAM::Role', 'WorkflowRole'))
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('ecs:'));
    expect(ecsActions).toEqual(['ecs:RunTask']);
    expect(JSON.stringify(definition)).not.toMatch(/PropagateTags|EnableECSManagedTags/);
  });

  it('expect the settings substituted from the stage configuration', () => {
    expect(substitutions).toMatchObject({
      SmallMaxBytes: String(TEST_STAGE.thresholds.smallMaxBytes),
      LargeMaxBytes: String(TEST_STAGE.thresholds.largeMaxBytes),
      DeletePolicy: TEST_STAGE.deletePolicy ?? 'retain',
      HeavyContainerName: 'copier',
    });
  });
});

describe('alerts from outside the execution', () => {
  const machineRef = () => ({ Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'Workflow') });

  it('expect a rule on this state machine\'s FAILED, TIMED_OUT and ABORTED status changes, targeting the alert function with retries and a DLQ', () => {
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties['EventPattern']).includes('aws.states'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties as { EventPattern: unknown; Targets: Record<string, unknown>[] };
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [machineRef()], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0]).toMatchObject({
      Arn: { Ref: logicalIdOf('AWS::Lambda::Alias', 'ExecutionAlertsFunctionLive') },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'ExecutionAlertsDeadLetters'), 'Arn'] } },
    });
  });

  it('expect the alert function to read this machine\'s executions, publish to the topic, and know the flood settings', () => {
    const fn = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties['Environment'] ?? {}).includes('FLOOD_MAX_ALERTS'),
    )!;
    expect((fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      ALERT_TOPIC_ARN: { Ref: logicalIdOf('AWS::SNS::Topic', 'AlertsTopic') },
      FLOOD_MAX_ALERTS: '20',
      FLOOD_WINDOW_SECONDS: '300',
    });
    const statements = statementsOf(logicalIdOf('AWS::IAM::Role', 'ExecutionAlertsFunctionRole'));
    const allowed = statements.flatMap(actionsOf);
    expect(allowed).toEqual(expect.arrayContaining(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:ListExecutions', 'sns:Publish', 'kms:GenerateDataKey']));
    expect(allowed.filter((a) => a.startsWith('states:')).sort()).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:ListExecutions']);
    const list = statements.find((st) => actionsOf(st).includes('states:ListExecutions'))!;
    expect(list.Resource).toEqual(machineRef());
    // Execution ARNs read arn:…:execution:<machine name>:<execution name>, not the machine ARN with a suffix.
    const read = statements.find((st) => actionsOf(st).includes('states:DescribeExecution'))!;
    const machineName = { 'Fn::GetAtt': [machineRef().Ref, 'Name'] };
    expect(JSON.stringify(read.Resource)).toContain(`":execution:",${JSON.stringify(machineName)},":*"`);
    expect(JSON.stringify(read.Resource)).not.toContain(JSON.stringify(machineRef()));
  });

  it('expect an alarm on the alert DLQ that notifies the topic', () => {
    expectResource('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'ExecutionAlertsDeadLetters'), 'QueueName'] } }],
      AlarmActions: [{ Ref: logicalIdOf('AWS::SNS::Topic', 'AlertsTopic') }],
    });
  });

  it('expect the state machine role no longer to publish alerts itself', () => {
    expect(statementsOf(logicalIdOf('AWS::IAM::Role', 'WorkflowRole')).flatMap(actionsOf)).not.toContain('sns:Publish');
  });
});

describe('outputs the CLI reads (workflows/cli/target.ts)', () => {
  it('expect the backfill state machine, the destination bucket and its prefix', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs['BackfillStateMachineArn']?.Value).toEqual({ Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'Backfill') });
    expect(outputs['DestinationBucket']?.Value).toBe(TEST_STAGE.destination.bucket);
    expect(outputs['DestinationPrefix']?.Value).toBe(TEST_STAGE.destination.prefix);
  });

  it('expect the destination layout, the one every copier is given', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.parse(outputs['DestinationLayout']?.Value as string)).toEqual({ kind: 'by-source-bucket' });
  });

  it('expect no DestinationPrefix output when the stage has no prefix (CloudFormation refuses an empty value)', () => {
    const { stacks } = buildTestApp({ stages: { staging: { ...TEST_STAGE, destination: { bucket: 'flat-backup' } } } });
    const outputs = Template.fromStack(stacks[0]!).toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs['DestinationBucket']?.Value).toBe('flat-backup');
    expect(outputs).not.toHaveProperty('DestinationPrefix');
  });
});

describe('destination names', () => {
  it("expect every function and the heavy task that name objects to get the stage's layout, a bucket's own prefix included", () => {
    const sourceBuckets = [TEST_STAGE.sourceBuckets[0]!, { ...TEST_STAGE.sourceBuckets[1]!, destinationPrefix: 'created/' }];
    const env = { account: '111122223333', region: 'eu-west-1' };
    const { stacks } = buildTestApp({ stages: { staging: { ...TEST_STAGE, ...env, sourceBuckets } } });
    const t = Template.fromStack(stacks[0]!);
    // The created bucket is keyed by its physical name, the one its events carry.
    const layout = JSON.stringify({ kind: 'by-source-bucket', bucketPrefixes: { 'created-by-the-stack-111122223333-eu-west-1': 'created/' } });
    const lambdaEnvs = Object.values(t.findResources('AWS::Lambda::Function')).map(
      (r) => ((r as Resource).Properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    );
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as Resource[];
    const [container] = task!.Properties['ContainerDefinitions'] as { Environment: { Name: string; Value: string }[] }[];
    const naming = [...lambdaEnvs, Object.fromEntries(container!.Environment.map((e) => [e.Name, e.Value]))].filter((env) => 'DEST_BUCKET' in env);
    expect(naming.length).toBeGreaterThanOrEqual(5); // prepare, describe, small, large, heavy
    for (const env of naming) expect(env['DEST_LAYOUT']).toBe(layout);
  });

  it('expect stages whose sources would share destination names refused at synth, naming both', () => {
    const production = { ...TEST_STAGE, stage: 'production' as const };
    expect(() => buildTestApp({ stages: { staging: TEST_STAGE, production } })).toThrow(
      /stage "staging" source bucket "existing-data" and stage "production" source bucket "existing-data" both write under/,
    );
  });
});

describe('intake', () => {
  it('expect a KMS-encrypted queue with a DLQ after 5 receives and 14-day retention', () => {
    const dlq = logicalIdOf('AWS::SQS::Queue', 'IntakeDeadLetters');
    const key = logicalIdOf('AWS::KMS::Key', 'IntakeKey');
    expectResource('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(resources[dlq]!.Properties).toMatchObject({ KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] }, MessageRetentionPeriod: 1209600 });
    expectResource('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('expect both queues to refuse requests without TLS', () => {
    for (const queue of [logicalIdOf('AWS::SQS::Queue', 'IntakeQueue'), logicalIdOf('AWS::SQS::Queue', 'IntakeDeadLetters')]) {
      expectResource('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('expect the starter alias to consume the queue with partial batch failures and capped concurrency', () => {
    expectResource('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'IntakeQueue'), 'Arn'] },
      // The function name from the alias ARN, qualified with the alias: 'name:live'.
      FunctionName: {
        'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalIdOf('AWS::Lambda::Alias', 'IntakeStartExecutionsLive') }] }] }, ':live']],
      },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: TEST_STAGE.intakeMaxConcurrency },
    });
  });

  it('expect the starter to be allowed to start the fast path (express-first), count the Standard executions, and nothing else in Step Functions', () => {
    const states = statementsOf(logicalIdOf('AWS::IAM::Role', 'IntakeStartExecutionsRole')).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('states:')),
    );
    // ListExecutions refuses Express machines: the bound counts the Standard executions, where hand-offs run.
    expect(states).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'FastPath') } }),
        expect.objectContaining({ Action: 'states:ListExecutions', Resource: { Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'Workflow') } }),
      ]),
    );
    expect(states).toHaveLength(2);
  });

  it('expect the starter told the bound on executions in flight, its share among the starters and the queue to send waiting messages back to', () => {
    const starter = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties['Environment'] ?? {}).includes('SKIP_PATTERNS') && JSON.stringify(r.Properties['Environment']).includes('STATE_MACHINE_ARN'),
    )!;
    const tiers = TEST_STAGE.tiers;
    expect((starter.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      MAX_EXECUTIONS_IN_FLIGHT: String(tiers.small.reservedConcurrency! + tiers.large.reservedConcurrency! + tiers.heavy.maxRunning!),
      INTAKE_MAX_CONCURRENCY: String(TEST_STAGE.intakeMaxConcurrency),
      INTAKE_QUEUE_URL: { Ref: logicalIdOf('AWS::SQS::Queue', 'IntakeQueue') },
      COUNTED_STATE_MACHINE_ARN: { Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'Workflow') },
    });
    // It waits for capacity within its invocation: minutes, with the queue's visibility timeout at 6x that.
    expect(starter.Properties['Timeout']).toBe(300);
    expectResource('AWS::SQS::Queue', { VisibilityTimeout: 1800, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    const sends = statementsOf(logicalIdOf('AWS::IAM::Role', 'IntakeStartExecutionsRole')).filter((st) => actionsOf(st).includes('sqs:SendMessage'));
    expect(sends.flatMap(resourcesOf)).toEqual([{ 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'IntakeQueue'), 'Arn'] }]);
  });

  it('expect one EventBridge rule per bucket, filtered to its name and configured prefixes', () => {
    expectResource('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['existing-data'] }, object: { key: [{ prefix: 'invoices/' }, { prefix: 'photos/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'IntakeQueue'), 'Arn'] } })],
    });
    expectResource('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], detail: { bucket: { name: [createdBucketNameInTemplate('created-by-the-stack')] } } },
    });
  });

  it("expect only this account's EventBridge rules to be able to send to the intake queue", () => {
    expectResource('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf('AWS::SQS::Queue', 'IntakeQueue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it("expect an existing bucket's notification configuration to be merged, not replaced", () => {
    expectResource('Custom::S3BucketNotifications', {
      BucketName: 'existing-data',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
      Managed: false,
    });
  });
});

describe('copiers', () => {
  const copierRoles = () => [
    logicalIdOf('AWS::IAM::Role', 'SmallCopierRole'),
    logicalIdOf('AWS::IAM::Role', 'LargeCopierRole'),
    logicalIdOf('AWS::IAM::Role', 'HeavyTaskDefinitionTaskRole'),
  ];

  it('expect copiers to read objects only under the configured buckets and prefixes', () => {
    const created = logicalIdOf('AWS::S3::Bucket', 'SourcesBucket1');
    const expected = [
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-data/invoices/*']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-data/photos/*']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [created, 'Arn'] }, '/*']] },
    ];
    for (const role of copierRoles()) {
      const reads = statementsOf(role).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:Get')));
      expect({ role, reads: reads.flatMap(resourcesOf) }).toEqual({ role, reads: expected });
      expect(statementsOf(role).flatMap(actionsOf).filter((a) => a.startsWith('s3:')).sort()).toEqual([
        's3:GetObject',
        's3:GetObjectVersion',
        's3:ListBucket',
      ]);
    }
  });

  it('expect kms:Decrypt only on the configured bucket key, only through S3', () => {
    for (const role of copierRoles()) {
      const decrypt = statementsOf(role).filter((s) => actionsOf(s).includes('kms:Decrypt'));
      expect(decrypt).toEqual([
        expect.objectContaining({
          Resource: TEST_STAGE.sourceBuckets[0]!.kmsKeyArn,
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
        }),
      ]);
    }
  });

  it('expect GCS credentials passed by name and readable only by the copiers', () => {
    const auth = TEST_STAGE.gcsAuth as { configParameterName: string };
    expectResource('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TIER: 'small', GCS_AUTH_MODE: 'workload-identity', GCS_WIF_CONFIG_PARAMETER: auth.configParameterName }) },
    });
    const readers = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties).includes(`parameter${auth.configParameterName}`))
      .flatMap((r) => (r.Properties['Roles'] as { Ref: string }[]).map((ref) => ref.Ref))
      .sort();
    expect(readers).toEqual(copierRoles().sort());
  });

  it('expect every Lambda on nodejs22.x, arm64, with a published version behind an alias', () => {
    // CDK's own deploy-time custom resource handlers are not ours to configure.
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('BucketNotificationsHandler') && !id.startsWith('Custom'),
    );
    expect(functions.length).toBeGreaterThanOrEqual(5);
    const aliases = Object.values(template.findResources('AWS::Lambda::Alias')) as Resource[];
    for (const [id, fn] of functions) {
      expect({ id, runtime: fn.Properties.Runtime, arch: fn.Properties.Architectures }).toEqual({ id, runtime: 'nodejs22.x', arch: ['arm64'] });
      const alias = aliases.find((a) => JSON.stringify(a.Properties['FunctionName']) === JSON.stringify({ Ref: id }));
      expect({ id, alias: alias?.Properties['Name'] }).toEqual({ id, alias: 'live' });
    }
  });

  it('expect the heavy task on Fargate arm64, built from the repository Dockerfile, with a read-only root filesystem', () => {
    expectResource('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: String(TEST_STAGE.tiers.heavy.cpu),
      Memory: String(TEST_STAGE.tiers.heavy.memoryMiB),
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'copier',
          ReadonlyRootFilesystem: true,
          Image: { 'Fn::Sub': Match.stringLikeRegexp('cdk-hnb659fds-container-assets') },
        }),
      ],
    });
  });

  it('expect the heavy container under an init process (it forwards SIGTERM), with 30 s to report before SIGKILL', () => {
    expectResource('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'copier', LinuxParameters: Match.objectLike({ InitProcessEnabled: true }), StopTimeout: 30 })],
    });
  });

  it("expect the heavy task's deadline and engine tuning from the stage configuration", () => {
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Resource[];
    const [container] = task!.Properties['ContainerDefinitions'] as { Environment: { Name: string; Value: string }[] }[];
    const env = Object.fromEntries(container!.Environment.map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({
      TIER: 'heavy',
      DEADLINE_SECONDS: String(TEST_STAGE.tiers.heavy.timeoutSeconds),
      CONCURRENCY: String(TEST_STAGE.tiers.heavy.concurrency),
      DEST_BUCKET: TEST_STAGE.destination.bucket,
    });
  });

  it('expect the heavy task to report only to this state machine', () => {
    const report = statementsOf(logicalIdOf('AWS::IAM::Role', 'HeavyTaskDefinitionTaskRole')).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('states:')),
    );
    expect(report).toHaveLength(1);
    expect(actionsOf(report[0]!).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess']);
    expect(report[0]!.Resource).toEqual({ Ref: logicalIdOf('AWS::StepFunctions::StateMachine', 'Workflow') });
  });
});

describe('network', () => {
  it('expect no NAT gateway and only public subnets', () => {
    expectResourceCount('AWS::EC2::NatGateway', 0);
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as Resource[];
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    for (const subnet of subnets) {
      expect((subnet.Properties['Tags'] as { Key: string; Value: string }[]).find((t) => t.Key === 'aws-cdk:subnet-type')?.Value).toBe('Public');
    }
  });

  it('expect the task security group to allow no inbound traffic and only HTTPS out', () => {
    expectResource('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Heavy copy tasks'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('alerting and monitoring', () => {
  it('expect a KMS-encrypted, TLS-only alert topic with the configured e-mail subscription', () => {
    const topic = logicalIdOf('AWS::SNS::Topic', 'AlertsTopic');
    expectResource('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf('AWS::KMS::Key', 'AlertsKey'), 'Arn'] } });
    expectResource('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expectResource('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topic } });
  });

  it('expect alarms on failed executions, dead letters and intake age, each notifying the alert topic', () => {
    const topic = { Ref: logicalIdOf('AWS::SNS::Topic', 'AlertsTopic') };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    const find = (metric: string) => alarms.find((a) => JSON.stringify(a.Properties).includes(`"${metric}"`));
    const failed = alarms.find((a) => JSON.stringify(a.Properties).includes('"ExecutionsAborted"'));
    const dlq = alarms.find((a) => JSON.stringify(a.Properties).includes('"ApproximateNumberOfMessagesVisible"') && JSON.stringify(a.Properties).includes('IntakeDeadLetters'));
    const age = find('ApproximateAgeOfOldestMessage');
    expect(JSON.stringify(failed?.Properties)).toMatch(/ExecutionsTimedOut.*ExecutionsAborted/);
    expect(JSON.stringify(dlq?.Properties['Dimensions'])).toContain(logicalIdOf('AWS::SQS::Queue', 'IntakeDeadLetters'));
    expect(age?.Properties['Threshold']).toBe(600);
    for (const alarm of [failed, dlq, age]) {
      expect(alarm?.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    }
  });

  it("expect this account's alarms, and no one else's, allowed to publish to the topic", () => {
    expectResource('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':cloudwatch:', ':alarm:*'])] }) },
            },
          }),
        ]),
      },
    });
  });

  it('expect CloudWatch to be allowed to use the topic key, so alarms can publish to the encrypted topic', () => {
    expectResource('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
  });

  it('expect a dashboard with executions by status, bytes, duration and throughput by tier, escalations and alerts', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = JSON.stringify(dashboard!.Properties['DashboardBody']);
    for (const text of ['Executions by status', 'ExecutionsSucceeded', 'BytesCopied', 'CopyDuration', 'Throughput by tier', 'Escalations', 'NumberOfMessagesPublished']) {
      expect({ text, found: body.includes(text) }).toEqual({ text, found: true });
    }
  });

  it("expect the heavy task's copy metrics extracted from its logs, as Lambda does for the other tiers", () => {
    for (const metric of ['BytesCopied', 'CopyDuration']) {
      expectResource('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logicalIdOf('AWS::Logs::LogGroup', 'HeavyLogs') },
        MetricTransformations: [
          Match.objectLike({ MetricName: metric, MetricValue: `$.${metric}`, Dimensions: Match.arrayWith([{ Key: 'tier', Value: '$.tier' }]) }),
        ],
      });
    }
  });

  it("expect the heavy task's EMF line to carry every field its metric filters match, extract and use as dimensions", () => {
    const { environment, line } = heavyTaskLine(template, (sink) => publishCopyMetrics({ outcome: 'copied', bytes: 123, durationMs: 45, destination: 'gs://b/k' }, 'heavy', sink));
    const field = (path: string) => line[path.replace(/^\$\./, '')];
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).filter(
      (f) => JSON.stringify((f as Resource).Properties['LogGroupName']) === JSON.stringify({ Ref: logicalIdOf('AWS::Logs::LogGroup', 'HeavyLogs') }),
    ) as Resource[];
    // SourceGone, Superseded and Escalations lines: no-silent-drops.test.ts.
    const copyFilters = filters.filter((f) => ['BytesCopied', 'CopyDuration'].includes((f.Properties['MetricTransformations'] as { MetricName: string }[])[0]!.MetricName));
    expect(copyFilters.map((f) => (f.Properties['MetricTransformations'] as { MetricName: string }[])[0]!.MetricName).sort()).toEqual(['BytesCopied', 'CopyDuration']);
    for (const filter of copyFilters) {
      const [t] = filter.Properties['MetricTransformations'] as { MetricName: string; MetricNamespace: string; MetricValue: string; Dimensions: { Key: string; Value: string }[] }[];
      const matched = /^\{ (\$\.\w+) = "\*" \}$/.exec(filter.Properties['FilterPattern'] as string)?.[1];
      expect({ metric: t!.MetricName, matched: matched && field(matched) !== undefined, value: typeof field(t!.MetricValue) }).toEqual({ metric: t!.MetricName, matched: true, value: 'number' });
      expect(t!.MetricNamespace).toBe(environment['POWERTOOLS_METRICS_NAMESPACE']);
      expect(Object.fromEntries(t!.Dimensions.map((d) => [d.Key, field(d.Value)]))).toEqual({ service: 's3-gcs-backup', tier: 'heavy' });
    }
  });

  it("expect every function, CDK's deploy-time handlers included, to log to a group of this stack", () => {
    const groups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function')) as [string, Resource][]) {
      const target = (fn.Properties['LoggingConfig'] as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
      expect({ id, ownGroup: groups.includes(target ?? '') }).toEqual({ id, ownGroup: true });
    }
  });

  it("expect every function's log-level filtering from the stage: INFO by default, system WARN where the stage says so", () => {
    const levelsOf = (t: Template) =>
      (Object.values(t.findResources('AWS::Lambda::Function')) as Resource[])
        .filter((fn) => (fn.Properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables?.['POWERTOOLS_SERVICE_NAME'])
        .map((fn) => {
          const config = fn.Properties['LoggingConfig'] as Record<string, unknown>;
          const powertools = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['POWERTOOLS_LOG_LEVEL'];
          return { format: config['LogFormat'], application: config['ApplicationLogLevel'], system: config['SystemLogLevel'], powertools };
        });
    const defaults = levelsOf(template);
    expect(defaults.length).toBeGreaterThanOrEqual(5);
    expect(new Set(defaults.map((l) => JSON.stringify(l)))).toEqual(new Set([JSON.stringify({ format: 'JSON', application: 'INFO', system: 'INFO', powertools: 'INFO' })]));
    const quiet = buildTestApp({ stages: { staging: { ...TEST_STAGE, lambdaLogLevels: { application: 'INFO', system: 'WARN' } } } });
    const levels = levelsOf(Template.fromStack(quiet.stacks[0]!));
    expect(levels.length).toBe(defaults.length);
    expect(new Set(levels.map((l) => JSON.stringify(l)))).toEqual(new Set([JSON.stringify({ format: 'JSON', application: 'INFO', system: 'WARN', powertools: 'INFO' })]));
  });

  it('expect every log group to have a retention', () => {
    for (const [id, group] of Object.entries(template.findResources('AWS::Logs::LogGroup')) as [string, Resource][]) {
      expect({ id, retention: group.Properties['RetentionInDays'] }).toEqual({ id, retention: TEST_STAGE.logRetentionDays });
    }
  });
});
