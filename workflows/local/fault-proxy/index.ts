/** An S3 fault-injecting HTTP proxy for soak tests: see README.md. */
export { startFaultProxy, type FaultCounts, type FaultProxy, type FaultProxyOptions } from './proxy';
export { FaultPlan, S3_FAULT_KINDS, checkRates, type FaultDecision, type FaultPlanOptions, type FaultRates, type S3FaultKind } from './plan';
export { s3ErrorXml, slowDown } from './s3-errors';
