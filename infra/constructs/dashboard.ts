import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TierName } from '../../workflows/copy/types';
import { COPY_METRICS, ESCALATIONS_METRIC, SOURCE_GONE_METRIC, SUPERSEDED_METRIC } from '../../workflows/metrics';

/**
 * Metrics the copiers publish with Powertools Metrics (workflows/metrics.ts: namespace POWERTOOLS_METRICS_NAMESPACE,
 * default dimension `service`, plus a `tier` dimension): one data point per copy that moved bytes. The dashboard reads
 * these names; they are defined once, next to the code that publishes them.
 */
export { COPY_METRICS };

export interface BackupDashboardProps {
  readonly dashboardName: string;
  readonly stateMachine: sfn.IStateMachine;
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
  /** Escalations to a bigger copier, as the copier taking over counts them (ESCALATIONS_METRIC, summed over tiers). */
  public readonly escalations: cloudwatch.MathExpression;

  constructor(scope: Construct, id: string, props: BackupDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const sm = props.stateMachine;

    // The state machine logs at level ERROR (infra/constructs/backup-state-machine.ts), so nothing here reads its log
    // group: escalations and the benign endings come from the copiers' EMF lines, failures from AWS/States metrics.
    const heavyFilter = (metricName: string, dimensions: Record<string, string>, unit: cloudwatch.Unit) =>
      new logs.MetricFilter(this, `Heavy${metricName}`, {
        logGroup: props.heavyLogGroup,
        filterPattern: logs.FilterPattern.exists(`$.${metricName}`),
        metricNamespace: props.metricsNamespace,
        metricName,
        metricValue: `$.${metricName}`,
        dimensions,
        unit,
      });
    for (const metricName of Object.values(COPY_METRICS)) {
      heavyFilter(metricName, { service: '$.service', tier: '$.tier' }, metricName === COPY_METRICS.bytesCopied ? cloudwatch.Unit.BYTES : cloudwatch.Unit.MILLISECONDS);
    }
    // Lambdas publish these themselves; the heavy task's lines become the same metrics here.
    heavyFilter(ESCALATIONS_METRIC, { service: '$.service', tier: '$.tier' }, cloudwatch.Unit.COUNT);
    for (const metricName of [SOURCE_GONE_METRIC, SUPERSEDED_METRIC]) {
      heavyFilter(metricName, { service: '$.service', bucket: '$.bucket', origin: '$.origin' }, cloudwatch.Unit.COUNT);
    }

    this.escalations = new cloudwatch.MathExpression({
      expression: 'FILL(toLarge, 0) + FILL(toHeavy, 0)',
      usingMetrics: {
        toLarge: new cloudwatch.Metric({ namespace: props.metricsNamespace, metricName: ESCALATIONS_METRIC, dimensionsMap: { service: props.serviceName, tier: 'large' }, statistic: 'Sum', period }),
        toHeavy: new cloudwatch.Metric({ namespace: props.metricsNamespace, metricName: ESCALATIONS_METRIC, dimensionsMap: { service: props.serviceName, tier: 'heavy' }, statistic: 'Sum', period }),
      },
      label: 'Escalations to a bigger copier',
      period,
    });
    // Every bucket and origin, whatever the stage lists (a manual execution may name any readable bucket).
    const endings = [SOURCE_GONE_METRIC, SUPERSEDED_METRIC].map(
      (metricName) =>
        new cloudwatch.MathExpression({
          expression: `SEARCH('{${props.metricsNamespace},bucket,origin,service} MetricName="${metricName}" service="${props.serviceName}"', 'Sum', ${period.toSeconds()})`,
          label: metricName,
          period,
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
        title: 'Source gone by bucket and origin (SUCCEEDED without an alert: S3 had no such object)',
        width: 12,
        left: [endings[0]!],
      }),
      new cloudwatch.GraphWidget({
        title: 'Superseded by bucket and origin (SUCCEEDED without an alert: the object changed first)',
        width: 12,
        left: [endings[1]!],
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
      new cloudwatch.TextWidget({
        // The list itself lives in Step Functions (ListExecutions): the state machine logs only errors, without data.
        width: 12,
        markdown: [
          '### Latest failed executions',
          `[Failed executions in the Step Functions console](https://${Stack.of(this).region}.console.aws.amazon.com/states/home?region=${Stack.of(this).region}#/statemachines/view/${sm.stateMachineArn}?statusFilter=FAILED)`,
          '',
          'From a shell: `s3gcs executions --status FAILED --since 24h` (or `aws stepfunctions list-executions --status-filter FAILED`).',
          'Each one names the copier that failed, its error and cause; redrive it after fixing the cause.',
        ].join('\n'),
      }),
    );
  }
}
