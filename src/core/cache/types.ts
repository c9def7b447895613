/** Shared shapes of the two-tier cache: the entry a second tier stores and the interface a second tier implements. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One cached value as a second tier (file, Redis, custom) stores it. Times are epoch milliseconds. */
export interface CacheEntry {
  value: unknown;
  createdAt: number;
  /** null: never expires. */
  expiresAt: number | null;
  /** See `SetOptions.persist`. */
  persist: boolean;
}

export interface ClearOptions {
  /** Also drop persistent entries (default false: `clear()` keeps them). */
  includePersistent?: boolean;
}

/**
 * The tier behind the in-memory LRU. Implementations swallow their own I/O failures (a failing read is a miss, a
 * failing write is dropped) and log at most one warning when they give up; the Cache also guards against a backend
 * that throws anyway.
 */
export interface CacheBackend {
  /** For stats and messages, e.g. `file`, `redis`. */
  readonly name: string;
  /** False once the backend has given up (unwritable directory, unreachable server); the Cache then skips it. */
  readonly enabled: boolean;
  /** The entry, or undefined when absent, expired, corrupt or unreadable. Never returns an expired entry. */
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry): Promise<void>;
  delete(key: string): Promise<void>;
  clear(opts?: ClearOptions): Promise<void>;
  /** Release connections and timers. */
  close?(): Promise<void>;
}

/** Structural check for an entry read back from storage; anything else is treated as corrupt. */
export function isCacheEntryShape(x: unknown): x is CacheEntry {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    'value' in o &&
    typeof o.createdAt === 'number' &&
    (o.expiresAt === null || typeof o.expiresAt === 'number') &&
    typeof o.persist === 'boolean'
  );
}
