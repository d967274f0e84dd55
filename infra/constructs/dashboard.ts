import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TierName } from '../../workflows/copy/types';
import type { BackupEvent } from '../../workflows/backup/normalize';
import { COPY_METRICS, SOURCE_GONE_METRIC } from '../../workflows/metrics';

/**
 * Metrics the copiers publish with Powertools Metrics (workflows/metrics.ts: namespace POWERTOOLS_METRICS_NAMESPACE,
 * default dimension `service`, plus a `tier` dimension): one data point per copy that moved bytes. The dashboard reads
 * these names; they are defined once, next to the code that publishes them.
 */
export { COPY_METRICS };

export interface BackupDashboardProps {
  readonly dashboardName: string;
  readonly stateMachine: sfn.IStateMachine;
  /** The state machine's log group (level ALL): escalations are counted from it. */
  readonly stateMachineLogGroup: logs.ILogGroup;
  /**
   * The heavy task's log group. Lambda turns Powertools' EMF log lines into metrics by itself; the ECS awslogs driver
   * does not, so metric filters extract the same metrics from the task's lines: the EMF line carries each metric's
   * value and the `service` and `tier` dimensions as top-level fields.
   */
  readonly heavyLogGroup: logs.ILogGroup;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alertTopic: sns.ITopic;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * One page answering "is the backup keeping up, and what is failing?": executions by status, bytes copied, copy
 * duration and throughput per tier, escalations between tiers, alerts sent, and the intake queue.
 */
export class BackupDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** Count of escalations to a bigger copier, from the state machine's execution history logs. */
  public readonly escalations: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: BackupDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const sm = props.stateMachine;

    // The workflow's escalation states are named "Escalate from … to …" (asl/backup-object.asl.json).
    const escalationFilter = new logs.MetricFilter(this, 'EscalationsFilter', {
      logGroup: props.stateMachineLogGroup,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', 'PassStateEntered'),
        logs.FilterPattern.stringValue('$.details.name', '=', 'Escalate*'),
      ),
      metricNamespace: props.metricsNamespace,
      metricName: 'Escalations',
      metricValue: '1',
      defaultValue: 0,
    });
    this.escalations = escalationFilter.metric({ period, statistic: 'Sum', label: 'Escalations to a bigger copier' });

    for (const metricName of Object.values(COPY_METRICS)) {
      new logs.MetricFilter(this, `Heavy${metricName}`, {
        logGroup: props.heavyLogGroup,
        filterPattern: logs.FilterPattern.exists(`$.${metricName}`),
        metricNamespace: props.metricsNamespace,
        metricName,
        metricValue: `$.${metricName}`,
        dimensions: { service: '$.service', tier: '$.tier' },
        unit: metricName === COPY_METRICS.bytesCopied ? cloudwatch.Unit.BYTES : cloudwatch.Unit.MILLISECONDS,
      });
    }

    // Lambdas publish SourceGone themselves; the heavy task's line becomes the same metric here.
    new logs.MetricFilter(this, `Heavy${SOURCE_GONE_METRIC}`, {
      logGroup: props.heavyLogGroup,
      filterPattern: logs.FilterPattern.exists(`$.${SOURCE_GONE_METRIC}`),
      metricNamespace: props.metricsNamespace,
      metricName: SOURCE_GONE_METRIC,
      metricValue: `$.${SOURCE_GONE_METRIC}`,
      dimensions: { service: '$.service', origin: '$.origin' },
      unit: cloudwatch.Unit.COUNT,
    });
    const origins: BackupEvent['origin'][] = ['s3-notification', 'eventbridge', 'manual'];
    const sourceGone = origins.map(
      (origin) =>
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: SOURCE_GONE_METRIC,
          dimensionsMap: { service: props.serviceName, origin },
          statistic: 'Sum',
          period,
          label: origin,
        }),
    );

    const tiers: TierName[] = ['small', 'large', 'heavy'];
    const copyMetric = (metricName: string, tier: TierName, statistic: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName, tier },
        statistic,
        period,
        label: tier,
      });
    const throughput = tiers.map(
      (tier) =>
        new cloudwatch.MathExpression({
          // MB/s of copy time: bytes over the summed durations of the copies that moved them.
          expression: `IF(d_${tier} > 0, b_${tier} / (d_${tier} / 1000) / 1000000, 0)`,
          usingMetrics: {
            [`b_${tier}`]: copyMetric(COPY_METRICS.bytesCopied, tier, 'Sum'),
            [`d_${tier}`]: copyMetric(COPY_METRICS.copyDuration, tier, 'Sum'),
          },
          label: tier,
          period,
        }),
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Executions by status',
        width: 12,
        left: [
          sm.metricStarted({ period, statistic: 'Sum', label: 'Started' }),
          sm.metricSucceeded({ period, statistic: 'Sum', label: 'Succeeded' }),
          sm.metricFailed({ period, statistic: 'Sum', label: 'Failed' }),
          sm.metricTimedOut({ period, statistic: 'Sum', label: 'Timed out' }),
          sm.metricAborted({ period, statistic: 'Sum', label: 'Aborted' }),
          sm.metricThrottled({ period, statistic: 'Sum', label: 'Throttled' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Escalations and alerts',
        width: 12,
        left: [
          this.escalations,
          props.alertTopic.metricNumberOfMessagesPublished({ period, statistic: 'Sum', label: 'Alerts published' }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Source gone by origin (SUCCEEDED without an alert: S3 had no such object)',
        width: 24,
        left: sourceGone,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Bytes copied by tier',
        width: 8,
        left: tiers.map((t) => copyMetric(COPY_METRICS.bytesCopied, t, 'Sum')),
        leftYAxis: { label: 'bytes', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Copy duration by tier (p50 / p99, ms)',
        width: 8,
        left: tiers.flatMap((t) => [
          copyMetric(COPY_METRICS.copyDuration, t, 'p50').with({ label: `${t} p50` }),
          copyMetric(COPY_METRICS.copyDuration, t, 'p99').with({ label: `${t} p99` }),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: 'Throughput by tier (MB/s while copying)',
        width: 8,
        left: throughput,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Intake queue',
        width: 12,
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: 'Waiting' }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: 'Dead letters' }),
        ],
        right: [props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: 'Oldest (s)' })],
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Latest failed executions',
        width: 12,
        logGroupNames: [props.stateMachineLogGroup.logGroupName],
        queryLines: ['fields @timestamp, execution_arn, details.error, details.cause', 'filter type = "ExecutionFailed"', 'sort @timestamp desc', 'limit 20'],
      }),
    );
  }
}
