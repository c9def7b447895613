/**
 * A lock file beside a file that several processes read, change and write back (the file conversation store's
 * appends): `<file>.lock`, created with O_EXCL, holding the owner's pid and host. A waiter retries with a growing
 * pause; a lock whose owner is gone (its pid no longer runs on this host) or that is older than `staleMs` is taken
 * over. The takeover renames the old lock aside and checks it is the one it judged stale, so two waiters do not both
 * take over (the loser puts back what it moved, if the name is still free).
 *
 * Node has no flock(); PostgreSQL is the store for several instances, and this keeps two CLI runs, or `serve` and a
 * CLI run, on one data directory from losing each other's turns.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import os from 'node:os';

export interface FileLockOptions {
  /** Give up after this long (default 10 s): the error names the lock file to remove. */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its owner seems alive (default 30 s; a held lock lasts milliseconds). */
  staleMs?: number;
}

const HOST = os.hostname();
let seq = 0;

export async function withFileLock<T>(file: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const lock = `${file}.lock`;
  await acquire(lock, opts.timeoutMs ?? 10_000, opts.staleMs ?? 30_000);
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Already gone (taken over as stale after a very long hold): nothing of ours to remove.
    }
  }
}

async function acquire(lock: string, timeoutMs: number, staleMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pause = 1;
  for (;;) {
    if (tryCreate(lock)) return;
    const held = statOf(lock);
    if (held && isStale(lock, held, staleMs)) {
      takeOver(lock, held);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is held by another process (${ownerOf(lock) ?? 'unknown'}); if no mcp-agent is running, remove that file`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 50);
  }
}

function tryCreate(lock: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid} ${HOST}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function ownerOf(lock: string): string | undefined {
  try {
    return readFileSync(lock, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function isStale(lock: string, held: Stats, staleMs: number): boolean {
  if (Date.now() - held.mtimeMs > staleMs) return true;
  const [pid, host] = (ownerOf(lock) ?? '').split(' ');
  // Only a process on this host can be checked; an empty lock is one being written right now.
  if (host !== HOST || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Moves the stale lock aside; if what was moved is not the lock judged stale, it goes back unless the name was taken. */
function takeOver(lock: string, judged: Stats): void {
  const aside = `${lock}.${process.pid}.${(seq++).toString(36)}.stale`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // Someone else moved or released it first: try again from the start.
  }
  const moved = statOf(aside);
  if (moved && (moved.ino !== judged.ino || moved.dev !== judged.dev)) {
    // A fresh lock: put it back with link(), which never replaces a lock created since.
    try {
      linkSync(aside, lock);
    } catch {
      // The name was taken meanwhile by a third waiter: then two hold it. That needs a crashed owner and three
      // processes waiting on one conversation at once; the lock narrows a lost update to that, it cannot rule it out.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}
