// Output files (`--output`, `--dot`, `--svg`) are written atomically: a reader, or a rerun after a
// crash, sees the old file or the new one, never half of a report.

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LeakscopeError } from '../errors.ts';

/**
 * Writes `data` to `path` via a temp file in the same directory (a rename is only atomic within one
 * file system), flushed with fsync before the rename so a crash cannot leave an empty file in place.
 * The temp file is removed if anything fails, and the failure becomes a LeakscopeError naming the path.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let isRenamed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    isRenamed = true;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new LeakscopeError(`cannot write ${path}: ${reason}`);
  } finally {
    if (!isRenamed) await unlink(temp).catch(() => undefined);
  }
}
