import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ContentStore } from './content';
import type { Fault, FaultInjector } from './faults';
import type { BucketIam } from './iam';
import type { ObjectStore } from './store';
import type { UploadSessions } from './resumable';

/** Everything one emulator instance holds. */
export interface EmulatorState {
  store: ObjectStore;
  contents: ContentStore;
  faults: FaultInjector;
  /** What buckets.testIamPermissions answers (iam.ts). */
  iam: BucketIam;
  sessions: UploadSessions;
  /**
   * Requests being handled, including those a stall fault holds after their client gave up: a stalled request still
   * acts when the stall ends (a delete then lands late), so a harness waits for 0 before judging what is stored.
   */
  inFlight: number;
}

/** One request as the handlers see it. `fault` is a byte-level fault already taken for this request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** kept from the start: `req.socket` is detached once the body stream is destroyed */
  socket: Socket;
  url: URL;
  baseUrl: string;
  fault?: Fault;
}
