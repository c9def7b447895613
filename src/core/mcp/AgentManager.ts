/**
 * All MCP servers at once: one McpAgent per definition, started concurrently, re-applied by difference when the
 * definitions change, with every server's tools under collision-free `<server>__<tool>` names routed back to
 * their server.
 */
import { EventEmitter } from 'node:events';
import type {
  CallToolResult,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  LoggingLevel,
  LoggingMessageNotification,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { McpServerError } from './errors';
import { McpAgent, type CallOptions, type McpAgentOptions, type RequestOptions, type ServerStatus } from './McpAgent';
import { definitionHash, type ServerDefinition } from './serverConfig';
import { serverParts, toolNamesFor } from './toolNames';

export interface NamespacedTool {
  /** What the model calls it: `<server>__<tool>`, a valid OpenAI function name. */
  name: string;
  server: string;
  /** The server's own name for it. */
  tool: string;
  spec: Tool;
}

/** A server's resource, prompt or template, with the server's name. */
export type FromServer<T> = T & { server: string };

export type ServerResource = FromServer<Resource>;
export type ServerResourceTemplate = FromServer<ResourceTemplate>;
export type ServerPrompt = FromServer<Prompt>;

interface Events {
  status: [ServerStatus];
  toolsChanged: [];
  /** A server's resources or resource templates changed (connect, list_changed, stop). */
  resourcesChanged: [server: string];
  promptsChanged: [server: string];
  /** `notifications/message` from a server. */
  log: [server: string, params: LoggingMessageNotification['params']];
  /** `notifications/resources/updated` for a URI subscribed through `subscribe`. */
  resourceUpdated: [server: string, uri: string];
}

interface Entry {
  agent: McpAgent;
  hash: string;
}

export type AgentFactory = (def: ServerDefinition, options: McpAgentOptions) => McpAgent;

export class AgentManager extends EventEmitter<Events> {
  private readonly entries = new Map<string, Entry>();
  private toolIndex = new Map<string, NamespacedTool>();
  private toolListCache?: NamespacedTool[];
  private disposed = false;
  private readonly logger: Logger;

  constructor(
    private readonly agentOptions: McpAgentOptions = {},
    private readonly factory: AgentFactory = (def, options) => new McpAgent(def, options),
  ) {
    super();
    this.logger = agentOptions.logger ?? silentLogger;
  }

  /**
   * Makes the running set match `defs`: starts added servers, restarts changed ones, stops removed ones, and leaves
   * unchanged ones alone. Resolves when every server it started is connected or has failed.
   */
  async apply(defs: ServerDefinition[]): Promise<void> {
    if (this.disposed) throw new Error('AgentManager is disposed');
    const wanted = new Map(defs.filter((d) => !d.disabled).map((d) => [d.name, d]));
    const stopping: Promise<void>[] = [];
    const removed: string[] = [];
    for (const [name, entry] of this.entries) {
      const next = wanted.get(name);
      if (!next || definitionHash(next) !== entry.hash) {
        this.entries.delete(name);
        entry.agent.removeAllListeners();
        stopping.push(entry.agent.stop());
        this.logger.info(`[${name}] ${next ? 'definition changed; restarting' : 'removed'}`);
        removed.push(name);
      }
    }
    await Promise.allSettled(stopping);
    for (const name of removed) {
      this.emit('resourcesChanged', name);
      this.emit('promptsChanged', name);
    }
    const added: McpAgent[] = [];
    for (const def of wanted.values()) {
      if (this.entries.has(def.name)) continue;
      const agent = this.factory(def, this.agentOptions);
      agent.on('status', (s) => this.emit('status', s));
      agent.on('tools', () => this.reindex());
      agent.on('stderr', (line) => this.logger.debug(`[${def.name}] stderr: ${line}`));
      agent.on('resources', () => this.emit('resourcesChanged', def.name));
      agent.on('resourceTemplates', () => this.emit('resourcesChanged', def.name));
      agent.on('prompts', () => this.emit('promptsChanged', def.name));
      agent.on('log', (params) => this.emit('log', def.name, params));
      agent.on('resourceUpdated', (uri) => this.emit('resourceUpdated', def.name, uri));
      this.entries.set(def.name, { agent, hash: definitionHash(def) });
      added.push(agent);
    }
    // Every cached tool list first (a few file reads), then the processes: twenty starting servers saturate the CPU,
    // and the model should not wait for them to learn what it can call.
    await Promise.allSettled(added.map((a) => a.offerCachedTools()));
    if (this.disposed) return;
    this.reindex();
    await Promise.allSettled(added.filter((a) => this.entries.get(a.name)?.agent === a).map((a) => a.start()));
  }

  get agents(): McpAgent[] {
    return [...this.entries.values()].map((e) => e.agent);
  }

  agent(name: string): McpAgent | undefined {
    return this.entries.get(name)?.agent;
  }

  /** The definition hash of a configured server (computed once, when it was applied). */
  definitionHashOf(name: string): string | undefined {
    return this.entries.get(name)?.hash;
  }

  servers(): ServerStatus[] {
    return this.agents.map((a) => a.status);
  }

  /** Every connected server's tools, namespaced. */
  tools(): NamespacedTool[] {
    this.toolListCache ??= [...this.toolIndex.values()];
    return this.toolListCache;
  }

  /** A namespaced name, or a bare tool name that exactly one server has. */
  resolveTool(name: string): NamespacedTool | undefined {
    const direct = this.toolIndex.get(name);
    if (direct) return direct;
    let found: NamespacedTool | undefined;
    for (const t of this.toolIndex.values()) {
      if (t.tool !== name) continue;
      if (found) return undefined;
      found = t;
    }
    return found;
  }

  /** Servers that have a tool with this bare name (to explain an ambiguous name). */
  serversWithTool(tool: string): string[] {
    return [...this.toolIndex.values()].filter((t) => t.tool === tool).map((t) => t.server);
  }

  /** A call by the name the model or the user typed (resolved once here); see `callServerTool`. */
  async callTool(name: string, args: Record<string, unknown>, opts: CallOptions = {}): Promise<CallToolResult> {
    const t = this.resolveTool(name);
    if (!t) throw new McpServerError(name.split('__')[0] || name, 'not-found', `no tool named "${name}"`);
    return this.callServerTool(t.server, t.tool, args, opts);
  }

  /** A call to one server's tool, by the server's name and its own tool name. */
  async callServerTool(server: string, tool: string, args: Record<string, unknown>, opts: CallOptions = {}): Promise<CallToolResult> {
    const agent = this.entries.get(server)?.agent;
    if (!agent) throw new McpServerError(server, 'not-found', 'server is no longer configured');
    const spec = agent.tools.find((t) => t.name === tool);
    if (!spec) throw new McpServerError(server, 'not-found', `no tool named "${tool}"`);
    return agent.callTool(tool, args, { retryable: spec.annotations?.readOnlyHint === true, ...opts });
  }

  /** Every connected server's resources. */
  resources(): ServerResource[] {
    return this.agents.flatMap((a) => a.resources.map((r) => ({ ...r, server: a.name })));
  }

  /** Every connected server's resource templates. */
  resourceTemplates(): ServerResourceTemplate[] {
    return this.agents.flatMap((a) => a.resourceTemplates.map((t) => ({ ...t, server: a.name })));
  }

  /** Every connected server's prompts. */
  prompts(): ServerPrompt[] {
    return this.agents.flatMap((a) => a.prompts.map((p) => ({ ...p, server: a.name })));
  }

  readResource(server: string, uri: string, opts?: RequestOptions): Promise<ReadResourceResult> {
    return this.require(server).readResource(uri, opts);
  }

  /**
   * Subscribes to a resource where the server supports it (else rejects); `onUpdated` runs on each
   * `notifications/resources/updated` for it. The returned function unsubscribes.
   */
  async subscribe(server: string, uri: string, onUpdated?: (uri: string) => void, opts?: RequestOptions): Promise<() => Promise<void>> {
    const agent = this.require(server);
    const listener = (updated: string) => {
      if (updated === uri) onUpdated?.(updated);
    };
    await agent.subscribe(uri, opts);
    agent.on('resourceUpdated', listener);
    return async () => {
      agent.off('resourceUpdated', listener);
      await agent.unsubscribe(uri);
    };
  }

  async unsubscribe(server: string, uri: string): Promise<void> {
    await this.require(server).unsubscribe(uri);
  }

  getPrompt(server: string, name: string, args?: Record<string, string>, opts?: RequestOptions): Promise<GetPromptResult> {
    return this.require(server).getPrompt(name, args, opts);
  }

  /** `completion/complete` for a prompt argument or a resource-template variable; empty where unsupported. */
  complete(
    server: string,
    ref: CompleteRequest['params']['ref'],
    argument: { name: string; value: string },
    context?: Record<string, string>,
    opts?: RequestOptions,
  ): Promise<CompleteResult['completion']> {
    return this.require(server).complete(ref, argument, context, opts);
  }

  /**
   * `logging/setLevel` on one server, or on all (`server` undefined). Returns the servers that took it; the
   * level is kept for servers that connect (or reconnect) later.
   */
  async setLogLevel(server: string | undefined, level: LoggingLevel, opts?: RequestOptions): Promise<string[]> {
    const targets = server === undefined ? this.agents : [this.require(server)];
    const results = await Promise.all(targets.map(async (a) => ((await a.setLogLevel(level, opts).catch(() => false)) ? a.name : undefined)));
    return results.filter((n): n is string => n !== undefined);
  }

  /** Tells every connected server that the roots changed (the `roots` handler gives the new list). */
  async notifyRootsChanged(): Promise<void> {
    await Promise.allSettled(this.agents.map((a) => a.notifyRootsChanged()));
  }

  private require(server: string): McpAgent {
    const agent = this.entries.get(server)?.agent;
    if (!agent) throw new McpServerError(server, 'not-found', 'no such server is configured');
    return agent;
  }

  async restart(name?: string): Promise<void> {
    const targets = name ? [this.entries.get(name)?.agent].filter((a): a is McpAgent => !!a) : this.agents;
    await Promise.allSettled(targets.map((a) => a.restart()));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const agents = this.agents;
    this.entries.clear();
    this.reindex();
    await Promise.allSettled(agents.map((a) => a.stop()));
    this.removeAllListeners();
  }

  private reindex(): void {
    const agents = this.agents;
    const parts = serverParts(agents.map((a) => a.name));
    const index = new Map<string, NamespacedTool>();
    for (const agent of agents) {
      const names = toolNamesFor(parts.get(agent.name) ?? agent.name, agent.tools.map((t) => t.name));
      for (const spec of agent.tools) {
        const name = names.get(spec.name);
        if (name) index.set(name, { name, server: agent.name, tool: spec.name, spec });
      }
    }
    this.toolIndex = index;
    this.toolListCache = undefined;
    this.emit('toolsChanged');
  }
}
