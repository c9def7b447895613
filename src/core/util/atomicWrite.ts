/**
 * Atomic file replacement: readers see either the old file or the complete new one, never a torn write. The temp file
 * lives in the target's directory because rename() is only atomic within one filesystem.
 */
import { randomBytes } from 'node:crypto';
import { close, closeSync, fsync, open, openSync, rename, renameSync, unlink, unlinkSync, writeFile, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /**
   * fsync the file before the rename and the directory after it, so the new content survives a power loss.
   * Default true; caches that can tolerate losing an entry pass false (fsync costs milliseconds).
   */
  fsync?: boolean;
  /** File mode for a newly created file (default 0o600: conversations and cache entries are private to the user). */
  mode?: number;
  /**
   * With `fsync: false`: the file is flushed to the device later, by this batcher (group commit). It is handed the
   * written file's descriptor, so the flush needs no second open of the file.
   */
  syncLater?: { add(file: string, fd?: number): void };
  /** A writer that writes one directory often hands its SpareFile: a small write then uses a file made ahead. */
  spare?: SpareFile;
}

/** Windows refuses to rename a file that is still open unless every opener allowed it; there the descriptor is closed first. */
const KEEP_FD = process.platform !== 'win32';

/** True for the temp files writeFileAtomic creates, so directory scanners can skip or reap leftovers after a crash. */
export function isAtomicTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/**
 * Temp names: pid, a random tag drawn once per process, and a counter. Unique among this process's writes without
 * drawing random bytes per write (the result cache writes on every cacheable tool call); 'wx' still refuses to reuse
 * a name a crashed process with the same pid and tag left behind.
 */
const PROCESS_TAG = `${process.pid}.${randomBytes(6).toString('hex')}`;
let seq = 0;

// The callback API: one threadpool trip per step and no FileHandle bookkeeping, about half the main-thread time of
// fs.promises for a small file.
const openP = (file: string, flags: string, mode: number): Promise<number> =>
  new Promise((resolve, reject) => open(file, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
const writeP = (fd: number, data: string | Uint8Array): Promise<void> =>
  new Promise((resolve, reject) => writeFile(fd, data, (err) => (err ? reject(err) : resolve())));
const fsyncP = (fd: number): Promise<void> => new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
const closeP = (fd: number): Promise<void> => new Promise((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
const renameP = (from: string, to: string): Promise<void> => new Promise((resolve, reject) => rename(from, to, (err) => (err ? reject(err) : resolve())));
const unlinkP = (file: string): Promise<void> => new Promise((resolve, reject) => unlink(file, (err) => (err ? reject(err) : resolve())));

/**
 * Below this size a write without fsync is done synchronously: four short system calls on the main thread (tens of
 * microseconds for a few kilobytes) cost less than four trips through the threadpool, each waiting for the event
 * loop to come round. Bigger files keep the loop free.
 */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;

export async function writeFileAtomic(filePath: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const doSync = opts.fsync ?? true;
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${PROCESS_TAG}.${(seq++).toString(36)}.tmp`);
  const later = doSync ? undefined : opts.syncLater;
  if (!doSync && (typeof data === 'string' ? data.length * 3 : data.byteLength) <= SYNC_WRITE_MAX_BYTES) {
    const mode = opts.mode ?? 0o600;
    const keepOpen = !!later && KEEP_FD;
    const made = opts.spare?.take(dir, mode);
    let fd: number | undefined;
    let written = false;
    if (made) {
      try {
        fd = writeSmallSync(made.tmp, filePath, data, mode, keepOpen, made.fd);
        written = true;
      } catch {
        // Removed under us (the directory was, or a scan reaped it): the ordinary way below makes its own.
      }
    }
    if (!written) fd = writeSmallSync(tmp, filePath, data, mode, keepOpen);
    opts.spare?.refill(dir, mode);
    later?.add(filePath, fd);
    return;
  }
  let fd: number | undefined;
  try {
    // 'wx': never follow or clobber something already at the temp name.
    fd = await openP(tmp, 'wx', opts.mode ?? 0o600);
    await writeP(fd, data);
    if (doSync) await fsyncP(fd);
    if (!later || !KEEP_FD) {
      const f = fd;
      fd = undefined;
      await closeP(f);
    }
    await renameP(tmp, filePath);
  } catch (err) {
    if (fd !== undefined) await closeP(fd).catch(() => undefined);
    await unlinkP(tmp).catch(() => undefined);
    throw err;
  }
  later?.add(filePath, fd);
  if (doSync && process.platform !== 'win32') {
    // Persist the rename itself. Best effort: some filesystems refuse fsync on a directory.
    const dh = await openP(dir, 'r', 0).catch(() => undefined);
    if (dh !== undefined) {
      await fsyncP(dh).catch(() => undefined);
      await closeP(dh).catch(() => undefined);
    }
  }
}

/**
 * Returns the descriptor, still open, when `keepOpen` (the caller closes it); else undefined. `made`: the open
 * descriptor of `tmp`, an empty file made ahead (a SpareFile's); without it the file is created here.
 */
function writeSmallSync(tmp: string, filePath: string, data: string | Uint8Array, mode: number, keepOpen: boolean, made?: number): number | undefined {
  let fd: number | undefined = made;
  try {
    fd ??= openSync(tmp, 'wx', mode);
    writeFileSync(fd, data);
    if (!keepOpen) {
      const f = fd;
      fd = undefined;
      closeSync(f);
    }
    renameSync(tmp, filePath);
    return fd;
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was created
    }
    throw err;
  }
}

/** A spare is used only while younger than this; the file cache's scan reaps temp files an hour old. */
const SPARE_MAX_AGE_MS = 10 * 60 * 1000;
/** Spares not yet used, removed when the process exits (a crash leaves an empty temp file, reaped like any other). */
const liveSpares = new Set<SpareFile>();
let exitHooked = false;

/**
 * An empty temp file made ahead of time for the next small write into one directory. Creating a file is most of what
 * a small atomic write costs on ext4 (about 170 µs on the machine of docs/BENCHMARKS.md, against 8 µs to open one that
 * exists), and the conversation store writes one on every turn, between the model's last word and the answer. With a
 * spare, the write opens nothing: it writes the spare and renames it into place, and the next spare is made in the
 * threadpool while the answer goes out. One per writer; `close()` removes it. Not on Windows, which cannot remove a
 * directory while a file in it is open.
 */
export class SpareFile {
  private made?: { dir: string; mode: number; tmp: string; fd: number; born: number };
  private making = false;
  private closed = false;

  /** A spare is made and waiting. */
  get ready(): boolean {
    return this.made !== undefined;
  }

  /** The spare for a write into `dir` with `mode`, now the caller's; undefined when there is none fit for it. */
  take(dir: string, mode: number): { tmp: string; fd: number } | undefined {
    const made = this.made;
    if (!made) return undefined;
    this.made = undefined;
    liveSpares.delete(this);
    if (made.dir === dir && made.mode === mode && Date.now() - made.born < SPARE_MAX_AGE_MS) return made;
    discard(made);
    return undefined;
  }

  /** Makes the next spare for `dir`, in the threadpool; a failure only means the next write creates its own file. */
  refill(dir: string, mode: number): void {
    if (!KEEP_FD || this.closed || this.made || this.making) return;
    this.making = true;
    const tmp = path.join(dir, `.spare.${PROCESS_TAG}.${(seq++).toString(36)}.tmp`);
    // After what the write's caller does next (the store's caller sends its answer), not before it.
    setImmediate(() =>
      open(tmp, 'wx', mode, (err, fd) => {
        this.making = false;
        if (err) return;
        const made = { dir, mode, tmp, fd, born: Date.now() };
        if (this.closed) return discard(made);
        this.made = made;
        liveSpares.add(this);
        if (!exitHooked) {
          exitHooked = true;
          process.once('exit', () => {
            for (const spare of liveSpares) spare.close();
          });
        }
      }),
    );
  }

  /** Removes the spare (one still being made, as soon as it is), and makes no more. */
  close(): void {
    this.closed = true;
    liveSpares.delete(this);
    if (this.made) discard(this.made);
    this.made = undefined;
  }
}

function discard(made: { tmp: string; fd: number }): void {
  try {
    closeSync(made.fd);
  } catch {
    // already closed
  }
  try {
    unlinkSync(made.tmp);
  } catch {
    // already gone
  }
}
