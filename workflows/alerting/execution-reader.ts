/** Reads what the alert needs about one ended execution from Step Functions (transport only; see ./execution-alert.ts). */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { EndedExecution, EndedStatus } from './execution-alert';

export async function readEndedExecution(sfn: SFNClient, executionArn: string): Promise<EndedExecution & { stopDate?: Date }> {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const history: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: true, nextToken }));
    history.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return {
    executionArn,
    stateMachineArn: described.stateMachineArn ?? '',
    status: described.status as EndedStatus,
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
    ...(described.stopDate ? { stopDate: described.stopDate } : {}),
    history,
  };
}
