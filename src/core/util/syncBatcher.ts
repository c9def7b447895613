/**
 * Group commit for files written with an atomic rename: the write is visible to every reader (and survives the
 * process being killed) as soon as the rename is done; the flush to the device follows within `delayMs`, one fsync
 * per file and one per directory for everything written in that window. This is what MongoDB's journal and
 * PostgreSQL's `synchronous_commit = off` trade: a power cut can lose the last fraction of a second, never a file's
 * older contents. An fsync per write cost more than the rest of an HTTP turn together (docs/BENCHMARKS.md).
 */
import { close, fsync, open } from 'node:fs';
import path from 'node:path';

const fsyncPath = (file: string, flags: string): Promise<void> =>
  new Promise((resolve) => {
    open(file, flags, (err, fd) => {
      // Gone (deleted, or replaced again and to be synced by its own entry) or a directory that refuses: nothing to do.
      if (err) return resolve();
      fsync(fd, () => close(fd, () => resolve()));
    });
  });

const fsyncFd = (fd: number): Promise<void> => new Promise((resolve) => fsync(fd, () => close(fd, () => resolve())));

export class SyncBatcher {
  /** Files to flush, with the descriptor their writer left open for it (none: the flush opens the file). */
  private readonly pending = new Map<string, number | undefined>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly delayMs = 50) {}

  /**
   * `file` was just renamed into place: flush it (and its directory) soon. `fd`, the written file's descriptor, is
   * the batcher's from now on: it is synced and closed, which saves opening the file again.
   */
  add(file: string, fd?: number): void {
    const older = this.pending.get(file);
    // Replaced again within the window: the older file is no longer reachable by its name, so only the new one counts.
    if (older !== undefined) close(older, () => undefined);
    this.pending.set(file, fd);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
      // A flush pending must not keep a finished CLI alive; dispose() flushes on the way out.
      this.timer.unref();
    }
  }

  /** Everything added so far is on the device when this resolves. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.pending.size === 0) return;
    const entries = [...this.pending];
    const files = entries.map(([f]) => f);
    this.pending.clear();
    this.running = (async () => {
      await Promise.all(entries.map(([f, fd]) => (fd === undefined ? fsyncPath(f, 'r') : fsyncFd(fd))));
      if (process.platform !== 'win32') await Promise.all([...new Set(files.map((f) => path.dirname(f)))].map((d) => fsyncPath(d, 'r')));
    })();
    await this.running;
  }
}
