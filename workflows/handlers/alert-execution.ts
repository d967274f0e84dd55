/**
 * The alert function, as a factory of its clients and settings (see ./copy-object.ts for why factories): an EventBridge
 * "Step Functions Execution Status Change" event (FAILED, TIMED_OUT, ABORTED) → the execution read back from Step
 * Functions → one alert on the topic (the Slack notifier is subscribed to it), or one summary when failures flood.
 * A failure to read or publish throws, so EventBridge retries the event and finally parks it in the rule's DLQ.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { executionAlert, type EndedStatus } from '../alerting/execution-alert';
import { readEndedExecution } from '../alerting/execution-reader';
import { floodDecision, floodSummary, type FloodSettings } from '../alerting/flood-control';

export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn: string;
  status: string;
  stopDate?: number | null;
}

export type StatusChangeEvent = EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>;

const ENDED: readonly string[] = ['FAILED', 'TIMED_OUT', 'ABORTED'] satisfies EndedStatus[];

export function alertExecutionHandler(deps: { sfn: SFNClient; sns: SNSClient; topicArn: string; flood: FloodSettings; logger: Logger }) {
  const { sfn, sns, topicArn, flood, logger } = deps;
  return async (event: StatusChangeEvent): Promise<{ published: 'alert' | 'summary' | 'none' }> => {
    const { executionArn, status } = event.detail;
    if (!ENDED.includes(status)) return { published: 'none' };
    const execution = await readEndedExecution(sfn, executionArn);
    // Only FAILED executions are counted: TIMED_OUT and ABORTED are rare and each needs a person's look.
    if (execution.status === 'FAILED') {
      const stopDate = execution.stopDate ?? new Date(event.detail.stopDate ?? Date.parse(event.time));
      const decision = await floodDecision(sfn, execution.stateMachineArn, executionArn, stopDate, flood);
      if (decision.kind === 'suppressed') {
        logger.warn('Alert not sent: too many failures in this window (the summary was sent)', { executionArn, rank: decision.rank, windowStart: decision.windowStart.toISOString() });
        return { published: 'none' };
      }
      if (decision.kind === 'summary') {
        await publish(sns, topicArn, floodSummary(decision, flood, execution.stateMachineArn));
        logger.info('Flood summary published', { executionArn, count: decision.count });
        return { published: 'summary' };
      }
    }
    await publish(sns, topicArn, executionAlert(execution));
    logger.info('Alert published', { executionArn, status: execution.status, error: execution.error });
    return { published: 'alert' };
  };
}

async function publish(sns: SNSClient, topicArn: string, alert: { subject: string; message: string }): Promise<void> {
  await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: alert.subject, Message: alert.message }));
}
