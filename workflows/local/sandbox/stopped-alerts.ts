import { executionAlert } from '../../alerting/execution-alert';
import type { LocalAlertSink } from '../alert-sink';
import { LOCAL_ARNS } from '../deployment';
import { currentRun, type LocalStepFunctions } from '../sfn-api';
import { historyEvents } from '../sfn-api/history-events';

/**
 * An execution stopped with StopExecution closes ABORTED without its run ever failing, so no runner publishes its
 * alert: its "Execution Status Change" event reaches the alert code here, as the EventBridge rule → alert function do
 * on AWS (ABORTED alerts as FAILED and TIMED_OUT do; see workflows/handlers/alert-execution.ts). The history holds the
 * states that ran before the stop, so the alert names the object once the input was normalized.
 */
export function alertStoppedExecutions(stepFunctions: LocalStepFunctions, sink: LocalAlertSink): void {
  stepFunctions.onStatusChange(({ detail }) => {
    if (detail.status !== 'ABORTED') return;
    const record = stepFunctions.execution(detail.executionArn);
    if (!record) return;
    const run = currentRun(record);
    const alert = executionAlert({
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      status: 'ABORTED',
      ...(run.error !== undefined ? { error: run.error } : {}),
      ...(run.cause !== undefined ? { cause: run.cause } : {}),
      history: historyEvents(record, (state) => stepFunctions.taskResource(record.stateMachineArn, state)),
    });
    sink.publish({ topicArn: LOCAL_ARNS.alertTopic, subject: alert.subject, message: alert.message });
  });
}
