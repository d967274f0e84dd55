import type { SfnApiError } from '../../workflows/local/sfn-api/protocol';

/** The error a call of the local Step Functions service is refused with; fails the test when the call succeeds. */
export async function rejection(p: Promise<unknown>): Promise<SfnApiError> {
  try {
    await p;
  } catch (err) {
    return err as SfnApiError;
  }
  throw new Error('expected the call to be refused');
}
