/** A local Step Functions endpoint (AWS JSON 1.0 subset) backed by the local runner. */
export { LocalStepFunctions, type LocalRunResult, type LocalStateMachine, type LocalStepFunctionsOptions, type RunResume } from './service';
export type { ExecutionStatusChangeEvent, ExecutionStatusChangeDetail, StatusChangeListener } from './status-change';
export { startSfnApi, localSfnClient, CONSOLE_PATH, type SfnApiServer } from './server';
export type { ExecutionRecord, ExecutionStatus, RunRecord } from './execution-store';
export { currentRun, INTERRUPTED_CAUSE, INTERRUPTED_ERROR } from './execution-store';
export { SfnApiError } from './protocol';
export { ExpressLog, readExpressLog, type ExpressExecution } from './express-log';
