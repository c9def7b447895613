/**
 * The two-tier Cache (src/core/cache): a memory-tier hit (`get` of a key set earlier in this instance) and a file-tier
 * hit (`get` from a fresh instance on the same directory, so the memory tier is empty and the value comes off disk).
 * Each sample is one awaited `get`, timed with the high-resolution clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cache, cacheKey } from '../../src/core/cache';
import type { Ctx } from '../lib/common';
import { p50, percentile } from '../lib/stats';

export interface CacheResult {
  memory_hit_p50_us: number;
  memory_hit_p99_us: number;
  file_hit_p50_us: number;
  file_hit_p99_us: number;
}

/** A tool result of a typical size (about 1 KiB of text). */
const VALUE = { content: [{ type: 'text', text: 'x'.repeat(1000) }], isError: false };

function elapsedUs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1000;
}

export async function benchCache(ctx: Ctx): Promise<CacheResult> {
  const { profile, log } = ctx;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-bench-cache-'));
  try {
    const keys = Array.from({ length: 100 }, (_, i) => cacheKey('bench', i));
    const writer = new Cache({ dir });
    for (const k of keys) await writer.set(k, VALUE);

    const mem: number[] = [];
    for (let i = 0; i < profile.cacheMemoryHits; i++) {
      const t0 = process.hrtime.bigint();
      const v = await writer.get(keys[i % keys.length]);
      mem.push(elapsedUs(t0));
      if (v === undefined) throw new Error('cache: expected a memory hit');
    }

    const file: number[] = [];
    for (let i = 0; i < profile.cacheFileHits; i++) {
      const reader = new Cache({ dir });
      const t0 = process.hrtime.bigint();
      const v = await reader.get(keys[i % keys.length]);
      file.push(elapsedUs(t0));
      if (v === undefined) throw new Error('cache: expected a file hit');
      if (reader.stats().backendHits !== 1) throw new Error('cache: the hit did not come from the file tier');
    }
    await writer.close();
    const result = {
      memory_hit_p50_us: p50(mem),
      memory_hit_p99_us: percentile(mem, 99),
      file_hit_p50_us: p50(file),
      file_hit_p99_us: percentile(file, 99),
    };
    log(
      `  cache: memory hit p50 ${result.memory_hit_p50_us.toFixed(2)} us (p99 ${result.memory_hit_p99_us.toFixed(1)}), ` +
        `file hit p50 ${result.file_hit_p50_us.toFixed(0)} us (p99 ${result.file_hit_p99_us.toFixed(0)})`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
