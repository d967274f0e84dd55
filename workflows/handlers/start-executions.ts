/** The intake's SQS handler, as a factory of its dependencies (see ./copy-object.ts for why factories). */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SQSRecord } from 'aws-lambda';
import type { InFlightGate } from '../backup/in-flight-gate';
import { startExecutionsForBatch, type StartExecutionsConfig, type StartLogger } from '../backup/start-executions';

/** Time left at the end of an invocation to send unadmitted messages back to the queue and answer. */
export const REQUEUE_MARGIN_MS = 30_000;

export interface StartExecutionsHandlerDependencies {
  config: Pick<StartExecutionsConfig, 'stateMachineArn' | 'skipReason'>;
  /** Built with maxAttempts 1: the policy's bounded full-jitter loop is the one layer that retries StartExecution. */
  sfn: SFNClient;
  /** The Powertools logger in Lambda (it adds the invocation's context); the local intake's own logger otherwise. */
  logger: StartLogger & Partial<Pick<Logger, 'addContext'>>;
  /**
   * The bound on executions in flight (none: unbounded). A batch waits for permits until REQUEUE_MARGIN_MS before the
   * invocation's end (without a Lambda context: `budgetMs` from the call), then sends what is left back with `requeue`.
   */
  inFlight?: { gate: InFlightGate; requeue: (record: SQSRecord) => Promise<void>; budgetMs?: number };
}

/** The handler; the local intake (workflows/local/sandbox/intake.ts) calls it without a Lambda context. */
export function startExecutionsHandler(deps: StartExecutionsHandlerDependencies): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { config, sfn, logger } = deps;
  return async (event, context) => {
    if (context) logger.addContext?.(context);
    const { inFlight } = deps;
    const budgetMs = context ? context.getRemainingTimeInMillis() - REQUEUE_MARGIN_MS : (inFlight?.budgetMs ?? Infinity);
    return startExecutionsForBatch(
      event,
      {
        sfn,
        logger,
        stateMachineArn: config.stateMachineArn,
        skipReason: config.skipReason,
        ...(inFlight ? { inFlight: { gate: inFlight.gate, requeue: inFlight.requeue, deadline: Date.now() + budgetMs } } : {}),
      },
      context,
    );
  };
}
