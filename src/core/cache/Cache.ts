/**
 * Two-tier cache, as the original Python agent had it: check memory, then the second tier (files, or Redis when a
 * `redisUrl` is given), then compute, then update both.
 *
 * Semantics:
 * - Values must be JSON-serializable. `set` stores a JSON round-tripped copy, so memory and disk return the same
 *   shape (a Date comes back as a string from both) and later mutation of the caller's object does not leak in.
 *   Hits return the stored object itself (no copy, to keep the memory-hit path in microseconds): do not mutate it.
 * - TTL: every entry expires `ttlSeconds` (default `defaultTtlSeconds`, 7 days) after it was set; `Infinity` means
 *   never. Expiry is checked on read in both tiers.
 * - Every entry is written to both tiers, so any unexpired entry survives a process restart (the disk tier is shared by
 *   all Cache instances on the same directory).
 * - `persist: true` marks an entry worth keeping: `clear()` (default) removes only non-persistent entries while
 *   `clear({ includePersistent: true })` removes everything; and when the file tier is over its size bound,
 *   non-persistent entries are evicted first. Persistent entries still expire by TTL and can still be evicted once
 *   only persistent entries are left over the bound.
 * - Failures of the second tier never surface: a broken tier logs one warning and the memory tier carries on.
 */
import { LRUCache } from 'lru-cache';
import { silentLogger, type Logger } from '../ports';
import { resolveCacheDir } from '../util/paths';
import { FileBackend } from './fileBackend';
import { RedisBackend } from './redisBackend';
import type { CacheBackend, CacheEntry, ClearOptions } from './types';

export interface CacheOptions {
  /** File tier directory (default: `resolveCacheDir()`). Ignored when `backend` or `redisUrl` is given. */
  dir?: string;
  /** Memory tier bound on entry count (default 1000). */
  memoryMaxEntries?: number;
  /** Memory tier bound on total size, measured as JSON characters (default 64 MiB). */
  memoryMaxBytes?: number;
  /** File tier bound on total bytes on disk (default 256 MiB). */
  fileMaxBytes?: number;
  /** TTL for entries set without one (default 7 days; Infinity: never expire). */
  defaultTtlSeconds?: number;
  /** A custom second tier, or `false` for memory only. */
  backend?: CacheBackend | false;
  /** Use Redis instead of the file tier. */
  redisUrl?: string;
  /** Redis connect timeout (default 2000 ms). */
  redisConnectTimeoutMs?: number;
  logger?: Logger;
  /** Clock in epoch ms, for tests of expiry (default Date.now). */
  now?: () => number;
}

export interface SetOptions {
  /** Seconds until the entry expires; Infinity: never. Must be > 0. */
  ttlSeconds?: number;
  /** Keep through `clear()` and evict last; see the module comment. */
  persist?: boolean;
  /** Keep in the memory tier only: a value cheaper to compute again than to write to (and read back from) disk. */
  memoryOnly?: boolean;
}

export interface CacheStats {
  memoryHits: number;
  /** Hits served by the second tier (file or Redis). */
  backendHits: number;
  misses: number;
  sets: number;
  memoryEntries: number;
  /** Approximate memory tier size in JSON characters. */
  memorySize: number;
  /** `file`, `redis`, a custom backend's name, or `none`. */
  backend: string;
  /** False when there is no second tier or it has given up. */
  backendEnabled: boolean;
}

interface MemEntry {
  value: unknown;
  /** Epoch ms; Infinity for never. */
  expiresAt: number;
  persist: boolean;
  size: number;
}

const DEFAULT_TTL_SECONDS = 7 * 24 * 60 * 60;

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Cache {
  private readonly mem: LRUCache<string, MemEntry>;
  private backend: CacheBackend | undefined;
  private readonly backendName: string;
  private readonly defaultTtlSeconds: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly counters = { memoryHits: 0, backendHits: 0, misses: 0, sets: 0 };

  constructor(opts: CacheOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.defaultTtlSeconds = opts.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS;
    assertTtl(this.defaultTtlSeconds);
    this.mem = new LRUCache<string, MemEntry>({
      max: Math.max(1, opts.memoryMaxEntries ?? 1000),
      maxSize: Math.max(1, opts.memoryMaxBytes ?? 64 * 1024 * 1024),
      sizeCalculation: (e) => e.size,
    });
    if (opts.backend === false) {
      this.backend = undefined;
    } else if (opts.backend) {
      this.backend = opts.backend;
    } else if (opts.redisUrl) {
      this.backend = new RedisBackend({
        url: opts.redisUrl,
        logger: this.logger,
        now: this.now,
        ...(opts.redisConnectTimeoutMs !== undefined ? { connectTimeoutMs: opts.redisConnectTimeoutMs } : {}),
      });
    } else {
      this.backend = new FileBackend({
        dir: opts.dir ?? resolveCacheDir(),
        maxBytes: opts.fileMaxBytes ?? 256 * 1024 * 1024,
        logger: this.logger,
        now: this.now,
      });
    }
    this.backendName = this.backend?.name ?? 'none';
  }

  /**
   * Memory tier only, synchronous: the fast path for hot keys. Undefined on a miss or an expired entry (which it
   * drops); it never consults the second tier.
   */
  peek<T>(key: string): T | undefined {
    const e = this.mem.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.mem.delete(key);
      return undefined;
    }
    this.counters.memoryHits++;
    return e.value as T;
  }

  /** The cached value or undefined. The type parameter is trusted, not checked. */
  async get<T>(key: string): Promise<T | undefined> {
    const hit = this.peek<T>(key);
    if (hit !== undefined) return hit;
    return this.getFromBackend<T>(key);
  }

  async set(key: string, value: unknown, opts: SetOptions = {}): Promise<void> {
    await this.store(key, value, opts);
  }

  /**
   * The cached value, or `compute()`'s result stored under `key`. Concurrent calls for the same key share one
   * computation (and one second-tier lookup); a failed computation is not cached and rejects every waiter.
   * The result is the stored JSON copy, the same shape later hits return.
   */
  async getOrCompute<T>(key: string, compute: () => T | Promise<T>, opts: SetOptions = {}): Promise<T> {
    const hit = this.peek<T>(key);
    if (hit !== undefined) return hit;
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const p = (async (): Promise<T> => {
      const found = await this.getFromBackend<T>(key);
      if (found !== undefined) return found;
      const value = await compute();
      return (await this.store(key, value, opts)) as T;
    })();
    this.inflight.set(key, p);
    const done = (): void => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(done, done);
    return p;
  }

  async delete(key: string): Promise<void> {
    this.mem.delete(key);
    const b = this.activeBackend();
    if (b) await this.guard(() => b.delete(key), undefined);
  }

  /** Drop non-persistent entries from both tiers; with `includePersistent`, everything. */
  async clear(opts: ClearOptions = {}): Promise<void> {
    if (opts.includePersistent === true) {
      this.mem.clear();
    } else {
      // Collect first: deleting while iterating the LRU's linked list is not safe.
      const drop = [...this.mem.entries()].filter(([, e]) => !e.persist).map(([k]) => k);
      for (const k of drop) this.mem.delete(k);
    }
    const b = this.activeBackend();
    if (b) await this.guard(() => b.clear(opts), undefined);
  }

  stats(): CacheStats {
    return {
      ...this.counters,
      memoryEntries: this.mem.size,
      memorySize: this.mem.calculatedSize,
      backend: this.backendName,
      backendEnabled: this.activeBackend() !== undefined,
    };
  }

  /** Release the second tier's resources (the Redis connection). The cache stays usable as memory-only. */
  async close(): Promise<void> {
    const b = this.backend;
    this.backend = undefined;
    if (b?.close) await this.guard(() => b.close!(), undefined);
  }

  private async getFromBackend<T>(key: string): Promise<T | undefined> {
    const b = this.activeBackend();
    const entry = b ? await this.guard(() => b.get(key), undefined) : undefined;
    if (entry === undefined) {
      this.counters.misses++;
      return undefined;
    }
    // Trust but verify: a custom backend might return an expired entry.
    const expiresAt = entry.expiresAt ?? Infinity;
    if (expiresAt <= this.now()) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.backendHits++;
    this.mem.set(key, { value: entry.value, expiresAt, persist: entry.persist, size: memSize(key, entry.value) });
    return entry.value as T;
  }

  /** Store in both tiers; returns the stored copy. */
  private async store(key: string, value: unknown, opts: SetOptions): Promise<unknown> {
    const ttl = opts.ttlSeconds ?? this.defaultTtlSeconds;
    assertTtl(ttl);
    const json = JSON.stringify(value);
    // JSON.stringify returns undefined for undefined, functions and symbols: not cacheable.
    if (typeof json !== 'string') throw new TypeError(`cache: value for ${key} is not JSON-serializable`);
    const copy: unknown = JSON.parse(json);
    const now = this.now();
    const expiresAt = ttl === Infinity ? Infinity : now + ttl * 1000;
    const persist = opts.persist ?? false;
    this.counters.sets++;
    this.mem.set(key, { value: copy, expiresAt, persist, size: key.length + json.length });
    const b = opts.memoryOnly === true ? undefined : this.activeBackend();
    if (b) {
      const entry: CacheEntry = { value: copy, createdAt: now, expiresAt: ttl === Infinity ? null : expiresAt, persist };
      await this.guard(() => b.set(key, entry), undefined);
    }
    return copy;
  }

  private activeBackend(): CacheBackend | undefined {
    const b = this.backend;
    return b?.enabled ? b : undefined;
  }

  /** Run a backend call; a backend that throws despite its contract is switched off with one warning. */
  private async guard<R>(fn: () => Promise<R>, fallback: R): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (this.backend) {
        this.logger.warn(`cache: ${this.backendName} tier failed (${errMessage(err)}); using the memory cache only`);
        this.backend = undefined;
      }
      return fallback;
    }
  }
}

function assertTtl(ttl: number): void {
  if (!(ttl > 0)) throw new RangeError(`cache: ttlSeconds must be > 0 (got ${ttl})`);
}

function memSize(key: string, value: unknown): number {
  return key.length + (JSON.stringify(value)?.length ?? 0);
}
