import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpServerError } from '../../core/mcp/errors';
import { isObject } from '../../core/mcp/serverConfig';
import { CliError, EXIT, loadConfig, type CommonOptions } from '../context';
import { startCliRuntime } from '../runtime';
import { visibleControls } from '../../core/util/untrusted';

/** `mcp-agent call TOOL --args JSON`: one tool call, its result on stdout. */
export async function runCall(opts: CommonOptions, toolName: string, argsJson: string | undefined): Promise<number> {
  let args: Record<string, unknown> = {};
  if (argsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(argsJson);
    } catch (err) {
      throw new CliError(`--args is not valid JSON (${(err as Error).message})`, EXIT.usage);
    }
    if (!isObject(parsed)) throw new CliError('--args must be a JSON object, e.g. --args \'{"message":"hi"}\'', EXIT.usage);
    args = parsed;
  }
  const config = await loadConfig(opts);
  if (config.servers.filter((s) => !s.disabled).length === 0) throw new CliError('no MCP servers are defined (use --config FILE or --url URL)', EXIT.usage);
  const runtime = await startCliRuntime(opts, config);
  const manager = runtime.manager;
  try {
    const tool = manager.resolveTool(toolName);
    if (!tool) {
      const holders = manager.serversWithTool(toolName);
      if (holders.length > 1) throw new CliError(`"${toolName}" is offered by ${holders.join(', ')}; use the full name, e.g. ${manager.tools().find((t) => t.tool === toolName)?.name}`, EXIT.usage);
      const down = manager.servers().filter((s) => s.state !== 'connected');
      if (down.length > 0) throw new CliError(`no tool named "${toolName}" among connected servers (${down.map((s) => s.name).join(', ')} not connected)`, EXIT.unreachable);
      throw new CliError(`no tool named "${toolName}" (see mcp-agent tools)`, EXIT.usage);
    }
    let result: CallToolResult;
    try {
      result = await manager.callServerTool(tool.server, tool.tool, args);
    } catch (err) {
      if (err instanceof McpServerError) {
        const code = err.kind === 'protocol' ? EXIT.toolError : EXIT.unreachable;
        throw new CliError(err.message, code);
      }
      throw err;
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${visibleControls(renderResult(result))}\n`);
    return result.isError ? EXIT.toolError : EXIT.ok;
  } finally {
    await runtime.dispose();
  }
}

/** Human-readable rendering of a tool result: text as is, other content summarized. */
export function renderResult(result: CallToolResult): string {
  const parts: string[] = [];
  for (const c of result.content ?? []) {
    if (c.type === 'text') parts.push(c.text);
    else if (c.type === 'image' || c.type === 'audio') parts.push(`[${c.type} ${c.mimeType}, ${Math.round((c.data.length * 3) / 4)} bytes]`);
    else if (c.type === 'resource') parts.push('text' in c.resource ? c.resource.text : `[resource ${c.resource.uri}]`);
    else if (c.type === 'resource_link') parts.push(`[resource link ${c.uri}]`);
  }
  if (parts.length === 0 && result.structuredContent) parts.push(JSON.stringify(result.structuredContent, null, 2));
  return parts.join('\n');
}
