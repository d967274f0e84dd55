import { Aws, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface StateMachineLogGroupProps {
  /** The state machine's name, repeated in the log group's. (Default: a name CloudFormation generates) */
  readonly stateMachineName?: string;
  readonly retention: logs.RetentionDays;
  /** (Default: CloudWatch Logs' own encryption) */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A state machine's log group, kept when the stack is deleted (it holds the executions' history). A retained group
 * with a fixed name would make the next deploy fail with "already exists" after a stack delete or a failed first
 * deploy, so its name ends with this stack's ID, which CloudFormation makes new for every stack it creates. The
 * /aws/vendedlogs/ prefix keeps the log resource policy small (AWS's advice for Step Functions logging).
 */
export function stateMachineLogGroup(scope: Construct, id: string, props: StateMachineLogGroupProps): logs.LogGroup {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return new logs.LogGroup(scope, id, {
    ...(props.stateMachineName && { logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}-${stackUuid}` }),
    retention: props.retention,
    ...(props.encryptionKey && { encryptionKey: props.encryptionKey }),
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
