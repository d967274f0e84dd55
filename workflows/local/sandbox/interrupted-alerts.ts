import { executionAlert } from '../../alerting/execution-alert';
import type { LocalAlertSink } from '../alert-sink';
import { LOCAL_ARNS } from '../deployment';
import { currentRun, INTERRUPTED_ERROR, type ExecutionRecord, type LocalStepFunctions } from '../sfn-api';
import { historyEvents } from '../sfn-api/history-events';

/**
 * Executions a killed sandbox left RUNNING come back FAILED (Sandbox.Interrupted, see sfn-api/execution-store.ts);
 * their status change reaches the same alert code as any failure (the runner publishes the others' alerts when it
 * sees them end, a run that died with its process has no runner left to do so). Announces them and returns them.
 */
export function alertInterruptedExecutions(stepFunctions: LocalStepFunctions, sink: LocalAlertSink): ExecutionRecord[] {
  stepFunctions.onStatusChange((event) => {
    const { detail } = event;
    if (detail.status !== 'FAILED' || detail.error !== INTERRUPTED_ERROR) return;
    const record = stepFunctions.execution(detail.executionArn);
    if (!record) return;
    const run = currentRun(record);
    const alert = executionAlert({
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      status: 'FAILED',
      error: INTERRUPTED_ERROR,
      ...(run.cause !== undefined ? { cause: run.cause } : {}),
      history: historyEvents(record, () => undefined),
    });
    sink.publish({ topicArn: LOCAL_ARNS.alertTopic, subject: alert.subject, message: alert.message });
  });
  return stepFunctions.announceInterrupted();
}
