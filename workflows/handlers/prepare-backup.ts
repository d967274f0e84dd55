/** "Normalize the event", as a factory of its configuration (see ./copy-object.ts for why factories). */
import { parsePrepareRequest, prepareBackup, type PrepareConfig, type PreparedEvent } from '../backup/prepare';

export function prepareBackupHandler(config: PrepareConfig): (payload: unknown) => Promise<PreparedEvent> {
  return async (payload) => prepareBackup(parsePrepareRequest(payload), config);
}
