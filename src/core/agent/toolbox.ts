/**
 * Every tool the model may call, built-in and MCP, behind one interface: listing (as function specs) and calling,
 * with read-only results cached where that is safe.
 */
import type { Progress, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Cache } from '../cache';
import { cacheKey } from '../cache';
import type { FunctionSpec } from '../llm/types';
import type { AgentManager, NamespacedTool } from '../mcp/AgentManager';
import type { BuiltinTool, ToolResult } from '../tools/types';
import { disabledMatcher } from './toolSwitches';
import { redactDeep } from '../util/redact';

export interface ToolboxTool {
  /** The name the model calls. */
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  source: 'builtin' | 'mcp';
  /** MCP server name; undefined for built-in tools. */
  server?: string;
  /** The server's own tool name (MCP) or the built-in name. */
  tool: string;
  annotations?: ToolAnnotations;
}

export interface ToolCallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ToolboxOptions {
  builtins?: BuiltinTool[];
  manager?: AgentManager;
  cache?: Cache;
  /** How long cached read-only results live. */
  cacheTtlSeconds?: number;
  /** Built-in tools whose results may be cached, with their TTL in seconds (`search`, `system_info` briefly). */
  builtinCacheTtl?: Record<string, number>;
  /**
   * Results of calls faster than this (ms) are cached in memory only: writing one to disk and reading it back after a
   * restart costs about what calling again does. Default 10. 0 writes every cacheable result to the second tier.
   */
  persistMinMs?: number;
  /** Tools switched off (`server__tool`, `server__*`, a built-in's name): never listed, never found. */
  disabled?: readonly string[];
  /** Exact secret values to strip from results before they are cached (besides the usual patterns). */
  secrets?: () => string[];
}

function fromBuiltin(b: BuiltinTool): ToolboxTool {
  return { name: b.spec.name, description: b.spec.description ?? '', parameters: b.spec.inputSchema, source: 'builtin', tool: b.spec.name, annotations: b.spec.annotations };
}

function fromMcp(t: NamespacedTool): ToolboxTool {
  return {
    name: t.name,
    description: t.spec.description ?? t.spec.title ?? '',
    parameters: t.spec.inputSchema,
    source: 'mcp',
    server: t.server,
    tool: t.tool,
    annotations: t.spec.annotations,
  };
}

const DEFAULT_BUILTIN_TTL: Record<string, number> = { search: 30, system_info: 30 };

export class Toolbox {
  private readonly builtins = new Map<string, BuiltinTool>();
  /** Whether a tool is switched off by `tools.disabled`. */
  readonly isDisabled: (name: string) => boolean;

  constructor(private readonly opts: ToolboxOptions = {}) {
    for (const b of opts.builtins ?? []) this.builtins.set(b.spec.name, b);
    this.isDisabled = disabledMatcher(opts.disabled ?? []);
  }

  list(): ToolboxTool[] {
    return [...[...this.builtins.values()].map(fromBuiltin), ...(this.opts.manager?.tools() ?? []).map(fromMcp)].filter((t) => !this.isDisabled(t.name));
  }

  /** Exact names only: the model must use the names it was given. A disabled tool is not found. */
  find(name: string): ToolboxTool | undefined {
    if (this.isDisabled(name)) return undefined;
    const b = this.builtins.get(name);
    if (b) return fromBuiltin(b);
    const t = this.opts.manager?.resolveTool(name);
    return t && t.name === name ? fromMcp(t) : undefined;
  }

  static toFunctionSpec(t: ToolboxTool): FunctionSpec {
    return { name: t.name, description: t.description, parameters: t.parameters };
  }

  async call(tool: ToolboxTool, args: Record<string, unknown>, opts: ToolCallOptions = {}): Promise<ToolResult> {
    const cache = this.opts.cache;
    const key = cache ? this.cacheKeyFor(tool, args) : undefined;
    if (key && cache) {
      const hit = await cache.get<ToolResult>(key);
      if (hit) return hit;
    }
    const started = performance.now();
    const result = await this.invoke(tool, args, opts);
    const memoryOnly = performance.now() - started < (this.opts.persistMinMs ?? 10);
    // Write-behind: the memory tier is updated synchronously inside set(); the file/Redis write need not delay the turn.
    // What is cached is redacted: a file or Redis entry outlives the turn and may be shared.
    if (key && cache && !result.isError) void cache.set(key, redactDeep(result, this.opts.secrets?.() ?? []), { ttlSeconds: this.ttlFor(tool), memoryOnly }).catch(() => undefined);
    return result;
  }

  private async invoke(tool: ToolboxTool, args: Record<string, unknown>, opts: ToolCallOptions): Promise<ToolResult> {
    if (tool.source === 'builtin') {
      const b = this.builtins.get(tool.name);
      if (!b) throw new Error(`no built-in tool named "${tool.name}"`);
      return b.run(args, { signal: opts.signal });
    }
    if (!this.opts.manager) throw new Error('no MCP servers are configured');
    if (!tool.server) throw new Error(`"${tool.name}" names no server`);
    return this.opts.manager.callServerTool(tool.server, tool.tool, args, { signal: opts.signal, onProgress: opts.onProgress });
  }

  /** Only results that cannot change what the world looks like, and are stable for a while, are cached. */
  private cacheKeyFor(tool: ToolboxTool, args: Record<string, unknown>): string | undefined {
    if (tool.source === 'builtin') {
      // analyze_code caches by file content inside the tool itself.
      return this.opts.builtinCacheTtl?.[tool.name] !== undefined || DEFAULT_BUILTIN_TTL[tool.name] !== undefined ? cacheKey('builtin', tool.name, args) : undefined;
    }
    const a = tool.annotations;
    if (a?.readOnlyHint !== true || a.idempotentHint !== true || a.openWorldHint === true) return undefined;
    const hash = this.opts.manager?.definitionHashOf(tool.server ?? '');
    if (!hash) return undefined;
    return cacheKey('mcp', hash, tool.tool, args);
  }

  private ttlFor(tool: ToolboxTool): number {
    if (tool.source === 'builtin') return this.opts.builtinCacheTtl?.[tool.name] ?? DEFAULT_BUILTIN_TTL[tool.name] ?? 30;
    return this.opts.cacheTtlSeconds ?? 300;
  }
}
