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

export class SyncBatcher {
  private readonly pending = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly delayMs = 50) {}

  /** `file` was just renamed into place: flush it (and its directory) soon. */
  add(file: string): void {
    this.pending.add(file);
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
    const files = [...this.pending];
    this.pending.clear();
    this.running = (async () => {
      await Promise.all(files.map((f) => fsyncPath(f, 'r')));
      if (process.platform !== 'win32') await Promise.all([...new Set(files.map((f) => path.dirname(f)))].map((d) => fsyncPath(d, 'r')));
    })();
    await this.running;
  }
}
