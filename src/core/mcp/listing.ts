/** Small helpers of McpAgent: paged lists, tool lists and their limits, tool calls, timeouts. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallOptions, ToolLimits } from './agentTypes';

/** What one server may list: more tools, or larger ones, never reach the model. */
export const DEFAULT_TOOL_LIMITS: ToolLimits = { maxTools: 200, maxDescriptionChars: 4096, maxSchemaBytes: 64 * 1024 };

/** Tools past `maxTools` and tools whose inputSchema is over `maxSchemaBytes` are dropped; long descriptions cut. */
export function capTools(listed: Tool[], limits: Partial<ToolLimits> = {}): { tools: Tool[]; dropped: number; truncated: number } {
  const l = { ...DEFAULT_TOOL_LIMITS, ...limits };
  let dropped = 0;
  let truncated = 0;
  const tools: Tool[] = [];
  for (const t of dedupeByName(listed)) {
    if (tools.length >= l.maxTools || Buffer.byteLength(JSON.stringify(t.inputSchema ?? {})) > l.maxSchemaBytes) {
      dropped++;
      continue;
    }
    if (t.description && t.description.length > l.maxDescriptionChars) {
      truncated++;
      tools.push({ ...t, description: `${t.description.slice(0, l.maxDescriptionChars)}… (cut)` });
    } else tools.push(t);
  }
  return { tools, dropped, truncated };
}

export function describeCuts(dropped: number, truncated: number, limits: Partial<ToolLimits> = {}): string {
  const l = { ...DEFAULT_TOOL_LIMITS, ...limits };
  const parts: string[] = [];
  if (dropped) parts.push(`${dropped} tool(s) left out (more than ${l.maxTools} tools, or an input schema over ${Math.round(l.maxSchemaBytes / 1024)} KiB)`);
  if (truncated) parts.push(`${truncated} description(s) cut to ${l.maxDescriptionChars} characters`);
  return `the server's tool list is over the limits: ${parts.join('; ')}`;
}

export async function fetchLists(client: Client): Promise<{ tools: Tool[]; resources: Resource[]; templates: ResourceTemplate[]; prompts: Prompt[] }> {
  const caps = client.getServerCapabilities() ?? {};
  const [tools, resources, templates, prompts] = await Promise.all([
    caps.tools ? collect((cursor) => client.listTools({ cursor }).then((r) => ({ items: r.tools, next: r.nextCursor }))) : [],
    caps.resources ? collect((cursor) => client.listResources({ cursor }).then((r) => ({ items: r.resources, next: r.nextCursor }))).catch(() => []) : [],
    caps.resources ? listTemplates(client) : [],
    caps.prompts ? collect((cursor) => client.listPrompts({ cursor }).then((r) => ({ items: r.prompts, next: r.nextCursor }))).catch(() => []) : [],
  ]);
  return { tools, resources, templates, prompts };
}

export function listTemplates(client: Client): Promise<ResourceTemplate[]> {
  return collect((cursor) => client.listResourceTemplates({ cursor }).then((r) => ({ items: r.resourceTemplates, next: r.nextCursor }))).catch(() => []);
}

export async function callToolOn(client: Client, name: string, args: Record<string, unknown>, opts: CallOptions, timeout: number, maxTotalTimeoutMs?: number): Promise<CallToolResult> {
  const result = await client.callTool({ name, arguments: args }, undefined, {
    timeout,
    signal: opts.signal,
    // The SDK only asks for progress when a callback is set, and only then can progress extend the timeout.
    onprogress: (p) => opts.onProgress?.(p),
    resetTimeoutOnProgress: true,
    maxTotalTimeout: maxTotalTimeoutMs ?? timeout * 10,
  });
  return result as CallToolResult;
}

export async function collect<T>(page: (cursor?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const { items, next } = await page(cursor);
    out.push(...items);
    if (!next) break;
    cursor = next;
  }
  return out;
}

export function dedupeByName(tools: Tool[]): Tool[] {
  const seen = new Set<string>();
  return tools.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s`)), ms);
    const onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** A tool as listed, without the annotations that would let it run unasked or be cached (title kept). */
export function withoutHints(tool: Tool): Tool {
  if (!tool.annotations) return tool;
  const { readOnlyHint: _r, openWorldHint: _o, idempotentHint: _i, destructiveHint: _d, ...rest } = tool.annotations;
  return { ...tool, annotations: rest };
}

export function oversizeText(maxBytes: number): string {
  return `the server sent a message larger than the ${Math.round((maxBytes / (1024 * 1024)) * 10) / 10} MiB limit`;
}

/** The last lines of a server's stderr, for an error message. */
export function stderrHint(tail: string): string {
  const lines = tail.trim().split('\n').filter(Boolean);
  return lines.length ? ` (stderr: ${lines.slice(-3).join(' | ').slice(0, 400)})` : '';
}
