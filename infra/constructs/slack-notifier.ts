import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { BackupFunction } from './backup-function';

/** Where the webhook URL is kept: an SSM SecureString parameter or a Secrets Manager secret, by name. */
export type SlackWebhookSource = { readonly parameterName: string } | { readonly secretName: string };

export interface SlackNotifierProps {
  /** The alert topic; every message on it is posted to Slack. */
  readonly topic: sns.ITopic;
  readonly webhook: SlackWebhookSource;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The optional Slack notifier (handlers/slack-notifier.ts): a function subscribed to the alert topic that posts each
 * alert to a Slack incoming webhook. The parameter or secret holding the URL is created outside this stack (the URL
 * is a credential); this construct references it by name, passes the name, and lets the notifier read it and nothing
 * else. SNS invokes the `live` alias asynchronously, so a post Slack refuses is retried by Lambda.
 */
export class SlackNotifier extends Construct {
  public readonly function: BackupFunction;

  constructor(scope: Construct, id: string, props: SlackNotifierProps) {
    super(scope, id);
    this.function = new BackupFunction(this, 'Function', {
      entry: 'handlers/slack-notifier.ts',
      description: 'Posts alerts from the alert topic to Slack',
      serviceName: props.serviceName,
      metricsNamespace: props.metricsNamespace,
      logRetention: props.logRetention,
    });
    if ('parameterName' in props.webhook) {
      // SecureString: CloudFormation cannot reference its value, and this stack never needs it; only the function reads it.
      ssm.StringParameter.fromSecureStringParameterAttributes(this, 'Webhook', { parameterName: props.webhook.parameterName }).grantRead(
        this.function.role,
      );
      this.function.addEnvironment('SLACK_WEBHOOK_PARAMETER', props.webhook.parameterName);
    } else {
      secretsmanager.Secret.fromSecretNameV2(this, 'Webhook', props.webhook.secretName).grantRead(this.function.role);
      this.function.addEnvironment('SLACK_WEBHOOK_SECRET', props.webhook.secretName);
    }
    props.topic.addSubscription(new subscriptions.LambdaSubscription(this.function.alias));
  }
}
