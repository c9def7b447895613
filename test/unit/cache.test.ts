import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cache, cacheKey, FileBackend, type CacheBackend, type CacheEntry } from '../../src/core/cache';
import type { Logger } from '../../src/core/ports';

interface RecordingLogger extends Logger {
  warnings: string[];
}

function recordingLogger(): RecordingLogger {
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

/** A clock tests move by hand, so expiry needs no sleeping. */
function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function listEntryFiles(dir: string): Promise<string[]> {
  const root = path.join(dir, 'v1');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const shard of await fs.readdir(root)) {
    for (const name of await fs.readdir(path.join(root, shard))) out.push(path.join(root, shard, name));
  }
  return out.sort();
}

describe('Cache', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-cache-'));
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('cacheKey', () => {
    it('is a stable sha256 hex that keeps part boundaries', () => {
      const k = cacheKey('model', { a: 1 }, 'prompt');
      assert.match(k, /^[0-9a-f]{64}$/);
      assert.equal(k, cacheKey('model', { a: 1 }, 'prompt'));
      assert.notEqual(cacheKey('a,b'), cacheKey('a', 'b'));
      assert.notEqual(cacheKey('ab', 'c'), cacheKey('a', 'bc'));
    });
  });

  describe('tiers', () => {
    it('serves a memory hit synchronously via peek and via get', async () => {
      const cache = new Cache({ dir: tmp });
      await cache.set('k', { n: 1, list: ['x'] });
      assert.deepEqual(cache.peek('k'), { n: 1, list: ['x'] });
      assert.deepEqual(await cache.get('k'), { n: 1, list: ['x'] });
      assert.equal(cache.stats().memoryHits, 2);
      assert.equal(cache.stats().backendHits, 0);
    });

    it('serves a file hit from a new instance on the same directory, then promotes it to memory', async () => {
      await new Cache({ dir: tmp }).set('k', { answer: 42 });
      const second = new Cache({ dir: tmp });
      assert.equal(second.peek('k'), undefined, 'a fresh instance has nothing in memory');
      assert.deepEqual(await second.get('k'), { answer: 42 });
      assert.equal(second.stats().backendHits, 1);
      assert.deepEqual(second.peek('k'), { answer: 42 });
    });

    it('stores a JSON copy so memory and disk return the same shape', async () => {
      const cache = new Cache({ dir: tmp });
      const value = { when: new Date(0), nested: { a: 1 } };
      await cache.set('k', value);
      value.nested.a = 2; // mutating the caller's object afterwards must not change the cached value
      assert.deepEqual(cache.peek('k'), { when: '1970-01-01T00:00:00.000Z', nested: { a: 1 } });
      assert.deepEqual(await new Cache({ dir: tmp }).get('k'), { when: '1970-01-01T00:00:00.000Z', nested: { a: 1 } });
    });

    it('caches null and falsy values (only undefined means a miss)', async () => {
      const cache = new Cache({ dir: tmp });
      await cache.set('null', null);
      await cache.set('zero', 0);
      await cache.set('empty', '');
      const fresh = new Cache({ dir: tmp });
      assert.equal(await fresh.get('null'), null);
      assert.equal(await fresh.get('zero'), 0);
      assert.equal(await fresh.get('empty'), '');
    });

    it('rejects values that are not JSON-serializable', async () => {
      const cache = new Cache({ dir: tmp });
      await assert.rejects(cache.set('k', undefined), TypeError);
      await assert.rejects(cache.set('k', () => 1), TypeError);
      await assert.rejects(cache.set('k', 1, { ttlSeconds: 0 }), RangeError);
    });

    it('delete removes from both tiers', async () => {
      const cache = new Cache({ dir: tmp });
      await cache.set('k', 1);
      await cache.delete('k');
      assert.equal(await cache.get('k'), undefined);
      assert.equal(await new Cache({ dir: tmp }).get('k'), undefined);
      assert.deepEqual(await listEntryFiles(tmp), []);
    });

    it('writes atomically: no temp files are left behind', async () => {
      const cache = new Cache({ dir: tmp });
      await Promise.all(Array.from({ length: 20 }, (_, i) => cache.set(`k${i % 5}`, { i })));
      const files = await listEntryFiles(tmp);
      assert.equal(files.length, 5);
      assert.ok(files.every((f) => f.endsWith('.json') && !path.basename(f).startsWith('.')), files.join('\n'));
    });
  });

  describe('TTL', () => {
    it('expires entries in memory and on disk, and removes the expired file', async () => {
      const clock = manualClock();
      const cache = new Cache({ dir: tmp, now: clock.now });
      await cache.set('short', 'v', { ttlSeconds: 10 });
      await cache.set('long', 'w', { ttlSeconds: 100 });
      clock.advance(9_000);
      assert.equal(await cache.get('short'), 'v');
      clock.advance(2_000);
      assert.equal(cache.peek('short'), undefined);
      assert.equal(await cache.get('short'), undefined);
      assert.equal(await cache.get('long'), 'w');
      // The file tier applies the same expiry for a new process with the same (advanced) clock.
      const later = new Cache({ dir: tmp, now: clock.now });
      assert.equal(await later.get('short'), undefined);
      assert.equal(await later.get('long'), 'w');
      assert.equal((await listEntryFiles(tmp)).length, 1, 'the expired file is removed on read');
    });

    it('applies defaultTtlSeconds, and Infinity never expires', async () => {
      const clock = manualClock();
      const cache = new Cache({ dir: tmp, now: clock.now, defaultTtlSeconds: 60 });
      await cache.set('default', 1);
      await cache.set('forever', 2, { ttlSeconds: Infinity });
      clock.advance(61_000);
      assert.equal(await cache.get('default'), undefined);
      clock.advance(10 * 365 * 24 * 3600 * 1000);
      assert.equal(await cache.get('forever'), 2);
      assert.equal(await new Cache({ dir: tmp, now: clock.now }).get('forever'), 2);
    });
  });

  describe('persist', () => {
    it('clear() keeps persistent entries in both tiers; clear({ includePersistent }) drops them', async () => {
      const cache = new Cache({ dir: tmp });
      await cache.set('keep', 'k', { persist: true });
      await cache.set('drop', 'd');
      await cache.clear();
      assert.equal(cache.peek('keep'), 'k');
      assert.equal(cache.peek('drop'), undefined);
      const fresh = new Cache({ dir: tmp });
      assert.equal(await fresh.get('keep'), 'k');
      assert.equal(await fresh.get('drop'), undefined);

      await fresh.clear({ includePersistent: true });
      assert.equal(fresh.peek('keep'), undefined);
      assert.equal(await new Cache({ dir: tmp }).get('keep'), undefined);
      assert.deepEqual(await listEntryFiles(tmp), []);
    });

    it('re-setting a key with a different persist flag leaves one file', async () => {
      const cache = new Cache({ dir: tmp });
      await cache.set('k', 1, { persist: true });
      await cache.set('k', 2);
      assert.equal((await listEntryFiles(tmp)).length, 1);
      await cache.clear();
      assert.equal(await new Cache({ dir: tmp }).get('k'), undefined, 'the old persistent copy must not resurface');
    });

    it('a miss spares the set right after it an unlink, but only that one set', async () => {
      // FileBackend remembers a key it just found absent so the set that follows a miss (a cached tool call) skips
      // removing the other variant; the memo is used up by that set, so a later flip of the persist flag still
      // removes the old file.
      const cache = new Cache({ dir: tmp });
      assert.equal(await cache.get('k'), undefined);
      await cache.set('k', 1, { persist: true });
      await cache.set('k', 2);
      assert.equal((await listEntryFiles(tmp)).length, 1);
      await cache.clear();
      assert.equal(await new Cache({ dir: tmp }).get('k'), undefined, 'the old persistent copy must not resurface');
    });
  });

  describe('memory bounds', () => {
    it('evicts the least recently used entry beyond memoryMaxEntries', async () => {
      const cache = new Cache({ backend: false, memoryMaxEntries: 3 });
      await cache.set('a', 1);
      await cache.set('b', 2);
      await cache.set('c', 3);
      assert.equal(cache.peek('a'), 1); // a is now the most recently used
      await cache.set('d', 4);
      assert.equal(cache.peek('b'), undefined);
      assert.equal(cache.peek('a'), 1);
      assert.equal(cache.peek('c'), 3);
      assert.equal(cache.peek('d'), 4);
      assert.equal(cache.stats().memoryEntries, 3);
    });

    it('evicts by size beyond memoryMaxBytes', async () => {
      const cache = new Cache({ backend: false, memoryMaxBytes: 1000 });
      for (let i = 0; i < 10; i++) await cache.set(`k${i}`, 'x'.repeat(200));
      assert.ok(cache.stats().memorySize <= 1000, `size ${cache.stats().memorySize}`);
      assert.equal(cache.peek('k0'), undefined);
      assert.equal(cache.peek('k9'), 'x'.repeat(200));
    });
  });

  describe('file tier bounds', () => {
    /** Give every entry file a distinct, increasing mtime so "oldest" is unambiguous. */
    async function setAged(cache: Cache, backend: FileBackend, key: string, value: unknown, ageIndex: number, persist = false): Promise<void> {
      await cache.set(key, value, { persist });
      const file = backend.filesFor(key)[persist ? 1 : 0];
      const t = new Date(Date.UTC(2024, 0, 1) + ageIndex * 60_000);
      await fs.utimes(file, t, t);
    }

    it('evicts the oldest files when the total exceeds fileMaxBytes, non-persistent first', async () => {
      const logger = recordingLogger();
      const backend = new FileBackend({ dir: tmp, maxBytes: 3000, logger });
      const cache = new Cache({ backend, logger });
      const big = 'y'.repeat(400); // ~500 bytes per file with the envelope
      await setAged(cache, backend, 'persistent-oldest', big, 0, true);
      for (let i = 1; i <= 8; i++) await setAged(cache, backend, `k${i}`, big, i);

      const files = await listEntryFiles(tmp);
      let total = 0;
      for (const f of files) total += (await fs.stat(f)).size;
      assert.ok(total <= 3000, `total ${total} bytes over the bound`);

      const fresh = new Cache({ dir: tmp });
      assert.equal(await fresh.get('persistent-oldest'), big, 'persistent entries are evicted last');
      assert.equal(await fresh.get('k8'), big, 'the newest entry survives');
      assert.equal(await fresh.get('k1'), undefined, 'the oldest non-persistent entry is evicted');
      assert.deepEqual(logger.warnings, []);
    });

    it('does not write an entry larger than the whole bound and drops its stale copy', async () => {
      const cache = new Cache({ dir: tmp, fileMaxBytes: 1000 });
      await cache.set('k', 'small');
      await cache.set('k', 'z'.repeat(5000));
      assert.equal(cache.peek('k'), 'z'.repeat(5000));
      assert.equal(await new Cache({ dir: tmp }).get('k'), undefined, 'the old small value must not be served');
    });
  });

  describe('file tier index (misses without I/O)', () => {
    it("answers a miss from the listing, sees its own writes and removals, and relists to see other processes' entries", async () => {
      const clock = manualClock();
      const logger = recordingLogger();
      const ours = new FileBackend({ dir: tmp, maxBytes: 1 << 20, logger, now: clock.now });
      const other = new FileBackend({ dir: tmp, maxBytes: 1 << 20, logger, now: clock.now });
      const entry = (value: unknown): CacheEntry => ({ value, createdAt: clock.now(), expiresAt: null, persist: false });

      await other.set('before', entry('listed'));
      assert.equal((await ours.get('before'))?.value, 'listed', 'read directly: no listing yet');
      assert.equal(await ours.get('nothing'), undefined, 'a miss starts the listing');
      await ours.indexSettled();

      // Written by another process after the listing: not read (the miss costs no I/O) until the index is relisted.
      await other.set('after', entry('unlisted'));
      assert.equal(await ours.get('after'), undefined);
      // Its own writes and removals are in the index at once.
      await ours.set('mine', entry('mine'));
      assert.equal((await ours.get('mine'))?.value, 'mine');
      await ours.delete('mine');
      assert.equal(await ours.get('mine'), undefined);
      // A file the index lists but another process removed is a plain miss.
      await other.delete('before');
      assert.equal(await ours.get('before'), undefined);

      clock.advance(61_000);
      assert.equal((await ours.get('after'))?.value, 'unlisted', 'a stale index is not answered from');
      assert.equal(await ours.get('nothing'), undefined, 'a miss starts the relisting');
      await ours.indexSettled();
      await other.delete('after');
      await other.set('after', entry('unlisted again'));
      assert.equal((await ours.get('after'))?.value, 'unlisted again', 'the new listing has it (so it is read)');
      await other.set('newest', entry('not yet'));
      assert.equal(await ours.get('newest'), undefined, 'and answers misses again');
      assert.deepEqual(logger.warnings, []);
    });

    it('a write made while the listing runs is not lost from the index', async () => {
      const backend = new FileBackend({ dir: tmp, maxBytes: 1 << 20, logger: recordingLogger() });
      for (let i = 0; i < 50; i++) await new FileBackend({ dir: tmp, maxBytes: 1 << 20, logger: recordingLogger() }).set(`seed${i}`, { value: i, createdAt: 0, expiresAt: null, persist: false });
      assert.equal(await backend.get('x'), undefined); // a miss: starts the listing
      await backend.set('x', { value: 'during', createdAt: 0, expiresAt: null, persist: false });
      await backend.indexSettled();
      assert.equal((await backend.get('x'))?.value, 'during');
      assert.equal((await backend.get('seed7'))?.value, 7);
    });
  });

  describe('corrupt entries', () => {
    const corruptions: [string, (key: string) => string][] = [
      ['not JSON', () => 'garbage{'],
      ['truncated JSON', () => '{"v":1,"key":"k","createdAt":1,"expi'],
      ['wrong shape', () => JSON.stringify({ v: 1, key: 'k', value: 1 })],
      ['another key', () => JSON.stringify({ v: 1, key: 'other', createdAt: 1, expiresAt: null, persist: false, value: 1 })],
      ['empty file', () => ''],
    ];
    for (const [label, content] of corruptions) {
      it(`treats a file with ${label} as a miss and removes it`, async () => {
        const logger = recordingLogger();
        const backend = new FileBackend({ dir: tmp, maxBytes: 1 << 20, logger });
        await new Cache({ backend }).set('k', 'good');
        const file = backend.filesFor('k')[0];
        assert.ok(existsSync(file));
        writeFileSync(file, content('k'));

        const cache = new Cache({ backend: new FileBackend({ dir: tmp, maxBytes: 1 << 20, logger }), logger });
        assert.equal(await cache.get('k'), undefined);
        assert.equal(existsSync(file), false, 'the corrupt file is removed');
        // And the key is usable again.
        await cache.set('k', 'again');
        assert.equal(await new Cache({ dir: tmp }).get('k'), 'again');
        assert.deepEqual(logger.warnings, []);
      });
    }
  });

  describe('unwritable directory', () => {
    it('disables the file tier with exactly one warning and keeps the memory tier (dir under a regular file)', async () => {
      // A path below a regular file fails with ENOTDIR even for root, unlike chmod.
      const blocker = path.join(tmp, 'not-a-dir');
      writeFileSync(blocker, 'x');
      const logger = recordingLogger();
      const cache = new Cache({ dir: path.join(blocker, 'cache'), logger });
      for (let i = 0; i < 5; i++) await cache.set(`k${i}`, i);
      for (let i = 0; i < 5; i++) assert.equal(await cache.get(`k${i}`), i);
      assert.equal(await cache.get('missing'), undefined);
      assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
      assert.match(logger.warnings[0], /ENOTDIR/);
      assert.equal(cache.stats().backendEnabled, false);
      assert.equal(await cache.getOrCompute('c', () => 'computed'), 'computed');
      assert.equal(logger.warnings.length, 1);
    });

    it('a backend that throws is switched off with one warning', async () => {
      const throwing: CacheBackend = {
        name: 'broken',
        enabled: true,
        get: () => Promise.reject(new Error('boom')),
        set: () => Promise.reject(new Error('boom')),
        delete: () => Promise.reject(new Error('boom')),
        clear: () => Promise.reject(new Error('boom')),
      };
      const logger = recordingLogger();
      const cache = new Cache({ backend: throwing, logger });
      await cache.set('a', 1);
      await cache.set('b', 2);
      assert.equal(await cache.get('a'), 1);
      assert.equal(await cache.get('zzz'), undefined);
      assert.equal(logger.warnings.length, 1);
      assert.equal(cache.stats().backendEnabled, false);
    });

    describe('real full and read-only filesystems (root with mount)', function () {
      let mnt: string | undefined;
      before(function () {
        if (process.getuid?.() !== 0 || process.platform !== 'linux') return this.skip();
        const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-full-'));
        const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
        if (r.status !== 0) {
          rmSync(dir, { recursive: true, force: true });
          console.log('    cannot mount a tmpfs here: skipping the full-disk tests');
          return this.skip();
        }
        mnt = dir;
      });
      after(() => {
        if (!mnt) return;
        spawnSync('umount', [mnt], { stdio: 'ignore' });
        rmSync(mnt, { recursive: true, force: true });
      });

      it('a full disk (ENOSPC) disables the file tier with one warning', async () => {
        const dir = path.join(mnt!, 'cache');
        const logger = recordingLogger();
        const cache = new Cache({ dir, logger });
        // Fill the 64 KiB filesystem, then write values that cannot fit.
        await fs.writeFile(path.join(mnt!, 'filler'), Buffer.alloc(60 * 1024));
        for (let i = 0; i < 6; i++) await cache.set(`k${i}`, 'q'.repeat(8 * 1024));
        assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
        assert.match(logger.warnings[0], /ENOSPC/);
        for (let i = 0; i < 6; i++) assert.equal(await cache.get(`k${i}`), 'q'.repeat(8 * 1024));
        await fs.rm(path.join(mnt!, 'filler'));
        await fs.rm(dir, { recursive: true, force: true });
      });

      it('a read-only filesystem (EROFS) disables the file tier with one warning', async () => {
        assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt!]).status, 0);
        try {
          const logger = recordingLogger();
          const cache = new Cache({ dir: path.join(mnt!, 'cache'), logger });
          await cache.set('a', 1);
          await cache.set('b', 2);
          assert.equal(await cache.get('a'), 1);
          assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
          assert.match(logger.warnings[0], /EROFS/);
        } finally {
          spawnSync('mount', ['-o', 'remount,rw', mnt!]);
        }
      });
    });
  });

  describe('getOrCompute', () => {
    it('computes once for concurrent identical requests', async () => {
      const cache = new Cache({ dir: tmp });
      let calls = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const compute = async (): Promise<{ v: number }> => {
        calls++;
        await gate;
        return { v: 7 };
      };
      const all = Promise.all(Array.from({ length: 10 }, () => cache.getOrCompute('k', compute)));
      // Let every caller reach the in-flight map before the computation finishes.
      await new Promise((r) => setTimeout(r, 20));
      release();
      const results = await all;
      assert.equal(calls, 1);
      for (const r of results) assert.deepEqual(r, { v: 7 });
      assert.deepEqual(await cache.getOrCompute('k', compute), { v: 7 });
      assert.equal(calls, 1, 'a later call is a hit');
      assert.deepEqual(await new Cache({ dir: tmp }).get('k'), { v: 7 }, 'the computed value reached the file tier');
    });

    it('uses the file tier before computing', async () => {
      await new Cache({ dir: tmp }).set('k', 'from-disk');
      let calls = 0;
      const v = await new Cache({ dir: tmp }).getOrCompute('k', () => {
        calls++;
        return 'computed';
      });
      assert.equal(v, 'from-disk');
      assert.equal(calls, 0);
    });

    it('does not cache failures, rejects every waiter, and recomputes next time', async () => {
      const cache = new Cache({ dir: tmp });
      let calls = 0;
      const failing = async (): Promise<number> => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('nope');
      };
      const results = await Promise.allSettled([cache.getOrCompute('k', failing), cache.getOrCompute('k', failing)]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      );
      assert.equal(calls, 1);
      assert.equal(await cache.getOrCompute('k', () => 5), 5);
      assert.equal(await cache.get('k'), 5);
    });

    it('different keys compute independently', async () => {
      const cache = new Cache({ backend: false });
      const seen: string[] = [];
      const [a, b] = await Promise.all([
        cache.getOrCompute('a', () => (seen.push('a'), 'A')),
        cache.getOrCompute('b', () => (seen.push('b'), 'B')),
      ]);
      assert.deepEqual([a, b, seen.sort()], ['A', 'B', ['a', 'b']]);
    });
  });

  describe('backend contract', () => {
    it('ignores an expired entry returned by a custom backend', async () => {
      const clock = manualClock();
      const stale: CacheEntry = { value: 'old', createdAt: 0, expiresAt: clock.now() - 1, persist: false };
      const backend: CacheBackend = {
        name: 'stale',
        enabled: true,
        get: async () => stale,
        set: async () => undefined,
        delete: async () => undefined,
        clear: async () => undefined,
      };
      const cache = new Cache({ backend, now: clock.now });
      assert.equal(await cache.get('k'), undefined);
      assert.equal(cache.stats().misses, 1);
    });
  });
});
