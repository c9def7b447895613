import { EXIT, loadConfig, type CommonOptions } from '../context';
import { startCliRuntime } from '../runtime';
import { oneLine, printTable } from '../format';
import { disabledMatcher } from '../../core/agent/toolSwitches';

/** `mcp-agent tools`: every connected server's tools under their namespaced names. */
export async function runTools(opts: CommonOptions): Promise<number> {
  const config = await loadConfig(opts);
  const runtime = await startCliRuntime(opts, config);
  const manager = runtime.manager;
  try {
    const tools = manager.tools();
    // Switched off by tools.disabled: listed, marked, never offered to the model or run.
    const isDisabled = disabledMatcher(runtime.settings.tools.disabled);
    if (opts.json) {
      const rows = tools.map((t) => ({
        name: t.name,
        server: t.server,
        tool: t.tool,
        title: t.spec.title ?? t.spec.annotations?.title,
        description: t.spec.description ?? '',
        inputSchema: t.spec.inputSchema,
        annotations: t.spec.annotations,
        disabled: isDisabled(t.name),
      }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (tools.length === 0) {
      process.stderr.write('mcp-agent: no tools (no server connected or none has tools)\n');
    } else {
      printTable(
        ['TOOL', 'DESCRIPTION'],
        tools.map((t) => [isDisabled(t.name) ? `${t.name} (disabled)` : t.name, oneLine(t.spec.description)]),
      );
    }
    const statuses = manager.servers();
    return statuses.length > 0 && statuses.every((s) => s.state !== 'connected') ? EXIT.unreachable : EXIT.ok;
  } finally {
    await runtime.dispose();
  }
}
