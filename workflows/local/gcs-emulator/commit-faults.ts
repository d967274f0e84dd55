import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorState, RequestContext } from './context';

/**
 * Called by an upload right after its object committed, before it answers: an after-commit fault queued for the object
 * holds the answer (stall) or resets the connection (reset). Returns whether anyone is still there to answer.
 * GCS commits on the final request and answers afterwards; a lost answer leaves the client unsure whether its
 * generation exists, which is what a copier killed between the commit and its own verification sees.
 */
export async function answerAfterCommit(state: EmulatorState, ctx: RequestContext, objectName: string): Promise<boolean> {
  const retryTestId = ctx.req.headers['x-retry-test-id'];
  const fault = state.faults.take({
    operation: 'storage.objects.insert',
    objectName,
    carriesData: true,
    atCommit: true,
    ...(typeof retryTestId === 'string' ? { retryTestId } : {}),
  });
  if (fault?.kind !== 'after-commit') return !ctx.socket.destroyed;
  if (fault.then === 'reset') {
    ctx.socket.resetAndDestroy();
    return false;
  }
  await sleep(fault.ms);
  return !ctx.socket.destroyed;
}
