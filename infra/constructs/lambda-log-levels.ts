import type { IAspect } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { LambdaLogLevels } from '../config/types';
import { BackupFunction } from './backup-function';

/**
 * Sets every BackupFunction's log-level filtering (Lambda advanced logging controls, JSON format) from the stage, and
 * POWERTOOLS_LOG_LEVEL to the same application level so the Powertools logger neither logs below it nor warns that
 * its level differs from Lambda's. An aspect, so the stage's setting reaches every function without threading it
 * through each construct. System WARN drops the START and REPORT lines (INFO) of each invocation and keeps the
 * platform's warnings and errors; https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
 */
export class LambdaLogLevelsAspect implements IAspect {
  constructor(private readonly levels: Required<LambdaLogLevels>) {}

  visit(node: IConstruct): void {
    if (!(node instanceof BackupFunction)) return;
    const cfn = node.function.node.defaultChild as lambda.CfnFunction;
    const current = (cfn.loggingConfig ?? {}) as lambda.CfnFunction.LoggingConfigProperty;
    if (current.logFormat !== 'JSON') throw new Error(`${node.node.path}: log-level filtering needs the JSON log format`);
    cfn.loggingConfig = { ...current, applicationLogLevel: this.levels.application, systemLogLevel: this.levels.system };
    node.function.addEnvironment('POWERTOOLS_LOG_LEVEL', this.levels.application);
  }
}
