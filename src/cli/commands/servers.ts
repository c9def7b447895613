import { EXIT, loadConfig, type CommonOptions } from '../context';
import { startCliRuntime } from '../runtime';
import { printTable } from '../format';

/** `mcp-agent servers`: each server's state, transport, tool count and last error. */
export async function runServers(opts: CommonOptions): Promise<number> {
  const config = await loadConfig(opts);
  const runtime = await startCliRuntime(opts, config);
  const manager = runtime.manager;
  try {
    const statuses = manager.servers();
    const disabled = config.servers.filter((s) => s.disabled).map((s) => s.name);
    if (opts.json) {
      const rows = [
        ...statuses.map((s) => ({ name: s.name, state: s.state, transport: s.transport ?? null, tools: s.toolCount, lastError: s.lastError ?? null })),
        ...disabled.map((name) => ({ name, state: 'disabled', transport: null, tools: 0, lastError: null })),
      ];
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (statuses.length === 0 && disabled.length === 0) {
      process.stdout.write('No MCP servers are defined (use --config FILE or --url URL).\n');
    } else {
      printTable(
        ['SERVER', 'STATE', 'TRANSPORT', 'TOOLS', 'LAST ERROR'],
        [
          ...statuses.map((s) => [s.name, s.state, s.transport ?? '-', String(s.toolCount), s.lastError ?? '']),
          ...disabled.map((name) => [name, 'disabled', '-', '0', '']),
        ],
      );
    }
    return statuses.length > 0 && statuses.every((s) => s.state !== 'connected') ? EXIT.unreachable : EXIT.ok;
  } finally {
    await runtime.dispose();
  }
}
