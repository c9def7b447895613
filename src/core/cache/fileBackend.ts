/**
 * The file tier: one small JSON file per entry, `<dir>/v1/<h0h1>/<sha256(key)>.json` (or `.p.json` for persistent
 * entries, so `clear()` and eviction can tell them apart from the name alone without reading every file).
 *
 * Bounded by total bytes: when a write pushes the running total over `maxBytes`, the directory is rescanned (which
 * also counts other processes' writes) and the oldest files by mtime are removed, non-persistent ones first, down to
 * 90% of the bound so eviction does not run on every write.
 *
 * Misses cost no I/O once the directory has been listed: an index of the entry files present (the shard directories'
 * names only, no stat) is built in the background after the first miss, kept current by this instance's own writes
 * and removals, and relisted (after a miss) when older than `INDEX_MAX_AGE_MS` so other processes' entries show up.
 * Until it is ready, and for keys it lists, `get` reads the files as before. The index can only be wrong in two harmless ways: it lists
 * a file another process removed (a read that finds nothing: a miss), or it has not yet seen a file another process
 * wrote in the last minute (a miss where a hit was possible: the value is computed again).
 */
import { readFile, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../ports';
import { isAtomicTempFile, writeFileAtomic } from '../util/atomicWrite';
import { hashKey } from './key';
import { isCacheEntryShape, type CacheBackend, type CacheEntry, type ClearOptions } from './types';

export interface FileBackendOptions {
  dir: string;
  maxBytes: number;
  logger: Logger;
  now?: () => number;
}

interface StoredFile extends CacheEntry {
  v: 1;
  key: string;
}

interface ScannedFile {
  file: string;
  size: number;
  mtimeMs: number;
  persist: boolean;
}

const ENTRY_RE = /^[0-9a-f]{64}(\.p)?\.json$/;
const SHARD_RE = /^[0-9a-f]{2}$/;
/** Temp files older than this are leftovers of a crashed writer. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const LOW_WATER = 0.9;
/** How long, and for how many keys, a miss is remembered for the set() that usually follows (see `absent`). */
const ABSENT_TTL_MS = 10_000;
const ABSENT_MAX = 256;
/** How old the index of entry files may get before it is relisted, to see other processes' writes. */
const INDEX_MAX_AGE_MS = 60_000;

/** What the index knows: the entry files present when it was listed, plus this instance's changes since. */
interface FileIndex {
  files: Set<string>;
  listedAt: number;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The callback readFile wrapped by hand: in Node 20 it takes one threadpool trip where fs.promises.readFile takes
 * several, roughly halving a file hit.
 */
function readText(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    readFile(file, 'utf8', (err, data) => (err ? reject(err) : resolve(data)));
  });
}

/** mkdir -p that reports the real cause: Node's recursive mkdir says ENOENT for e.g. EROFS or EACCES on a parent. */
async function mkdirp(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
    const parent = path.dirname(dir);
    if (parent !== dir) await mkdirp(parent);
    try {
      await fs.mkdir(dir, { mode: 0o700 });
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw e;
    }
  }
}

export class FileBackend implements CacheBackend {
  readonly name = 'file';
  private disabled = false;
  private readonly root: string;
  private readonly maxBytes: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Running estimate of bytes on disk; undefined until the first write scans the directory. */
  private totalBytes: number | undefined;
  private scanning: Promise<void> | undefined;
  private evicting: Promise<void> | undefined;
  private readonly madeDirs = new Set<string>();
  /**
   * Keys whose two files the last get() found absent, with when: the usual set() right after such a miss (a cached
   * tool call) then skips unlinking the other variant, one filesystem round trip fewer. Consumed by the next set().
   */
  private readonly absent = new Map<string, number>();
  private index: FileIndex | undefined;
  /** A listing in progress, and this instance's changes made while it runs (replayed onto it when it finishes). */
  private indexing: { done: Promise<void>; changes: Array<[file: string, present: boolean]> } | undefined;
  private listedAttemptAt = -Infinity;

  constructor(opts: FileBackendOptions) {
    this.root = path.join(opts.dir, 'v1');
    this.maxBytes = opts.maxBytes;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return !this.disabled;
  }

  /** The directory entries live in (for tests and diagnostics). */
  get directory(): string {
    return this.root;
  }

  /** Settles when the index listing under way (if any) is done (for tests and diagnostics). */
  async indexSettled(): Promise<void> {
    await this.indexing?.done;
  }

  /** Paths of the two files a key may live in: [non-persistent, persistent]. */
  filesFor(key: string): [string, string] {
    const h = hashKey(key);
    const shard = path.join(this.root, h.slice(0, 2));
    return [path.join(shard, `${h}.json`), path.join(shard, `${h}.p.json`)];
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    if (this.disabled) return undefined;
    const files = this.filesFor(key);
    const index = this.currentIndex();
    // With an index, read only the files it lists (none, for a miss); without one, both candidates at once.
    const candidates = index ? files.filter((f) => index.files.has(f)) : files;
    const reads = await Promise.all(candidates.map((f) => readText(f).then((text) => ({ text, err: undefined }), (err: unknown) => ({ text: undefined, err }))));
    if (reads.every((r) => errCode(r.err) === 'ENOENT')) {
      for (const f of candidates) this.noteIndex(f, false);
      if (!index) this.relistAfterMiss();
      if (this.absent.size >= ABSENT_MAX) this.absent.clear();
      this.absent.set(key, Date.now());
      return undefined;
    }
    for (let i = 0; i < candidates.length; i++) {
      const file = candidates[i];
      const { text, err } = reads[i];
      if (text === undefined) {
        const code = errCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          this.noteIndex(file, false);
          continue;
        }
        // Unreadable (permissions, EISDIR, I/O error): a miss, and out of the way so it cannot shadow a new value.
        await this.remove(file);
        continue;
      }
      const entry = this.decode(text, key, file === files[1]);
      if (entry === undefined) {
        this.logger.debug(`cache: removing corrupt entry ${file}`);
        await this.remove(file);
        continue;
      }
      if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
        await this.remove(file);
        continue;
      }
      return entry;
    }
    return undefined;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    if (this.disabled) return;
    const [plain, persistent] = this.filesFor(key);
    const target = entry.persist ? persistent : plain;
    const other = entry.persist ? plain : persistent;
    // Found absent a moment ago: nothing of ours to unlink. (Another process writing the other variant in between
    // wrote an equally valid value for the same key.)
    const seenAbsent = this.absent.get(key);
    this.absent.delete(key);
    const otherAbsent = seenAbsent !== undefined && Date.now() - seenAbsent < ABSENT_TTL_MS;
    const stored: StoredFile = {
      v: 1,
      key,
      createdAt: entry.createdAt,
      expiresAt: entry.expiresAt,
      persist: entry.persist,
      value: entry.value,
    };
    const data = JSON.stringify(stored);
    const bytes = Buffer.byteLength(data);
    if (bytes > this.maxBytes) {
      // Too big to ever fit; drop any older value so it is not served in place of this one.
      await Promise.all([this.remove(plain), this.remove(persistent)]);
      return;
    }
    try {
      await this.ensureScanned();
      if (this.disabled) return;
      await this.ensureDir(path.dirname(target));
      try {
        await writeFileAtomic(target, data, { fsync: false });
      } catch (err) {
        // clear() from another instance may have removed the shard directory between mkdir and write: retry once.
        if (errCode(err) !== 'ENOENT') throw err;
        this.madeDirs.delete(path.dirname(target));
        await this.ensureDir(path.dirname(target));
        await writeFileAtomic(target, data, { fsync: false });
      }
    } catch (err) {
      this.disable(err);
      return;
    }
    this.noteIndex(target, true);
    if (!otherAbsent) await this.remove(other);
    this.totalBytes = (this.totalBytes ?? 0) + bytes;
    if (this.totalBytes > this.maxBytes) await this.evict();
  }

  async delete(key: string): Promise<void> {
    if (this.disabled) return;
    const [plain, persistent] = this.filesFor(key);
    await Promise.all([this.remove(plain), this.remove(persistent)]);
  }

  async clear(opts: ClearOptions = {}): Promise<void> {
    if (this.disabled) return;
    const files = await this.scan();
    await Promise.all(files.filter((f) => opts.includePersistent === true || !f.persist).map((f) => this.remove(f.file)));
    // Recount on the next write rather than trusting arithmetic over a directory others may share.
    this.totalBytes = undefined;
  }

  /** Remove the oldest entries until the directory is under the low-water mark. Concurrent calls share one run. */
  evict(): Promise<void> {
    this.evicting ??= this.runEviction().finally(() => {
      this.evicting = undefined;
    });
    return this.evicting;
  }

  private async runEviction(): Promise<void> {
    const files = await this.scan();
    let total = files.reduce((n, f) => n + f.size, 0);
    if (total > this.maxBytes) {
      const target = Math.floor(this.maxBytes * LOW_WATER);
      // Non-persistent before persistent; oldest first within each group.
      const order = files.sort((a, b) => Number(a.persist) - Number(b.persist) || a.mtimeMs - b.mtimeMs);
      for (const f of order) {
        if (total <= target) break;
        await this.remove(f.file);
        total -= f.size;
      }
    }
    this.totalBytes = total;
  }

  private ensureScanned(): Promise<void> {
    if (this.totalBytes !== undefined) return Promise.resolve();
    this.scanning ??= this.scan()
      .then((files) => {
        this.totalBytes = files.reduce((n, f) => n + f.size, 0);
      })
      .finally(() => {
        this.scanning = undefined;
      });
    return this.scanning;
  }

  /** Every entry file with its size and age; reaps stale temp files on the way. A missing directory is empty. */
  private async scan(): Promise<ScannedFile[]> {
    let shards: Array<[dir: string, names: string[]]>;
    try {
      shards = await this.listShards();
    } catch {
      return [];
    }
    const out: ScannedFile[] = [];
    const now = Date.now(); // file mtimes are wall-clock, so compare against the wall clock, not the injected one
    await Promise.all(
      shards.map(async ([dir, names]) => {
        for (const name of names) {
          const file = path.join(dir, name);
          const isEntry = ENTRY_RE.test(name);
          if (!isEntry && !isAtomicTempFile(name)) continue;
          let st;
          try {
            st = await fs.stat(file);
          } catch {
            continue; // removed concurrently
          }
          if (isEntry) out.push({ file, size: st.size, mtimeMs: st.mtimeMs, persist: name.endsWith('.p.json') });
          else if (now - st.mtimeMs > STALE_TEMP_MS) await this.remove(file);
        }
      }),
    );
    return out;
  }

  /** Each shard directory with the names in it. A missing root is an empty cache; another error is thrown. */
  private async listShards(): Promise<Array<[dir: string, names: string[]]>> {
    let shards: string[];
    try {
      shards = (await fs.readdir(this.root)).filter((s) => SHARD_RE.test(s));
    } catch (err) {
      if (errCode(err) === 'ENOENT') return [];
      throw err;
    }
    const listed = await Promise.all(
      shards.map(async (shard): Promise<[string, string[]]> => {
        const dir = path.join(this.root, shard);
        // A shard removed concurrently (clear() from another instance) is empty.
        return [dir, await fs.readdir(dir).catch(() => [] as string[])];
      }),
    );
    return listed;
  }

  private decode(text: string, key: string, persistentFile: boolean): CacheEntry | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!isCacheEntryShape(parsed)) return undefined;
    const o = parsed as Partial<StoredFile>;
    // The name says which key and which kind the file holds; a file disagreeing with its name is not trusted.
    if (o.v !== 1 || o.key !== key || parsed.persist !== persistentFile) return undefined;
    return { value: parsed.value, createdAt: parsed.createdAt, expiresAt: parsed.expiresAt, persist: parsed.persist };
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdirp(dir);
    this.madeDirs.add(dir);
  }

  private async remove(file: string): Promise<void> {
    try {
      await fs.unlink(file);
    } catch {
      // Already gone or not removable; either way it is not ours to fail over.
    }
    this.noteIndex(file, false);
  }

  /** The index if it is fresh enough to answer from. */
  private currentIndex(): FileIndex | undefined {
    const index = this.index;
    return index && !this.indexing && this.now() - index.listedAt < INDEX_MAX_AGE_MS ? index : undefined;
  }

  /**
   * After a miss the index could have answered for free: list the entries in the background, at most once per
   * `INDEX_MAX_AGE_MS`. Not on hits (a process that only hits never pays for a listing, and a first read is not
   * slowed by one running beside it).
   */
  private relistAfterMiss(): void {
    if (this.indexing || this.now() - this.listedAttemptAt < INDEX_MAX_AGE_MS) return;
    this.listedAttemptAt = this.now();
    const changes: Array<[string, boolean]> = [];
    const done = this.listEntries().then(
      (files) => {
        for (const [file, present] of changes) {
          if (present) files.add(file);
          else files.delete(file);
        }
        this.index = { files, listedAt: this.now() };
      },
      () => {
        // Unlistable: keep reading files directly; tried again after the age limit.
        this.index = undefined;
      },
    );
    this.indexing = { done, changes };
    void done.finally(() => {
      this.indexing = undefined;
    });
  }

  /** Record that a file is (or is no longer) there, in the index and in any listing under way. */
  private noteIndex(file: string, present: boolean): void {
    if (present) this.index?.files.add(file);
    else this.index?.files.delete(file);
    this.indexing?.changes.push([file, present]);
  }

  /** Names only (no stat): every entry file in every shard. */
  private async listEntries(): Promise<Set<string>> {
    const files = new Set<string>();
    for (const [dir, names] of await this.listShards()) for (const name of names) if (ENTRY_RE.test(name)) files.add(path.join(dir, name));
    return files;
  }

  private disable(err: unknown): void {
    if (this.disabled) return;
    this.disabled = true;
    this.logger.warn(
      `cache: cannot write to ${path.dirname(this.root)} (${errCode(err) ?? errMessage(err)}); the disk cache is off for this session, the memory cache keeps working`,
    );
  }
}
