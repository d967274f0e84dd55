import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `text` atomically: written to `<path>.tmp`, then renamed over it, so a crash leaves the old or
 * the new content, never half of one. `durable` also fsyncs the file before the rename and the directory after it:
 * write() and rename() survive a killed process, only the syncs survive a power loss.
 */
export function replaceFile(path: string, text: string, options: { durable?: boolean } = {}): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    if (text.length > 0) writeSync(fd, text);
    if (options.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (options.durable) fsyncDirectory(dirname(path));
}

/** A file created, renamed or unlinked in `dir` is durable only once the directory is synced. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
