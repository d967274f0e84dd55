/** "Normalize the event", as a factory of its configuration (see ./copy-object.ts for why factories). */
import { prepareBackup, type PrepareConfig, type PreparedEvent } from '../backup/prepare';

export function prepareBackupHandler(config: PrepareConfig): (input: unknown) => Promise<PreparedEvent> {
  return async (input) => prepareBackup(input, config);
}
