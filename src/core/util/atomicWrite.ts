/**
 * Atomic file replacement: readers see either the old file or the complete new one, never a torn write. The temp file
 * lives in the target's directory because rename() is only atomic within one filesystem.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /**
   * fsync the file before the rename and the directory after it, so the new content survives a power loss.
   * Default true; caches that can tolerate losing an entry pass false (fsync costs milliseconds).
   */
  fsync?: boolean;
  /** File mode for a newly created file (default 0o600: conversations and cache entries are private to the user). */
  mode?: number;
}

/** True for the temp files writeFileAtomic creates, so directory scanners can skip or reap leftovers after a crash. */
export function isAtomicTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

export async function writeFileAtomic(filePath: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const doSync = opts.fsync ?? true;
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    // 'wx': never follow or clobber something already at the temp name.
    handle = await fs.open(tmp, 'wx', opts.mode ?? 0o600);
    await handle.writeFile(data);
    if (doSync) await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, filePath);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (doSync && process.platform !== 'win32') {
    // Persist the rename itself. Best effort: some filesystems refuse fsync on a directory.
    const dh = await fs.open(dir, 'r').catch(() => undefined);
    if (dh) {
      await dh.sync().catch(() => undefined);
      await dh.close().catch(() => undefined);
    }
  }
}
