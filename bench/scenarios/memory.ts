/**
 * Memory: the RSS of a process that holds N stdio servers connected through AgentManager (the CLI's situation),
 * and, separately, the servers' own RSS. The script is bundled with esbuild the way the CLI is and run with plain
 * node, so neither tsx nor TypeScript is in the figure. The same process with no servers gives the baseline.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { EVERYTHING, ROOT, type Ctx } from '../lib/common';

const run = promisify(execFile);

export interface MemoryResult {
  servers: number;
  /** Agent process RSS with N servers connected, MiB. */
  rss_mb: number;
  /** The same process with none, MiB. */
  baseline_rss_mb: number;
  /** Sum of the N server processes' RSS, MiB. */
  children_rss_mb: number;
  children_rss_each_mb: number;
}

interface ChildReport {
  connected: number;
  rss_mb: number;
  heap_used_mb: number;
  children_rss_mb: Array<number | null>;
}

async function runChild(script: string, count: number): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, ['--expose-gc', script, String(count), EVERYTHING, 'stdio'], { cwd: ROOT, timeout: 300_000, maxBuffer: 1 << 20 });
  const line = stdout.trim().split('\n').pop() ?? '';
  const report = JSON.parse(line) as ChildReport;
  if (report.connected !== count) throw new Error(`memory child: ${report.connected} of ${count} servers connected`);
  return report;
}

export async function benchMemory(ctx: Ctx): Promise<MemoryResult> {
  const { profile, log } = ctx;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-bench-mem-'));
  try {
    const script = path.join(dir, 'memoryChild.js');
    await build({
      entryPoints: [path.join(ROOT, 'bench/memoryChild.ts')],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      mainFields: ['module', 'main'],
      logLevel: 'warning',
    });
    const baseline = await runChild(script, 0);
    const loaded = await runChild(script, profile.memoryServers);
    const kids = loaded.children_rss_mb.filter((x): x is number => x !== null);
    const sum = kids.reduce((a, b) => a + b, 0);
    const result: MemoryResult = {
      servers: profile.memoryServers,
      rss_mb: loaded.rss_mb,
      baseline_rss_mb: baseline.rss_mb,
      children_rss_mb: sum,
      children_rss_each_mb: kids.length ? sum / kids.length : Number.NaN,
    };
    log(
      `  memory: agent process ${result.rss_mb.toFixed(1)} MiB with ${result.servers} servers (${result.baseline_rss_mb.toFixed(1)} MiB with none); ` +
        `servers ${result.children_rss_mb.toFixed(0)} MiB together, ${result.children_rss_each_mb.toFixed(1)} MiB each`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
