/**
 * The benchmark suite as a function: runs every scenario under a profile and returns one flat record, the JSON that
 * `npm run bench` prints last. Used by bench/run.ts and by the smoke test (test/integration/bench.test.ts).
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { errorText, type Ctx, type Log, type Profile } from './lib/common';
import { round } from './lib/stats';
import { benchCache } from './scenarios/cache';
import { benchCheckpoints } from './scenarios/checkpoints';
import { benchFanout } from './scenarios/fanout';
import { benchHttpTurn } from './scenarios/http';
import { benchContext } from './scenarios/context';
import { benchMcpCall } from './scenarios/mcpCall';
import { benchMemory } from './scenarios/memory';
import { benchLoad, type LoadRow } from './scenarios/load';
import { benchStartup } from './scenarios/startup';
import { bundleSizes } from './scenarios/static';
import { benchTurn } from './scenarios/turn';
import { benchVsCode, emptyVsCodeFigures, type VsCodeProvider } from './scenarios/vscode';

/** The keys every run's JSON has (null where a figure could not be had, with a note saying why). */
export const REQUIRED_KEYS = [
  'mcp_call_overhead_ratio',
  'turn_overhead_ratio',
  'turn_ratio_vs_openai_agents',
  'http_turn_ratio',
  'http_turn_ratio_vs_openai_agents',
  'fanout_ratio',
  'startup_ratio',
  'cache_memory_hit_p50_us',
  'cache_file_hit_p50_us',
  'activation_ms',
  'bundle_bytes',
  'webview_long_tasks',
  'webview_renders_per_s',
  'webview_tokens_complete',
  'memory_mb_20_servers',
  'checkpoint_first_ratio',
  'checkpoint_incremental_ratio',
  'notes',
] as const;

export type Figure = number | null;

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
  /** 1-minute load average when the run started. */
  loadavg?: number;
}

export interface BenchResult {
  mcp_call_overhead_ratio: Figure;
  mcp_call_ours_p50_ms: Figure;
  mcp_call_raw_p50_ms: Figure;
  mcp_call_p50_ratio: Figure;
  /** Against the raw call without progress or timeout options (the reference asks for them, as ours does). */
  mcp_call_raw_plain_p50_ms: Figure;
  mcp_call_overhead_ratio_vs_plain: Figure;
  turn_overhead_ratio: Figure;
  turn_ours_p50_ms: Figure;
  turn_floor_p50_ms: Figure;
  turn_overhead_p50_ratio: Figure;
  turn_ours_nocache_p50_ms: Figure;
  turn_overhead_ratio_nocache: Figure;
  turn_ours_persist_all_p50_ms: Figure;
  turn_overhead_ratio_persist_all: Figure;
  /** The floor on ours' transport (Node's http, not the SDK's stream) and ours against it: the loop's own overhead. */
  turn_floor_same_transport_p50_ms: Figure;
  turn_overhead_ratio_same_transport: Figure;
  turn_ratio_vs_openai_agents: Figure;
  turn_openai_agents_p50_ms: Figure;
  /** One tool turn through `mcp-agent serve` (POST /chat) against the in-process floor, paired. */
  http_turn_ratio: Figure;
  http_stream_ratio: Figure;
  http_turn_ratio_vs_openai_agents: Figure;
  http_chat_p50_ms: Figure;
  http_stream_p50_ms: Figure;
  http_floor_p50_ms: Figure;
  /** The floor behind a naive HTTP server in its own process (bench/lib/servedFloor.ts): the hop's own cost. */
  http_naive_p50_ms: Figure;
  http_naive_ratio: Figure;
  http_turn_ratio_vs_naive: Figure;
  /** The in-process floor on serve's transport (Node's http), and serve against it. */
  http_floor_same_transport_p50_ms: Figure;
  http_turn_ratio_same_transport: Figure;
  /** POST /chat / the floor over the first rounds after serve started, before V8 has optimized either (cold). */
  http_turn_ratio_cold: Figure;
  /** CPU of the serve process per turn, and of the naive server's (Linux only). */
  http_cpu_ms_per_turn: Figure;
  http_naive_cpu_ms_per_turn: Figure;
  /** Concurrent streaming tool turns against `serve` (bench/scenarios/load.ts): one row per setup and concurrency. */
  load: LoadRow[] | null;
  /** One instance on the file store at the highest concurrency: turns per CPU-second of the serve process. */
  load_turns_per_cpu_s: Figure;
  /** The same: RSS growth per concurrent streaming turn (KiB). */
  load_rss_kb_per_active_turn: Figure;
  /** 50 turns with 20,000-character tool results on a 16k window: last request's tokens / the naive full history's. */
  context_tokens_ratio_vs_naive: Figure;
  context_max_request_tokens: Figure;
  context_naive_last_tokens: Figure;
  context_budget_100k_ms: Figure;
  context_budget_share_of_turn: Figure;
  context_prefix_stability: Figure;
  fanout_ratio: Figure;
  fanout_tool_phase_p50_ms: Figure;
  fanout_calls: number;
  fanout_ratio_default_parallel: Figure;
  startup_ratio: Figure;
  startup_servers: number;
  startup_parallel_ms: Figure;
  startup_slowest_single_ms: Figure;
  startup_raw_parallel_ms: Figure;
  startup_ratio_vs_raw_parallel: Figure;
  startup_cpu_per_server_ms: Figure;
  startup_cpu_bound_ratio: Figure;
  startup_cpu_per_server_parallel_ms: Figure;
  startup_cores_used: Figure;
  /** With the tool-list cache warm (as the CLI and the extension run): apply() to every server's tools offered. */
  startup_tools_offered_ms: Figure;
  startup_tools_offered_ratio: Figure;
  startup_parallel_cached_ms: Figure;
  cache_memory_hit_p50_us: Figure;
  cache_file_hit_p50_us: Figure;
  activation_ms: Figure;
  bundle_bytes: Figure;
  /** dist/host.js, the part of the extension required after activation (null when the build has no such split). */
  bundle_host_bytes: Figure;
  /** media/dist/chat.js, the chat webview's script. */
  bundle_webview_bytes: Figure;
  activation_code_loading_ms: Figure;
  activation_activate_ms: Figure;
  activation_total_ms: Figure;
  activation_runs: number;
  activation_min_ms: Figure;
  vscode_version: string | null;
  webview_long_tasks: Figure;
  webview_longest_task_ms: Figure;
  webview_renders_per_s: Figure;
  /** Every streamed token arrived in the webview, in every run (null when not measured). */
  webview_tokens_complete: boolean | null;
  webview_tokens: number;
  webview_tokens_per_s: number;
  webview_runs: number;
  webview_priority: 'realtime' | 'normal' | null;
  /** A checkpoint of an N-file workspace (10,000 in a full run) / `git add -A && git commit` of the same tree. */
  checkpoint_first_ratio: Figure;
  checkpoint_incremental_ratio: Figure;
  checkpoint_files: number;
  checkpoint_first_ms: Figure;
  checkpoint_git_first_ms: Figure;
  checkpoint_incremental_ms: Figure;
  checkpoint_git_incremental_ms: Figure;
  memory_mb_20_servers: Figure;
  memory_servers: number;
  memory_mb_baseline: Figure;
  memory_mb_children_20_servers: Figure;
  memory_mb_per_server: Figure;
  profile: Profile['name'];
  machine: Machine;
  date: string;
  /** 1-minute load average when the run ended. */
  loadavg_end: Figure;
  /** Scenarios that threw (their figures are null). */
  failed: string[];
  notes: string[];
}

export interface RunOptions {
  log?: Log;
  /** Fills in the figures that need a real VS Code (see bench/scenarios/vscode.ts). */
  vscode?: VsCodeProvider;
  /** Run only these scenarios (`npm run bench -- --only http-turn,turn`); the others' figures stay null. */
  only?: string[];
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() it is.
  }
  return { nproc: os.availableParallelism(), cpu: cpu.trim(), node: process.version, platform: `${process.platform}-${process.arch}`, loadavg: round(os.loadavg()[0], 2) ?? undefined };
}

export async function runBench(profile: Profile, opts: RunOptions = {}): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const ctx: Ctx = { profile, log, notes: [] };
  const failed: string[] = [];
  const r: BenchResult = {
    mcp_call_overhead_ratio: null,
    mcp_call_ours_p50_ms: null,
    mcp_call_raw_p50_ms: null,
    mcp_call_p50_ratio: null,
    mcp_call_raw_plain_p50_ms: null,
    mcp_call_overhead_ratio_vs_plain: null,
    turn_overhead_ratio: null,
    turn_ours_p50_ms: null,
    turn_floor_p50_ms: null,
    turn_overhead_p50_ratio: null,
    turn_ours_nocache_p50_ms: null,
    turn_overhead_ratio_nocache: null,
    turn_ours_persist_all_p50_ms: null,
    turn_overhead_ratio_persist_all: null,
    turn_floor_same_transport_p50_ms: null,
    turn_overhead_ratio_same_transport: null,
    turn_ratio_vs_openai_agents: null,
    turn_openai_agents_p50_ms: null,
    http_turn_ratio: null,
    http_stream_ratio: null,
    http_turn_ratio_vs_openai_agents: null,
    http_chat_p50_ms: null,
    http_stream_p50_ms: null,
    http_floor_p50_ms: null,
    http_naive_p50_ms: null,
    http_naive_ratio: null,
    http_turn_ratio_vs_naive: null,
    http_floor_same_transport_p50_ms: null,
    http_turn_ratio_same_transport: null,
    http_turn_ratio_cold: null,
    http_cpu_ms_per_turn: null,
    http_naive_cpu_ms_per_turn: null,
    load: null,
    load_turns_per_cpu_s: null,
    load_rss_kb_per_active_turn: null,
    context_tokens_ratio_vs_naive: null,
    context_max_request_tokens: null,
    context_naive_last_tokens: null,
    context_budget_100k_ms: null,
    context_budget_share_of_turn: null,
    context_prefix_stability: null,
    fanout_ratio: null,
    fanout_tool_phase_p50_ms: null,
    fanout_calls: profile.fanoutCalls,
    fanout_ratio_default_parallel: null,
    startup_ratio: null,
    startup_servers: profile.startupServers,
    startup_parallel_ms: null,
    startup_slowest_single_ms: null,
    startup_raw_parallel_ms: null,
    startup_ratio_vs_raw_parallel: null,
    startup_cpu_per_server_ms: null,
    startup_cpu_bound_ratio: null,
    startup_cpu_per_server_parallel_ms: null,
    startup_cores_used: null,
    startup_tools_offered_ms: null,
    startup_tools_offered_ratio: null,
    startup_parallel_cached_ms: null,
    cache_memory_hit_p50_us: null,
    cache_file_hit_p50_us: null,
    ...emptyVsCodeFigures(ctx),
    bundle_bytes: null,
    bundle_host_bytes: null,
    bundle_webview_bytes: null,
    checkpoint_first_ratio: null,
    checkpoint_incremental_ratio: null,
    checkpoint_files: 0,
    checkpoint_first_ms: null,
    checkpoint_git_first_ms: null,
    checkpoint_incremental_ms: null,
    checkpoint_git_incremental_ms: null,
    memory_mb_20_servers: null,
    memory_servers: profile.memoryServers,
    memory_mb_baseline: null,
    memory_mb_children_20_servers: null,
    memory_mb_per_server: null,
    profile: profile.name,
    machine: machine(),
    date: new Date().toISOString(),
    loadavg_end: null,
    failed,
    notes: ctx.notes,
  };

  const scenario = async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (opts.only && !opts.only.includes(name)) return;
    log(`[${name}]`);
    const t0 = performance.now();
    try {
      await fn();
    } catch (err) {
      failed.push(name);
      ctx.notes.push(`${name} failed: ${errorText(err)}`);
      log(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  };

  await scenario('mcp-call', async () => {
    const m = await benchMcpCall(ctx);
    r.mcp_call_overhead_ratio = round(m.ratio);
    r.mcp_call_ours_p50_ms = round(m.ours_p50_ms, 4);
    r.mcp_call_raw_p50_ms = round(m.ref_p50_ms, 4);
    r.mcp_call_p50_ratio = round(m.p50_ratio);
    r.mcp_call_raw_plain_p50_ms = round(m.plain_p50_ms, 4);
    r.mcp_call_overhead_ratio_vs_plain = round(m.ratio_vs_plain);
  });
  await scenario('turn', async () => {
    const t = await benchTurn(ctx);
    r.turn_overhead_ratio = round(t.overhead_ratio);
    r.turn_ours_p50_ms = round(t.ours_p50_ms);
    r.turn_floor_p50_ms = round(t.floor_p50_ms);
    r.turn_overhead_p50_ratio = round(t.overhead_p50_ratio);
    r.turn_ours_nocache_p50_ms = round(t.ours_nocache_p50_ms);
    r.turn_overhead_ratio_nocache = round(t.overhead_ratio_nocache);
    r.turn_ours_persist_all_p50_ms = round(t.ours_persist_all_p50_ms);
    r.turn_overhead_ratio_persist_all = round(t.overhead_ratio_persist_all);
    r.turn_floor_same_transport_p50_ms = round(t.floor_same_transport_p50_ms);
    r.turn_overhead_ratio_same_transport = round(t.overhead_ratio_same_transport);
    r.turn_ratio_vs_openai_agents = round(t.ratio_vs_agents);
    r.turn_openai_agents_p50_ms = round(t.agents_p50_ms);
  });
  await scenario('http-turn', async () => {
    const h = await benchHttpTurn(ctx);
    r.http_turn_ratio = round(h.http_turn_ratio);
    r.http_stream_ratio = round(h.http_stream_ratio);
    r.http_turn_ratio_vs_openai_agents = round(h.http_turn_ratio_vs_openai_agents);
    r.http_chat_p50_ms = round(h.http_chat_p50_ms);
    r.http_stream_p50_ms = round(h.http_stream_p50_ms);
    r.http_floor_p50_ms = round(h.floor_p50_ms);
    r.http_naive_p50_ms = round(h.naive_p50_ms);
    r.http_naive_ratio = round(h.naive_ratio);
    r.http_turn_ratio_vs_naive = round(h.http_turn_ratio_vs_naive);
    r.http_floor_same_transport_p50_ms = round(h.floor_same_transport_p50_ms);
    r.http_turn_ratio_same_transport = round(h.http_turn_ratio_same_transport);
    r.http_turn_ratio_cold = round(h.http_turn_ratio_cold);
    r.http_cpu_ms_per_turn = round(h.cpu_ms_per_turn, 2);
    r.http_naive_cpu_ms_per_turn = round(h.naive_cpu_ms_per_turn, 2);
  });
  await scenario('load', async () => {
    const rows = await benchLoad(ctx);
    r.load = rows.map((row) => ({ ...row, p50_ms: round(row.p50_ms, 1) ?? NaN, p99_ms: round(row.p99_ms, 1) ?? NaN, turns_per_s: round(row.turns_per_s, 1) ?? NaN, turns_per_cpu_s: round(row.turns_per_cpu_s, 1) ?? NaN, rss_kb_per_active_turn: round(row.rss_kb_per_active_turn, 0) ?? NaN }));
    const single = rows.filter((row) => row.setup.startsWith('1 instance, file')).pop();
    r.load_turns_per_cpu_s = round(single?.turns_per_cpu_s ?? null, 1);
    r.load_rss_kb_per_active_turn = round(single?.rss_kb_per_active_turn ?? null, 0);
  });
  await scenario('context', async () => {
    const c = await benchContext(ctx);
    r.context_tokens_ratio_vs_naive = round(c.tokens_ratio_vs_naive);
    r.context_max_request_tokens = c.ours_max_tokens;
    r.context_naive_last_tokens = c.naive_last_tokens;
    r.context_budget_100k_ms = round(c.budget_100k_ms);
    r.context_budget_share_of_turn = round(c.budget_share_of_turn, 4);
    r.context_prefix_stability = round(c.prefix_stability);
  });
  await scenario('fan-out', async () => {
    const f = await benchFanout(ctx);
    r.fanout_ratio = round(f.ratio);
    r.fanout_tool_phase_p50_ms = round(f.tool_phase_p50_ms, 1);
    r.fanout_ratio_default_parallel = round(f.default_parallel_ratio);
  });
  await scenario('start-up', async () => {
    const s = await benchStartup(ctx);
    r.startup_ratio = round(s.ratio);
    r.startup_parallel_ms = round(s.parallel_ms, 0);
    r.startup_slowest_single_ms = round(s.slowest_single_ms, 0);
    r.startup_raw_parallel_ms = round(s.raw_parallel_ms, 0);
    r.startup_ratio_vs_raw_parallel = round(s.ratio_vs_raw_parallel);
    r.startup_cpu_per_server_ms = round(s.cpu_per_server_ms, 0);
    r.startup_cpu_bound_ratio = round(s.cpu_bound_ratio);
    r.startup_cpu_per_server_parallel_ms = round(s.cpu_per_server_parallel_ms, 0);
    r.startup_cores_used = round(s.cores_used, 2);
    r.startup_tools_offered_ms = round(s.tools_offered_ms, 0);
    r.startup_tools_offered_ratio = round(s.tools_offered_ratio, 4);
    r.startup_parallel_cached_ms = round(s.parallel_cached_ms, 0);
    if (s.singles_timed < s.servers) ctx.notes.push(`startup_ratio: ${s.singles_timed} of the ${s.servers} servers were timed alone in this profile (all of them in a full run).`);
  });
  await scenario('checkpoints', async () => {
    const c = await benchCheckpoints(ctx);
    r.checkpoint_files = c.files;
    r.checkpoint_first_ratio = round(c.first_ratio);
    r.checkpoint_incremental_ratio = round(c.incremental_ratio);
    r.checkpoint_first_ms = round(c.first_ms, 0);
    r.checkpoint_git_first_ms = round(c.git_first_ms, 0);
    r.checkpoint_incremental_ms = round(c.incremental_ms, 0);
    r.checkpoint_git_incremental_ms = round(c.git_incremental_ms, 0);
  });
  await scenario('cache', async () => {
    const c = await benchCache(ctx);
    r.cache_memory_hit_p50_us = round(c.memory_hit_p50_us);
    r.cache_file_hit_p50_us = round(c.file_hit_p50_us, 1);
  });
  await scenario('memory', async () => {
    const m = await benchMemory(ctx);
    r.memory_mb_20_servers = round(m.rss_mb, 1);
    r.memory_mb_baseline = round(m.baseline_rss_mb, 1);
    r.memory_mb_children_20_servers = round(m.children_rss_mb, 1);
    r.memory_mb_per_server = round(m.children_rss_each_mb, 1);
    if (m.servers !== 20) ctx.notes.push(`memory_mb_20_servers: measured with ${m.servers} servers in this profile.`);
  });
  await scenario('bundle', async () => {
    const b = await bundleSizes(ctx);
    r.bundle_bytes = b.extension;
    r.bundle_host_bytes = b.host;
    r.bundle_webview_bytes = b.webview;
    log(`  dist/extension.js ${b.extension} bytes; dist/host.js ${b.host ?? 'absent'}; media/dist/chat.js ${b.webview ?? 'absent'} (as last built; the bench does not rebuild)`);
  });
  await scenario('vscode', async () => {
    const v = await benchVsCode(ctx, opts.vscode);
    r.activation_ms = round(v.activation_ms, 1);
    r.activation_code_loading_ms = round(v.activation_code_loading_ms, 1);
    r.activation_activate_ms = round(v.activation_activate_ms, 1);
    r.activation_total_ms = round(v.activation_total_ms, 1);
    r.activation_runs = v.activation_runs;
    r.activation_min_ms = round(v.activation_min_ms, 1);
    r.vscode_version = v.vscode_version;
    r.webview_long_tasks = v.webview_long_tasks;
    r.webview_longest_task_ms = v.webview_longest_task_ms;
    r.webview_renders_per_s = round(v.webview_renders_per_s, 1);
    r.webview_tokens_complete = v.webview_tokens_complete;
    r.webview_tokens = v.webview_tokens;
    r.webview_tokens_per_s = v.webview_tokens_per_s;
    r.webview_runs = v.webview_runs;
    r.webview_priority = v.webview_priority;
  });
  r.loadavg_end = round(os.loadavg()[0], 2);
  return r;
}
