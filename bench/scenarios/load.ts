/**
 * `mcp-agent serve` under load, as a team runs it (docs/DEPLOY.md): N concurrent streaming chats, each one tool turn
 * against a scripted model with a realistic per-token delay (bench/lib/toolTurnModel.ts, its own process) and a real
 * MCP server (the fault server's `sleep`, stdio, one per instance). Side by side in one run:
 *
 * - one instance on the file store;
 * - one instance on PostgreSQL;
 * - three instances behind nginx (deploy/nginx.conf) on PostgreSQL and Redis.
 *
 * Each client sends its chat, reads the stream to its `done` event, and on a 429 waits `Retry-After` and sends again
 * (as a well-behaved client does); the latency of a chat includes those waits. Reported per setup and concurrency:
 * p50/p99 latency, turns/s, turns per CPU-second of the serve processes (what one core sustains), RSS growth per
 * active turn (peak RSS under load less idle RSS, over the concurrent turns), 429s and failures.
 */
import { request as httpRequest } from 'node:http';
import * as os from 'node:os';
import { agentEnv, makeWorkspace } from '../../test/helpers/api';
import { nginxBinary, startCluster, type Cluster } from '../../test/helpers/cluster';
import { startPostgres } from '../../test/helpers/postgres';
import { startRedis } from '../../test/helpers/redis';
import { errorText, type Ctx } from '../lib/common';
import { cpuMsOf, rssMbOf } from '../lib/proc';
import { percentile, sleep } from '../lib/stats';
import { startToolTurnModel } from '../lib/toolTurnModel';

export interface LoadRow {
  setup: string;
  concurrency: number;
  turns: number;
  p50_ms: number;
  p99_ms: number;
  turns_per_s: number;
  /** Turns per CPU-second of the serve processes (nginx, the model and the MCP servers not counted). */
  turns_per_cpu_s: number;
  /** (peak RSS under load - idle RSS) / concurrent turns, summed over the instances. */
  rss_kb_per_active_turn: number;
  http_429: number;
  failed: number;
}

interface ChatOutcome {
  ms: number;
  ok: boolean;
  retries: number;
}

/** One streaming chat to its `done` event, retrying after 429s. */
async function streamChat(port: number, prompt: string): Promise<ChatOutcome> {
  const t0 = performance.now();
  let retries = 0;
  for (;;) {
    const r = await new Promise<{ status: number; retryAfter: number; done: boolean }>((resolve) => {
      const body = JSON.stringify({ prompt });
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/chat/stream', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          let tail = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (tail = (tail + d).slice(-4096)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1), done: tail.includes('"type":"done"') }));
          res.on('error', () => resolve({ status: 0, retryAfter: 0, done: false }));
        },
      );
      req.setTimeout(300_000, () => req.destroy());
      req.on('error', () => resolve({ status: 0, retryAfter: 0, done: false }));
      req.end(body);
    });
    if (r.status === 429 && retries < 100) {
      retries++;
      await sleep(Math.max(0.05, r.retryAfter) * 1000);
      continue;
    }
    return { ms: performance.now() - t0, ok: r.status === 200 && r.done, retries };
  }
}

/** Runs `concurrency` chats at once against `port`, sampling the serve processes' RSS and CPU. */
async function wave(setup: string, port: number, pids: () => number[], concurrency: number): Promise<LoadRow> {
  const idle = pids().reduce((s, p) => s + (rssMbOf(p) ?? 0), 0);
  const cpu0 = pids().reduce((s, p) => s + (cpuMsOf(p) ?? 0), 0);
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, pids().reduce((s, p) => s + (rssMbOf(p) ?? 0), 0));
  }, 25);
  const t0 = performance.now();
  const outcomes = await Promise.all(Array.from({ length: concurrency }, (_, i) => streamChat(port, `load ${i}`)));
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpu = (pids().reduce((s, p) => s + (cpuMsOf(p) ?? 0), 0) - cpu0) / 1000;
  const ms = outcomes.filter((o) => o.ok).map((o) => o.ms);
  const ok = ms.length;
  return {
    setup,
    concurrency,
    turns: ok,
    p50_ms: ok ? percentile(ms, 50) : NaN,
    p99_ms: ok ? percentile(ms, 99) : NaN,
    turns_per_s: ok / wall,
    turns_per_cpu_s: cpu > 0 ? ok / cpu : NaN,
    rss_kb_per_active_turn: Math.max(0, ((peak - idle) * 1024) / concurrency),
    http_429: outcomes.reduce((s, o) => s + o.retries, 0),
    failed: concurrency - ok,
  };
}

export async function benchLoad(ctx: Ctx): Promise<LoadRow[]> {
  const { profile, log, notes } = ctx;
  if (!nginxBinary()) throw new Error('nginx is not installed (apt-get install nginx)');
  const levels = profile.loadConcurrency;
  const model = await startToolTurnModel({ tool: 'fault__sleep', args: { ms: 20 }, tokens: profile.loadTokens, tokenDelayMs: 5 });
  const pg = await startPostgres();
  const redis = await startRedis();
  if (!redis) throw new Error('redis-server is not installed');
  const rows: LoadRow[] = [];
  const setups: Array<{ name: string; instances: number; store: 'file' | 'postgres' }> = [
    { name: '1 instance, file store', instances: 1, store: 'file' },
    { name: '1 instance, PostgreSQL', instances: 1, store: 'postgres' },
    { name: '3 instances + nginx, PostgreSQL', instances: 3, store: 'postgres' },
  ];
  try {
    for (const setup of setups) {
      const ws = await makeWorkspace({ extraYaml: `cache:\n  redisUrl: ${redis.url}\n` });
      let cluster: Cluster | undefined;
      try {
        cluster = await startCluster({
          instances: setup.instances,
          cwd: ws.dir,
          env: agentEnv(ws, model.url, setup.store === 'postgres' ? { MCP_AGENT_STORE_URL: pg.url } : {}),
          args: ['--yes'],
        });
        const c = cluster;
        // One instance is measured directly, three through nginx (what a client of each deployment talks to).
        const port = setup.instances === 1 ? c.instances[0].port : c.port;
        const pids = () => c.instances.map((i) => i.child?.pid ?? 0).filter((p) => p > 0);
        await wave(setup.name, port, pids, Math.min(8, levels[0])); // warm-up: connections, JIT, pools
        for (const n of levels) {
          const row = await wave(setup.name, port, pids, n);
          rows.push(row);
          log(`  ${setup.name}, ${n} concurrent: p50 ${row.p50_ms.toFixed(0)} ms, p99 ${row.p99_ms.toFixed(0)} ms, ${row.turns_per_s.toFixed(1)} turns/s, ${row.turns_per_cpu_s.toFixed(1)} turns/CPU-s, ${row.rss_kb_per_active_turn.toFixed(0)} KiB/turn, ${row.http_429} × 429, ${row.failed} failed`);
        }
      } catch (err) {
        notes.push(`load, ${setup.name}: ${errorText(err)}`);
        throw err;
      } finally {
        await cluster?.close();
      }
    }
  } finally {
    await model.close();
    await redis.stop();
    await pg.stop();
  }
  notes.push(`load: ${os.availableParallelism()} cores shared by the serve processes, nginx, PostgreSQL, Redis, the MCP servers, the scripted model and the clients; turns per CPU-second count the serve processes' CPU only.`);
  return rows;
}
