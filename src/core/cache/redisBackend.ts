/**
 * Redis as the second tier (instead of files) when a `redisUrl` is configured. Keys are
 * `<prefix>e:<key>` (plain) and `<prefix>p:<key>` (persistent) so `clear()` can SCAN one kind; expiry is Redis's own
 * (EX/PX), and the stored `expiresAt` is checked too so an injected clock and Redis agree.
 *
 * Failure policy: Redis is an optimisation, never a dependency. Connecting is bounded by a timeout; commands are
 * bounded by a timeout and fail fast while disconnected (no offline queue). The first failure of an outage logs one
 * warning; while Redis is down every read is a miss and every write is dropped, and a reconnect is attempted at most
 * every `retryIntervalMs`, on demand. The socket only keeps the process alive while a command is in flight.
 */
import { createClient } from 'redis';
import type { Logger } from '../ports';
import { isCacheEntryShape, type CacheBackend, type CacheEntry, type ClearOptions } from './types';

export interface RedisBackendOptions {
  url: string;
  logger: Logger;
  /** Bound on establishing the connection (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Bound on each command (default 1000 ms). */
  commandTimeoutMs?: number;
  /** How long to stay memory-only after a failure before trying to connect again (default 30 s). */
  retryIntervalMs?: number;
  /** Key namespace (default `mcp-agent:cache:`). */
  prefix?: string;
  now?: () => number;
}

type Client = ReturnType<typeof createClient>;

interface Stored {
  createdAt: number;
  expiresAt: number | null;
  persist: boolean;
  value: unknown;
}

/** The URL without credentials, for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid redis url>';
  }
}

class NoAnswer extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** Escape glob metacharacters for SCAN MATCH. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

export class RedisBackend implements CacheBackend {
  readonly name = 'redis';
  private readonly url: string;
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly retryIntervalMs: number;
  private readonly prefix: string;
  private readonly now: () => number;

  private client: Client | undefined;
  private connecting: Promise<Client | undefined> | undefined;
  /** Wall-clock time of the last failure; undefined while healthy. */
  private downSince: number | undefined;
  private warned = false;
  private closed = false;
  private inFlight = 0;

  constructor(opts: RedisBackendOptions) {
    this.url = opts.url;
    this.logger = opts.logger;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 1000;
    this.retryIntervalMs = opts.retryIntervalMs ?? 30_000;
    this.prefix = opts.prefix ?? 'mcp-agent:cache:';
    this.now = opts.now ?? Date.now;
  }

  /**
   * False only after close(). While Redis is unreachable the backend stays enabled so calls can trigger the periodic
   * reconnect; they return at once (a miss, a dropped write) without touching the network.
   */
  get enabled(): boolean {
    return !this.closed;
  }

  /** True while Redis is answering. */
  get healthy(): boolean {
    return !this.closed && this.downSince === undefined && this.client?.isReady === true;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const [plainKey, persistentKey] = this.keysFor(key);
    const replies = await this.run((c) => c.mGet([plainKey, persistentKey]));
    if (replies === undefined) return undefined;
    for (let i = 0; i < 2; i++) {
      const raw = replies[i];
      if (typeof raw !== 'string') continue;
      const redisKey = i === 0 ? plainKey : persistentKey;
      const entry = decode(raw, i === 1);
      if (entry === undefined || (entry.expiresAt !== null && entry.expiresAt <= this.now())) {
        await this.run((c) => c.del(redisKey));
        continue;
      }
      return entry;
    }
    return undefined;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const [plainKey, persistentKey] = this.keysFor(key);
    const target = entry.persist ? persistentKey : plainKey;
    const other = entry.persist ? plainKey : persistentKey;
    const stored: Stored = { createdAt: entry.createdAt, expiresAt: entry.expiresAt, persist: entry.persist, value: entry.value };
    const data = JSON.stringify(stored);
    let ttlMs: number | undefined;
    if (entry.expiresAt !== null) {
      ttlMs = Math.ceil(entry.expiresAt - this.now());
      if (ttlMs <= 0) {
        await this.run((c) => c.del([target, other]));
        return;
      }
    }
    // Whole seconds use EX; anything finer needs PX.
    const expiration =
      ttlMs === undefined ? undefined : ttlMs % 1000 === 0 ? { type: 'EX' as const, value: ttlMs / 1000 } : { type: 'PX' as const, value: ttlMs };
    await this.run((c) =>
      c
        .multi()
        .set(target, data, expiration ? { expiration } : {})
        .del(other)
        .exec(),
    );
  }

  async delete(key: string): Promise<void> {
    await this.run((c) => c.del(this.keysFor(key)));
  }

  async clear(opts: ClearOptions = {}): Promise<void> {
    const patterns = [`${globEscape(this.prefix)}e:*`];
    if (opts.includePersistent === true) patterns.push(`${globEscape(this.prefix)}p:*`);
    await this.run(async (c) => {
      for (const match of patterns) {
        for await (const keys of c.scanIterator({ MATCH: match, COUNT: 500 })) {
          if (keys.length > 0) await c.unlink(keys);
        }
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    this.connecting = undefined;
    const client = this.client ?? (pending ? await pending : undefined);
    this.client = undefined;
    if (client) destroyQuietly(client);
  }

  private keysFor(key: string): [string, string] {
    return [`${this.prefix}e:${key}`, `${this.prefix}p:${key}`];
  }

  /** Run a command against a ready client; undefined when Redis is unavailable or the command fails. */
  private async run<T>(fn: (c: Client) => Promise<T>): Promise<T | undefined> {
    if (this.closed) return undefined;
    const client = await this.ready();
    if (!client) return undefined;
    this.inFlight++;
    if (this.inFlight === 1) client.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      // node-redis' own command timeout does not cover MULTI, so bound every call here.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer(this.commandTimeoutMs)), this.commandTimeoutMs);
      });
      const result = await Promise.race([fn(client), timeout]);
      if (this.downSince !== undefined) this.recovered();
      return result;
    } catch (err) {
      this.fail(err);
      // A connection that stopped answering would queue every later command behind the stuck one: drop it and
      // reconnect after the retry interval.
      if (err instanceof NoAnswer && this.client === client) {
        this.client = undefined;
        destroyQuietly(client);
      }
      return undefined;
    } finally {
      clearTimeout(timer);
      this.inFlight--;
      // An idle connection must not keep a CLI process from exiting.
      if (this.inFlight === 0 && this.client === client) client.unref();
    }
  }

  /** A ready client, or undefined while down. Only the first connection and on-demand retries wait, bounded. */
  private async ready(): Promise<Client | undefined> {
    if (this.client?.isReady) return this.client;
    if (this.connecting) return this.connecting;
    if (this.client?.isOpen) return undefined; // node-redis is reconnecting on its own; do not wait for it
    if (this.downSince !== undefined && Date.now() - this.downSince < this.retryIntervalMs) return undefined;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client | undefined> {
    if (this.client) destroyQuietly(this.client);
    this.client = undefined;
    let everReady = false;
    const client = createClient({
      url: this.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: this.commandTimeoutMs },
      socket: {
        connectTimeout: this.connectTimeoutMs,
        // Never retry a first connection (the caller is waiting). After a drop, a few quick retries cover a restart;
        // then give up until the next retry interval so no reconnect timer keeps the process alive.
        reconnectStrategy: (retries: number) => (!everReady || retries >= 3 ? false : Math.min(100 * 2 ** retries, 1000)),
      },
    });
    // Without a listener node-redis' error events would crash the process.
    client.on('error', (err: unknown) => {
      this.logger.debug(`cache: redis: ${errMessage(err)}`);
      this.fail(err);
    });
    client.on('ready', () => {
      everReady = true;
      this.recovered();
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      // connectTimeout covers the TCP connect; this also bounds the handshake (AUTH/SELECT/HELLO).
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer(this.connectTimeoutMs + 500)), this.connectTimeoutMs + 500);
      });
      await Promise.race([client.connect(), timeout]);
    } catch (err) {
      this.fail(err);
      destroyQuietly(client);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) {
      destroyQuietly(client);
      return undefined;
    }
    client.unref();
    this.client = client;
    return client;
  }

  private recovered(): void {
    if (this.warned) this.logger.info(`cache: redis at ${redactRedisUrl(this.url)} is back`);
    this.downSince = undefined;
    this.warned = false;
  }

  private fail(err: unknown): void {
    this.downSince ??= Date.now();
    if (this.warned || this.closed) return;
    this.warned = true;
    this.logger.warn(
      `cache: redis at ${redactRedisUrl(this.url)} is unavailable (${errMessage(err)}); using the memory cache only`,
    );
  }
}

function decode(raw: string, persistentKey: boolean): CacheEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isCacheEntryShape(parsed) || parsed.persist !== persistentKey) return undefined;
  return { value: parsed.value, createdAt: parsed.createdAt, expiresAt: parsed.expiresAt, persist: parsed.persist };
}

function destroyQuietly(client: Client): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}
