/**
 * Issue 11 §3, "no event may be dropped silently", over the synthesized stack: EventBridge delivery to the intake
 * queue has a retry policy, a dead-letter queue and alarms; executions that end source-gone or superseded (SUCCEEDED,
 * no alert) are counted per bucket and alarmed on a rate the stage sets; the state machine logs errors only, and
 * nothing reads its log group.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SourceChanged, SourceNotFound } from '../../../../workflows/backup/errors';
import { publishBenignEnding, publishEscalation } from '../../../../workflows/metrics';
import { buildTestApp, createdBucketNameInTemplate, heavyTaskLine, TEST_STAGE } from '../support';

type Resource = { Type: string; Properties: Record<string, unknown> };
type MetricStat = { Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] } };
type AlarmMetric = { Id: string; Expression?: string; MetricStat?: MetricStat };

const STAGE = { ...TEST_STAGE, alerts: { ...TEST_STAGE.alerts, maxSourceGonePerHour: 7, maxSupersededPerHour: 250 } };
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  const { stacks } = buildTestApp({ stages: { staging: STAGE } });
  template = Template.fromStack(stacks[0]!);
  resources = template.toJSON().Resources;
});

const ofType = (type: string): [string, Resource][] => Object.entries(template.findResources(type)) as [string, Resource][];
const idOf = (type: string, pathPart: string): string => {
  const ids = ofType(type)
    .map(([id]) => id)
    .filter((id) => id.startsWith(pathPart));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${pathPart}, got ${ids.join(', ')}`);
  return ids[0]!;
};
const alarmMetrics = (alarm: Resource): AlarmMetric[] => (alarm.Properties['Metrics'] as AlarmMetric[] | undefined) ?? [];
const alarmsOn = (metricName: string): Resource[] =>
  ofType('AWS::CloudWatch::Alarm')
    .map(([, a]) => a)
    .filter((a) => a.Properties['MetricName'] === metricName || alarmMetrics(a).some((m) => m.MetricStat?.Metric.MetricName === metricName));
const dimensionsOf = (m: AlarmMetric) => Object.fromEntries(m.MetricStat!.Metric.Dimensions.map((d) => [d.Name, d.Value]));
const topic = () => ({ Ref: idOf('AWS::SNS::Topic', 'AlertsTopic') });
/** The intake's rules (S3 events); the alert rule on execution status changes has its own DLQ and alarm. */
const isIntakeRule = (r: Resource): boolean => JSON.stringify((r.Properties['EventPattern'] as { source?: unknown } | undefined)?.source) === '["aws.s3"]';
const intakeRules = (): [string, Resource][] => ofType('AWS::Events::Rule').filter(([, r]) => isIntakeRule(r));
/** Each FailedInvocations alarm with the rule it watches ({ Ref: ruleId }). */
const failedInvocationAlarms = (): [{ Ref: string }, Resource][] =>
  alarmsOn('FailedInvocations').map((a) => [
    dimensionsOf(alarmMetrics(a).find((m) => m.MetricStat?.Metric.MetricName === 'FailedInvocations')!)['RuleName'] as { Ref: string },
    a,
  ]);
/** Fires on the first event the rule could not deliver (even to its DLQ), and tells the topic when and when no more. */
const expectDeliveryAlarm = (alarm: Resource): void => {
  expect(alarmMetrics(alarm).map((m) => m.MetricStat?.Metric.MetricName).filter(Boolean).sort()).toEqual(['FailedInvocations', 'InvocationsFailedToBeSentToDlq']);
  expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [topic()], OKActions: [topic()] });
};

describe('EventBridge delivery to the intake queue', () => {
  it('expect every rule target to retry for 24 h / 185 attempts and then park the event in its own dead-letter queue', () => {
    const dlq = idOf('AWS::SQS::Queue', 'IntakeUndeliveredEvents');
    const rules = intakeRules();
    expect(rules).toHaveLength(STAGE.sourceBuckets.length);
    for (const [id, rule] of rules) {
      expect({ id, targets: rule.Properties['Targets'] }).toEqual({
        id,
        targets: [
          expect.objectContaining({
            Arn: { 'Fn::GetAtt': [idOf('AWS::SQS::Queue', 'IntakeQueue'), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
            RetryPolicy: { MaximumEventAgeInSeconds: 24 * 3600, MaximumRetryAttempts: 185 },
          }),
        ],
      });
    }
  });

  it('expect the dead-letter queue encrypted with SQS-managed keys, TLS-only, 14 days, and writable by these rules only', () => {
    const dlq = idOf('AWS::SQS::Queue', 'IntakeUndeliveredEvents');
    expect(resources[dlq]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const [policy] = ofType('AWS::SQS::QueuePolicy').filter(([, p]) => JSON.stringify(p.Properties['Queues']).includes(`"${dlq}"`));
    const statements = (policy![1].Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ...intakeRules().map(([ruleId]) =>
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ),
      ]),
    );
  });

  it("expect an alarm per rule on FailedInvocations (and events lost even to the DLQ), notifying the alert topic", () => {
    const rules = intakeRules().map(([id]) => ({ Ref: id }));
    const alarms = failedInvocationAlarms().filter(([rule]) => rules.some((r) => r.Ref === rule.Ref));
    expect(alarms.map(([rule]) => rule)).toEqual(expect.arrayContaining(rules));
    expect(alarms).toHaveLength(rules.length);
    for (const [, alarm] of alarms) expectDeliveryAlarm(alarm);
  });

  it("expect an alarm on the dead-letter queue's depth, notifying the alert topic", () => {
    const dlq = idOf('AWS::SQS::Queue', 'IntakeUndeliveredEvents');
    const [alarm] = alarmsOn('ApproximateNumberOfMessagesVisible').filter((a) =>
      JSON.stringify(a.Properties['Dimensions']).includes(`"${dlq}"`),
    );
    expect(alarm?.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [topic()], OKActions: [topic()] });
  });

  it('expect no delivery dead-letter queue or intake FailedInvocations alarm with S3 notifications (no intake rule)', () => {
    const { stacks } = buildTestApp({ stages: { staging: { ...STAGE, intake: 's3-notifications' } } });
    const other = Template.fromStack(stacks[0]!);
    expect(Object.values(other.findResources('AWS::Events::Rule')).filter((r) => isIntakeRule(r as Resource))).toEqual([]);
    expect(Object.keys(other.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('IntakeUndeliveredEvents'))).toEqual([]);
    // Only the status-change rule's delivery alarm remains.
    const watched = JSON.stringify(Object.values(other.findResources('AWS::CloudWatch::Alarm')).filter((a) => JSON.stringify(a).includes('FailedInvocations')));
    expect(watched.match(/"RuleName","Value":\{"Ref":"([^"]+)"/g)?.map((m) => m.split('"').at(-2))).toEqual(
      Array(2).fill(Object.keys(other.findResources('AWS::Events::Rule')).find((id) => id.startsWith('ExecutionAlerts'))),
    );
  });
});

describe('EventBridge delivery to the alert function', () => {
  const statusRule = (): string => {
    const ids = ofType('AWS::Events::Rule')
      .filter(([, r]) => JSON.stringify((r.Properties['EventPattern'] as { source?: unknown }).source) === '["aws.states"]')
      .map(([id]) => id);
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };

  it("expect an alarm on the status-change rule's FailedInvocations (alerts parked in its DLQ, or lost), notifying the alert topic", () => {
    const alarms = failedInvocationAlarms().filter(([rule]) => rule.Ref === statusRule());
    expect(alarms).toHaveLength(1);
    expectDeliveryAlarm(alarms[0]![1]);
  });

  it('expect every EventBridge rule of the stack (intake and status change) to have exactly one delivery alarm', () => {
    const watched = failedInvocationAlarms().map(([rule]) => rule.Ref).sort();
    expect(watched).toEqual(ofType('AWS::Events::Rule').map(([id]) => id).sort());
  });
});

describe('source-gone and superseded endings', () => {
  it.each([
    ['SourceGone', 7],
    ['Superseded', 250],
  ])('expect an alarm per source bucket on %s per hour above the stage setting (%d), over every origin', (metricName, threshold) => {
    const alarms = alarmsOn(metricName);
    const buckets = alarms.map((a) => [...new Set(alarmMetrics(a).filter((m) => m.MetricStat).map((m) => JSON.stringify(dimensionsOf(m)['bucket'])))]);
    // A created bucket's metrics carry its physical name (name-<account>-<region>).
    const physical = STAGE.sourceBuckets.map((b) => ('create' in b && b.create ? createdBucketNameInTemplate(b.name) : b.name));
    expect(buckets.sort()).toEqual(physical.map((name) => [JSON.stringify(name)]).sort());
    for (const alarm of alarms) {
      const stats = alarmMetrics(alarm).filter((m) => m.MetricStat);
      expect(stats.map((m) => dimensionsOf(m)['origin']).sort()).toEqual(['eventbridge', 'manual', 's3-notification']);
      for (const m of stats) expect(m.MetricStat!.Metric).toMatchObject({ Namespace: 'S3GcsBackup', MetricName: metricName });
      expect(alarmMetrics(alarm).find((m) => m.Expression)?.Expression).toBe(stats.map((m) => `FILL(${m.Id}, 0)`).join(' + '));
      expect(alarm.Properties).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        AlarmActions: [topic()],
        OKActions: [topic()],
      });
      expect((alarm.Properties['Metrics'] as { MetricStat?: { Period: number } }[]).find((m) => m.MetricStat)!.MetricStat!.Period).toBe(3600);
    }
  });

  it.each([
    ['SourceGone', new SourceNotFound('gone')],
    ['Superseded', new SourceChanged('changed')],
  ])("expect the heavy task's %s line to become the metric the alarms read, by service, bucket and origin", (metricName, err) => {
    const { line } = heavyTaskLine(template, (sink) => publishBenignEnding(err, { bucket: 'existing-data', origin: 'eventbridge' }, sink));
    const filters = ofType('AWS::Logs::MetricFilter').filter(([, f]) => JSON.stringify(f.Properties['MetricTransformations']).includes(`"${metricName}"`));
    expect(filters).toHaveLength(1);
    const [, filter] = filters[0]!;
    expect(filter.Properties['LogGroupName']).toEqual({ Ref: idOf('AWS::Logs::LogGroup', 'HeavyLogs') });
    const [t] = filter.Properties['MetricTransformations'] as { MetricValue: string; Dimensions: { Key: string; Value: string }[] }[];
    const field = (p: string) => line[p.replace(/^\$\./, '')];
    expect(field(t!.MetricValue)).toBe(1);
    expect(Object.fromEntries(t!.Dimensions.map((d) => [d.Key, field(d.Value)]))).toEqual({ service: 's3-gcs-backup', bucket: 'existing-data', origin: 'eventbridge' });
  });
});

describe('state-machine logging', () => {
  const machine = () => ofType('AWS::StepFunctions::StateMachine').find(([id]) => id.startsWith('Workflow'))![1];
  const workflowLogGroup = () => {
    const arn = (machine().Properties['LoggingConfiguration'] as { Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string] } } }[] })
      .Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn;
    return arn['Fn::GetAtt'][0];
  };

  it('expect the backup state machine to log errors only, without execution data (its history stays in the service)', () => {
    expect(machine().Properties['LoggingConfiguration']).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
  });

  it("expect no metric filter and no dashboard query reading the state machine's log group", () => {
    const group = workflowLogGroup();
    const readers = ofType('AWS::Logs::MetricFilter').filter(([, f]) => JSON.stringify(f.Properties['LogGroupName']).includes(`"${group}"`));
    expect(readers.map(([id]) => id)).toEqual([]);
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);
    expect(body).not.toContain(group);
    expect(body).not.toContain('"type\\":\\"log\\"');
  });

  it("expect escalations charted from the copiers' Escalations metric, the heavy task's line extracted like the Lambdas'", () => {
    const { line } = heavyTaskLine(template, (sink) => publishEscalation({ action: 'copy', size: 10 }, 'heavy', { smallMaxBytes: 1, largeMaxBytes: 100 }, sink));
    expect({ value: line['Escalations'], tier: line['tier'] }).toEqual({ value: 1, tier: 'heavy' });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: idOf('AWS::Logs::LogGroup', 'HeavyLogs') },
      MetricTransformations: [
        Match.objectLike({ MetricName: 'Escalations', MetricValue: '$.Escalations', Dimensions: Match.arrayWith([{ Key: 'tier', Value: '$.tier' }]) }),
      ],
    });
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Resource]];
    expect(JSON.stringify(dashboard.Properties['DashboardBody'])).toMatch(/Escalations.*tier.*large.*Escalations.*tier.*heavy/);
  });

  it('expect every copier told the size bands, so it can tell an escalated copy from a routed one', () => {
    const bands = { SMALL_MAX_BYTES: String(STAGE.thresholds.smallMaxBytes), LARGE_MAX_BYTES: String(STAGE.thresholds.largeMaxBytes) };
    const copiers = ofType('AWS::Lambda::Function').filter(([, f]) => JSON.stringify(f.Properties['Environment'] ?? {}).includes('"TIER"'));
    expect(copiers).toHaveLength(2);
    for (const [id, fn] of copiers) {
      expect({ id, env: (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables }).toEqual({ id, env: expect.objectContaining(bands) });
    }
    const [[, task]] = ofType('AWS::ECS::TaskDefinition') as [[string, Resource]];
    const environment = (task.Properties['ContainerDefinitions'] as { Environment: { Name: string; Value: unknown }[] }[])[0]!.Environment;
    expect(environment).toEqual(expect.arrayContaining(Object.entries(bands).map(([Name, Value]) => ({ Name, Value }))));
  });

  it('expect the dashboard to point at the failed executions in Step Functions instead of a log query', () => {
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);
    expect(body).toContain('Latest failed executions');
    expect(body).toContain('statusFilter=FAILED');
    expect(body).toContain('s3gcs executions --status FAILED');
  });
});
