/**
 * `mcp-agent conformance URL`: the adapter the official MCP conformance suite drives (`conformance client
 * --command "mcp-agent conformance"`). The suite names the scenario in MCP_CONFORMANCE_SCENARIO; this connects
 * through the same AgentManager and McpAgent as every other command and exercises what the scenario checks.
 * See docs/CONFORMANCE.md.
 */
import { acceptWithDefaults } from '../../core/mcp/elicitationDefaults';
import { definitionFromUrl } from '../../core/mcp/serverConfig';
import { CliError, EXIT, startServers, type CommonOptions } from '../context';

/** The tool each scenario wants called, with arguments. */
const SCENARIO_CALLS: Record<string, { tool: string; args: Record<string, unknown> }> = {
  tools_call: { tool: 'add_numbers', args: { a: 5, b: 3 } },
  'elicitation-sep1034-client-defaults': { tool: 'test_client_elicitation_defaults', args: {} },
  'sse-retry': { tool: 'test_reconnection', args: {} },
};

export async function runConformance(opts: CommonOptions, url: string): Promise<number> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const def = definitionFromUrl(url, 'conformance');
  if ('message' in def) throw new CliError(`URL: ${def.message}`, EXIT.usage);
  const manager = await startServers(opts, [{ ...def, transport: 'http' }], {
    elicitation: async (_server, params) => acceptWithDefaults(params),
  });
  try {
    const status = manager.servers()[0];
    if (status.state !== 'connected') throw new CliError(`could not connect to ${url}: ${status.lastError ?? status.state}`, EXIT.unreachable);
    const planned = SCENARIO_CALLS[scenario];
    const calls = planned ? [planned] : manager.tools().map((t) => ({ tool: t.tool, args: {} }));
    for (const c of calls) {
      const tool = manager.resolveTool(c.tool);
      if (!tool) throw new CliError(`the server has no tool "${c.tool}"`, EXIT.usage);
      const result = await manager.callTool(tool.name, c.args);
      if (opts.verbose) process.stderr.write(`${c.tool}: ${JSON.stringify(result)}\n`);
    }
    return EXIT.ok;
  } finally {
    await manager.dispose();
  }
}
