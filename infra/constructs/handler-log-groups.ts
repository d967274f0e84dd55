import { CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * CDK's own deploy-time handlers (the bucket-notifications handler, custom-resource providers) would log to an implicit
 * /aws/lambda/… group that never expires. Gives each of them a log group with `retention`, through the function's
 * LoggingConfig so the group exists before the handler first runs. Call once, after every construct is added.
 */
export function giveDeployTimeHandlersLogRetention(stack: Stack, retention: logs.RetentionDays): void {
  const handlers = stack.node
    .findAll()
    .filter(
      (c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === 'AWS::Lambda::Function' && !(c instanceof lambda.CfnFunction),
    );
  for (const handler of handlers) {
    const group = new logs.LogGroup(handler.node.scope!, `${handler.node.id}Logs`, { retention, removalPolicy: RemovalPolicy.DESTROY });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: group.logGroupName });
  }
}
