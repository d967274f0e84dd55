import * as path from 'node:path';

/** The repository root: handler entries, the Dockerfile, the ASL and package-lock.json are resolved from here. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The state machine definition, the single source of truth shared with the local runner. */
export const BACKUP_OBJECT_ASL = path.join(REPO_ROOT, 'asl', 'backup-object.asl.json');

/** The distributed backfill: a Distributed Map starting one backup-object execution per listed object. */
export const BACKFILL_ASL = path.join(REPO_ROOT, 'asl', 'backfill.asl.json');

/** The Express fast path of `express-first`: copies small objects, hands the rest to BACKUP_OBJECT_ASL's machine. */
export const FAST_PATH_ASL = path.join(REPO_ROOT, 'asl', 'fast-path.asl.json');
