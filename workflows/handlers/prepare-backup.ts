/** "Normalize the event", as a factory of its configuration (see ./copy-object.ts for why factories). */
import { parsePrepareRequest, prepareBackup, prepareBrief, type BriefPreparedEvent, type PrepareConfig, type PreparedEvent } from '../backup/prepare';

export function prepareBackupHandler(config: PrepareConfig): (payload: unknown) => Promise<PreparedEvent | BriefPreparedEvent> {
  return async (payload) => {
    const request = parsePrepareRequest(payload);
    return 'brief' in request ? prepareBrief(request, config) : prepareBackup(request, config);
  };
}
