import { executionAlert } from '../../alerting/execution-alert';
import type { LocalAlertSink } from '../alert-sink';
import { LOCAL_ARNS } from '../deployment';
import { currentRun, INTERRUPTED_ERROR, type LocalStepFunctions } from '../sfn-api';
import { historyEvents } from '../sfn-api/history-events';

/**
 * Alerts for the executions that end without a runner seeing them fail, through their "Execution Status Change"
 * event, as the EventBridge rule → alert function do on AWS (workflows/handlers/alert-execution.ts):
 * - stopped with StopExecution: ABORTED, its run never failed (ABORTED alerts as FAILED and TIMED_OUT do);
 * - cut short by a killed sandbox: FAILED with Sandbox.Interrupted on restart (sfn-api/execution-store.ts), its runner
 *   died with the process.
 * Every other failure is alerted by the runner that saw it end. The history holds the states that ran, so the alert
 * names the object once the input was normalized.
 */
export function alertUnreportedEndings(stepFunctions: LocalStepFunctions, sink: LocalAlertSink): void {
  stepFunctions.onStatusChange(({ detail }) => {
    const interrupted = detail.status === 'FAILED' && detail.error === INTERRUPTED_ERROR;
    if (detail.status !== 'ABORTED' && !interrupted) return;
    const record = stepFunctions.execution(detail.executionArn);
    if (!record) return;
    const run = currentRun(record);
    const alert = executionAlert({
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      status: interrupted ? 'FAILED' : 'ABORTED',
      ...(run.error !== undefined ? { error: run.error } : interrupted ? { error: INTERRUPTED_ERROR } : {}),
      ...(run.cause !== undefined ? { cause: run.cause } : {}),
      history: historyEvents(record, (state) => stepFunctions.taskResource(record.stateMachineArn, state)),
    });
    sink.publish({ topicArn: LOCAL_ARNS.alertTopic, subject: alert.subject, message: alert.message });
  });
}
