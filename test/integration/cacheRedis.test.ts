import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { Cache, RedisBackend } from '../../src/core/cache';
import type { Logger } from '../../src/core/ports';
import { freePort, startRedis, startRedisOnPort, type RedisServer } from '../helpers/redis';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string) => warnings.push(m),
    error: (m: string) => warnings.push(`error: ${m}`),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Fails the test instead of hanging it: the promise must settle within `ms`. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Cache with a Redis backend (real redis-server)', function () {
  this.timeout(60_000);
  let server: RedisServer | undefined;
  const caches: Cache[] = [];
  const track = (c: Cache): Cache => (caches.push(c), c);

  before(async function () {
    this.timeout(600_000); // may apt-get install redis-server once
    server = await startRedis();
    if (!server) this.skip();
  });
  after(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
  });

  /** Reads a key straight from Redis, bypassing the code under test. */
  async function rawTtlMs(key: string): Promise<number> {
    const c = createClient({ url: server!.url });
    await c.connect();
    try {
      return await c.pTTL(key);
    } finally {
      c.destroy();
    }
  }

  it('sets and gets through Redis, shared by a second instance', async () => {
    const prefix = `t1:${Date.now()}:`;
    const a = track(new Cache({ backend: new RedisBackend({ url: server!.url, logger: recordingLogger(), prefix }) }));
    await a.set('k', { hello: 'redis' });
    const b = track(new Cache({ backend: new RedisBackend({ url: server!.url, logger: recordingLogger(), prefix }) }));
    assert.equal(b.peek('k'), undefined);
    assert.deepEqual(await b.get('k'), { hello: 'redis' });
    assert.equal(b.stats().backendHits, 1);
    assert.equal(b.stats().backend, 'redis');
  });

  it('selects Redis from redisUrl and uses Redis expiry (EX) for TTL', async () => {
    const logger = recordingLogger();
    const cache = track(new Cache({ redisUrl: server!.url, logger }));
    const key = `ttl-${Date.now()}`;
    await cache.set(key, 'short', { ttlSeconds: 1 });
    await cache.set(`${key}-long`, 'long', { ttlSeconds: 3600 });
    const ttl = await rawTtlMs(`mcp-agent:cache:e:${key}-long`);
    assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `PTTL ${ttl}`);
    await sleep(1_200);
    // A second instance has nothing in memory, so this proves Redis itself expired the key.
    const fresh = track(new Cache({ redisUrl: server!.url, logger }));
    assert.equal(await fresh.get(key), undefined);
    assert.equal(await rawTtlMs(`mcp-agent:cache:e:${key}`), -2, 'the key is gone from Redis');
    assert.equal(await fresh.get(`${key}-long`), 'long');
    assert.deepEqual(logger.warnings, []);
  });

  it('clear() keeps persistent entries in Redis unless includePersistent', async () => {
    const prefix = `t3:${Date.now()}:`;
    const mk = (): Cache => track(new Cache({ backend: new RedisBackend({ url: server!.url, logger: recordingLogger(), prefix }) }));
    const cache = mk();
    await cache.set('keep', 1, { persist: true });
    await cache.set('drop', 2);
    await cache.clear();
    assert.equal(await mk().get('keep'), 1);
    assert.equal(await mk().get('drop'), undefined);
    await cache.clear({ includePersistent: true });
    assert.equal(await mk().get('keep'), undefined);
  });

  it('Redis down at start: one warning, memory only, no hang', async () => {
    const logger = recordingLogger();
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    const cache = track(new Cache({ redisUrl: deadUrl, logger, redisConnectTimeoutMs: 500 }));
    const started = Date.now();
    await within(5_000, cache.set('a', 1), 'set');
    await within(5_000, cache.set('b', 2), 'set');
    assert.equal(await within(5_000, cache.get('a'), 'get'), 1);
    assert.equal(await within(5_000, cache.get('nope'), 'get'), undefined);
    assert.equal(await within(5_000, cache.getOrCompute('c', () => 3), 'getOrCompute'), 3);
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
    assert.match(logger.warnings[0], /unavailable/);
  });

  it('an unroutable host is bounded by the connect timeout', async () => {
    const logger = recordingLogger();
    // 10.255.255.1 normally drops SYNs; either way the call must come back within the timeout.
    const cache = track(new Cache({ redisUrl: 'redis://10.255.255.1:6379', logger, redisConnectTimeoutMs: 300 }));
    const started = Date.now();
    await within(5_000, cache.set('a', 1), 'set');
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    assert.equal(await cache.get('a'), 1);
    assert.equal(logger.warnings.length, 1);
  });

  it('never logs the password from the URL', async () => {
    const logger = recordingLogger();
    const cache = track(new Cache({ redisUrl: `redis://user:s3cret@127.0.0.1:${await freePort()}`, logger, redisConnectTimeoutMs: 300 }));
    await cache.set('a', 1);
    assert.equal(logger.warnings.length, 1);
    assert.doesNotMatch(logger.warnings[0], /s3cret/);
  });

  describe('Redis failing mid-run', () => {
    let own: RedisServer | undefined;
    beforeEach(async function () {
      own = await startRedis();
      if (!own) this.skip();
    });
    afterEach(async () => {
      await own?.stop();
    });

    it('killed: no crash, no hang, one warning, memory keeps serving', async () => {
      const logger = recordingLogger();
      const cache = track(new Cache({ redisUrl: own!.url, logger }));
      await cache.set('before', 'x');
      assert.equal(await cache.get('before'), 'x');
      await own!.kill();
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        await within(5_000, cache.set(`k${i}`, i), 'set after kill');
        assert.equal(await within(5_000, cache.get(`k${i}`), 'get after kill'), i);
        assert.equal(await within(5_000, cache.get(`missing${i}`), 'miss after kill'), undefined);
      }
      assert.equal(await cache.get('before'), 'x', 'the memory tier still has it');
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
    });

    it('hung (SIGSTOP): commands time out instead of hanging', async () => {
      const logger = recordingLogger();
      const cache = track(new Cache({ backend: new RedisBackend({ url: own!.url, logger, commandTimeoutMs: 300 }), logger }));
      await cache.set('a', 1);
      own!.pause();
      try {
        const fresh = track(new Cache({ backend: new RedisBackend({ url: own!.url, logger, commandTimeoutMs: 300, connectTimeoutMs: 300 }), logger }));
        const started = Date.now();
        assert.equal(await within(5_000, fresh.get('a'), 'get from hung redis'), undefined);
        await within(5_000, cache.set('b', 2), 'set to hung redis');
        assert.equal(await cache.get('b'), 2);
        assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
        assert.ok(logger.warnings.length >= 1 && logger.warnings.length <= 2, logger.warnings.join('\n'));
      } finally {
        own!.resume();
      }
    });

    it('recovers after Redis comes back on the same port', async function () {
      const logger = recordingLogger();
      const port = own!.port;
      const backend = new RedisBackend({ url: own!.url, logger, retryIntervalMs: 200 });
      const cache = track(new Cache({ backend, logger }));
      await cache.set('a', 1);
      await own!.kill();
      await cache.set('b', 2); // dropped while down
      assert.equal(backend.healthy, false);
      // Restart on the same port; the helper picks free ports, so start one manually on the old port.
      own = await startRedisOnPort(port);
      if (!own) return this.skip(); // the port was taken meanwhile, so a restart cannot be simulated
      await sleep(300);
      await cache.set('c', 3);
      const deadline = Date.now() + 5_000;
      while (!backend.healthy && Date.now() < deadline) {
        await sleep(100);
        await cache.set('c', 3);
      }
      assert.equal(backend.healthy, true);
      const other = track(new Cache({ redisUrl: own.url, logger: recordingLogger() }));
      assert.equal(await other.get('c'), 3);
      assert.equal(logger.warnings.length, 1);
    });
  });
});
