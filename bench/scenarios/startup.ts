/**
 * Start-up: N stdio servers of one kind (the reference `everything` server) started by one AgentManager.apply,
 * against the slowest of the same N servers each started alone (AgentManager.apply of one definition). Also, as
 * diagnostics: the same N started at once with the raw SDK (connect, then the tools, resources and prompts lists, as
 * McpAgent fetches them); the CPU one start costs, from which the best that this machine's cores allow follows (N
 * starts need N x cpu of CPU, spread over nproc cores); and the cores the parallel start actually got.
 *
 * And what a user of the CLI or the extension waits for before the model is offered every server's tools: both pass
 * AgentManager a tool-list cache (`toolListCache`, kept in the result cache's file tier), so after the first start
 * a server's tools are offered from the cache while its process starts, and a call to it waits for the connection.
 * Timed here as the CLI does it (a fresh Cache on a directory a previous start filled, i.e. after a restart): from
 * apply() to every server's tools offered, and to every server connected.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Cache } from '../../src/core/cache';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { definitionHash } from '../../src/core/mcp/serverConfig';
import { everythingDef, rawStdioClient, type Ctx } from '../lib/common';
import { cpuMsOf } from '../lib/proc';
import { p50 } from '../lib/stats';

export interface StartupResult {
  servers: number;
  /** All N through one AgentManager.apply, p50 over repetitions. The ratios are medians of per-repetition ratios. */
  parallel_ms: number;
  /** The slowest single start (each server alone), p50 over repetitions. */
  slowest_single_ms: number;
  single_p50_ms: number;
  ratio: number;
  /** How many of the N were also timed alone. */
  singles_timed: number;
  /** All N at once with the raw SDK (connect + the tools, resources and prompts lists); null when the profile skips it. */
  raw_parallel_ms: number | null;
  /** parallel_ms / raw_parallel_ms: what AgentManager adds over the bare SDK doing the same at once. */
  ratio_vs_raw_parallel: number | null;
  /** CPU (user+sys) one server process used to get ready, ms. */
  cpu_per_server_ms: number | null;
  /** The lowest ratio the cores allow: max(1, N x cpu / cores / single start). */
  cpu_bound_ratio: number | null;
  /** CPU per server process during the parallel start, ms. */
  cpu_per_server_parallel_ms: number | null;
  /** (CPU of the servers + the agent process) / wall time during the parallel start: the cores the start really got. */
  cores_used: number | null;
  cores: number;
  /** With the tool-list cache warm: apply() to every server's tools offered (the model can be given them), p50. */
  tools_offered_ms: number;
  /** tools_offered_ms / slowest single start, median of per-repetition ratios. */
  tools_offered_ratio: number;
  /** With the tool-list cache warm: apply() to every server connected, p50 (the headline's numerator, cache on). */
  parallel_cached_ms: number;
}

/**
 * The start is timed, not bounded: with other jobs loading the 2 cores, 20 servers have taken longer than McpAgent's
 * default 30 s connect timeout (a run failed that way), and the raw SDK contender has no timeout at all.
 */
const CONNECT_TIMEOUT_MS = 180_000;

export async function benchStartup(ctx: Ctx): Promise<StartupResult> {
  const { profile, log } = ctx;
  const n = profile.startupServers;
  const defs = Array.from({ length: n }, (_, i) => everythingDef(`s${i}`));
  const parallel: number[] = [];
  const slowest: number[] = [];
  const singles: number[] = [];
  const raws: number[] = [];
  const cpu: number[] = [];
  /** Per repetition: CPU per server during the parallel start, and the cores the whole start actually got. */
  const cpuParallel: number[] = [];
  const coresUsed: number[] = [];
  const offered: number[] = [];
  const parallelCached: number[] = [];

  const runParallel = async () => {
    const manager = new AgentManager({ connectTimeoutMs: CONNECT_TIMEOUT_MS });
    try {
      const own0 = process.cpuUsage();
      const t0 = performance.now();
      await manager.apply(defs);
      const wall = performance.now() - t0;
      const own = process.cpuUsage(own0);
      parallel.push(wall);
      const down = manager.servers().filter((s) => s.state !== 'connected');
      if (down.length) throw new Error(`${down.length} of ${n} servers did not connect: ${down[0].lastError}`);
      const kids = manager.servers().map((s) => (s.pid === undefined ? undefined : cpuMsOf(s.pid))).filter((x): x is number => x !== undefined);
      if (kids.length === n) {
        const total = kids.reduce((a, b) => a + b, 0);
        cpuParallel.push(total / n);
        coresUsed.push((total + (own.user + own.system) / 1000) / wall);
      }
    } finally {
      await manager.dispose();
    }
  };
  const runSingles = async () => {
    const times: number[] = [];
    for (const def of defs.slice(0, profile.startupSingles)) {
      const manager = new AgentManager({ connectTimeoutMs: CONNECT_TIMEOUT_MS });
      try {
        const t0 = performance.now();
        await manager.apply([def]);
        times.push(performance.now() - t0);
        const s = manager.servers()[0];
        if (s?.state !== 'connected') throw new Error(`${def.name} did not connect: ${s?.lastError}`);
        const used = s.pid === undefined ? undefined : cpuMsOf(s.pid);
        if (used !== undefined) cpu.push(used);
      } finally {
        await manager.dispose();
      }
    }
    singles.push(...times);
    slowest.push(Math.max(...times));
  };
  const runRaw = async () => {
    const clients: Client[] = [];
    try {
      const t0 = performance.now();
      await Promise.all(
        defs.map(async (def) => {
          const c = await rawStdioClient(def);
          clients.push(c);
          // The same lists McpAgent fetches before it calls a server connected, side by side as it does.
          const caps = c.getServerCapabilities() ?? {};
          await Promise.all([caps.tools ? c.listTools() : null, caps.resources ? c.listResources() : null, caps.prompts ? c.listPrompts() : null]);
        }),
      );
      raws.push(performance.now() - t0);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    }
  };

  // The tool-list cache as the CLI keeps it (src/cli/runtime.ts), primed as a previous start would leave it.
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-bench-toollist-'));
  {
    const primer = await rawStdioClient(defs[0]);
    const { tools } = await primer.listTools();
    await primer.close();
    const cache = new Cache({ dir: cacheDir });
    for (const def of defs) await cache.set(`tools:${definitionHash(def)}`, tools, { ttlSeconds: 7 * 24 * 3600 });
    await cache.close();
  }
  const runCached = async () => {
    const cache = new Cache({ dir: cacheDir });
    const manager = new AgentManager({
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      toolListCache: { get: (key) => cache.get<Tool[]>(key), set: (key, tools) => cache.set(key, tools, { ttlSeconds: 7 * 24 * 3600 }) },
    });
    try {
      let offeredAt: number | undefined;
      const allOffered = () => new Set(manager.tools().map((t) => t.server)).size === n;
      const t0 = performance.now();
      manager.on('toolsChanged', () => {
        if (offeredAt === undefined && allOffered()) offeredAt = performance.now() - t0;
      });
      await manager.apply(defs);
      const wall = performance.now() - t0;
      const down = manager.servers().filter((st) => st.state !== 'connected');
      if (down.length) throw new Error(`${down.length} of ${n} servers did not connect: ${down[0].lastError}`);
      if (offeredAt === undefined) throw new Error('the tools of every server were never offered');
      offered.push(offeredAt);
      parallelCached.push(wall);
    } finally {
      await manager.dispose();
      await cache.close();
    }
  };

  const steps = profile.startupRaw ? [runParallel, runSingles, runCached, runRaw] : [runParallel, runSingles, runCached];
  for (let rep = 0; rep < profile.startupReps; rep++) {
    for (let k = 0; k < steps.length; k++) await steps[(rep + k) % steps.length]();
    const rawNote = raws.length ? `, raw SDK ${n} at once ${raws[raws.length - 1].toFixed(0)} ms` : '';
    log(
      `  start-up rep ${rep + 1}/${profile.startupReps}: ${n} at once ${parallel[parallel.length - 1].toFixed(0)} ms, slowest of ${profile.startupSingles} alone ${slowest[slowest.length - 1].toFixed(0)} ms${rawNote}; ` +
        `with cached tool lists: all tools offered after ${offered[offered.length - 1].toFixed(0)} ms, all connected ${parallelCached[parallelCached.length - 1].toFixed(0)} ms`,
    );
  }
  await rm(cacheDir, { recursive: true, force: true });
  const cores = os.availableParallelism();
  const cpuPer = cpu.length ? p50(cpu) : null;
  // Each repetition's parallel start against that repetition's singles: load from other jobs comes and goes on the
  // scale of a repetition, so the ratio is taken within one and the median taken over them.
  const perRep = parallel.map((t, i) => t / slowest[i]);
  const perRepRaw = raws.length ? parallel.map((t, i) => t / raws[i]) : [];
  const perRepBound = cpuPer === null ? [] : slowest.map((s) => Math.max(1, (n * cpuPer) / cores / s));
  const result: StartupResult = {
    servers: n,
    parallel_ms: p50(parallel),
    slowest_single_ms: p50(slowest),
    single_p50_ms: p50(singles),
    ratio: p50(perRep),
    singles_timed: Math.min(profile.startupSingles, n),
    raw_parallel_ms: raws.length ? p50(raws) : null,
    ratio_vs_raw_parallel: perRepRaw.length ? p50(perRepRaw) : null,
    cpu_per_server_ms: cpuPer,
    cpu_bound_ratio: perRepBound.length ? p50(perRepBound) : null,
    cpu_per_server_parallel_ms: cpuParallel.length ? p50(cpuParallel) : null,
    cores_used: coresUsed.length ? p50(coresUsed) : null,
    cores,
    tools_offered_ms: p50(offered),
    tools_offered_ratio: p50(offered.map((t, i) => t / slowest[i])),
    parallel_cached_ms: p50(parallelCached),
  };
  log(
    `  start-up: ${n} servers at once ${result.parallel_ms.toFixed(0)} ms vs slowest alone ${result.slowest_single_ms.toFixed(0)} ms (ratio ${result.ratio.toFixed(2)}); ` +
      `one start costs ${cpuPer?.toFixed(0) ?? '?'} ms CPU alone (${result.cpu_per_server_parallel_ms?.toFixed(0) ?? '?'} ms when all start at once), ` +
      `so ${cores} cores allow at best ${result.cpu_bound_ratio?.toFixed(2) ?? '?'}; the start got ${result.cores_used?.toFixed(2) ?? '?'} cores on average`,
  );
  return result;
}
