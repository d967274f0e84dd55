/** The intake's SQS handler, as a factory of its dependencies (see ./copy-object.ts for why factories). */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startExecutionsForBatch, type StartExecutionsConfig, type StartLogger } from '../backup/start-executions';

export interface StartExecutionsHandlerDependencies {
  config: Pick<StartExecutionsConfig, 'stateMachineArn' | 'skipReason'>;
  /** Built with maxAttempts 1: the policy's bounded full-jitter loop is the one layer that retries StartExecution. */
  sfn: SFNClient;
  /** The Powertools logger in Lambda (it adds the invocation's context); the local intake's own logger otherwise. */
  logger: StartLogger & Partial<Pick<Logger, 'addContext'>>;
}

/** The handler; the local intake (workflows/local/sandbox/intake.ts) calls it without a Lambda context. */
export function startExecutionsHandler(deps: StartExecutionsHandlerDependencies): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { config, sfn, logger } = deps;
  return async (event, context) => {
    if (context) logger.addContext?.(context);
    return startExecutionsForBatch(event, { sfn, logger, stateMachineArn: config.stateMachineArn, skipReason: config.skipReason }, context);
  };
}
