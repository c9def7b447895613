/**
 * Run by the memory scenario in its own process (bundled with esbuild first, as the CLI is, so no TypeScript loader
 * inflates the figures): connects N stdio servers through AgentManager, settles, and prints one JSON line with its
 * own RSS and each server process's RSS.
 *
 *   node --expose-gc memoryChild.js <count> <server-script> [args...]
 */
import { AgentManager } from '../src/core/mcp/AgentManager';
import type { ServerDefinition } from '../src/core/mcp/serverConfig';
import { rssMbOf } from './lib/proc';

async function main(): Promise<void> {
  const [countArg, script, ...args] = process.argv.slice(2);
  const count = Number(countArg);
  const defs: ServerDefinition[] = Array.from({ length: count }, (_, i) => ({
    name: `s${i}`,
    transport: 'stdio',
    command: process.execPath,
    args: [script, ...args],
    env: {},
    headers: {},
    timeoutMs: 60_000,
    disabled: false,
    source: 'bench',
  }));
  const manager = new AgentManager({ connectTimeoutMs: 120_000 });
  await manager.apply(defs);
  const connected = manager.servers().filter((s) => s.state === 'connected').length;
  // Let start-up garbage go before reading: the figure is what stays resident.
  await new Promise((r) => setTimeout(r, 300));
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const mem = process.memoryUsage();
  const children = manager.servers().map((s) => (s.pid === undefined ? null : (rssMbOf(s.pid) ?? null)));
  process.stdout.write(
    `${JSON.stringify({ connected, rss_mb: mem.rss / 2 ** 20, heap_used_mb: mem.heapUsed / 2 ** 20, children_rss_mb: children })}\n`,
  );
  await manager.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`memoryChild: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
