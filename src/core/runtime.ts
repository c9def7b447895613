/**
 * The one composition root: every front (the extension, `mcp-agent chat`, `serve`, the other CLI commands, tests
 * and benchmarks) builds the agent here, supplying only its ports and its settings. Two lifetimes:
 *
 * - long-lived: the cache, the tool-list cache, the conversation store and the AgentManager over every server;
 * - cheap and rebuildable: the model service, built-in tools, Toolbox, approval policy, ChatSession, system prompt
 *   and Agent, rebuilt on the next turn after `updateSettings()`.
 *
 * A feature wired here is wired once for every front.
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Agent } from './agent/Agent';
import { ApprovalPolicy } from './agent/approvals';
import { ChatSession } from './agent/ChatSession';
import { systemPrompt } from './agent/systemPrompt';
import { Toolbox } from './agent/toolbox';
import { Checkpoints } from './checkpoints/Checkpoints';
import { resolveDataDir } from './util/paths';
import * as path from 'node:path';
import { Cache } from './cache';
import { LIMITS, type Settings } from './config/settings';
import { resolveLlmConfig, type LlmConfig } from './llm/config';
import { createOpenAIProvider } from './llm/openai';
import type { ChatProvider } from './llm/types';
import { AgentManager } from './mcp/AgentManager';
import { McpAgent, type ClientHandlers, type McpAgentOptions } from './mcp/McpAgent';
import type { Approver, CommandRunner, Logger, Workspace } from './ports';
import { unattendedApprover } from './ports';
import { createConversationStore } from './store';
import { storeUrlPassword } from './store/url';
import type { ConversationStore } from './store/types';
import { ContextManager } from './context/manager';
import { ResultStore } from './context/resultStore';
import { createBuiltinTools } from './tools/builtins';
import { instructionSections, readInstructionFiles, type InstructionSource } from './agent/instructions';
import { createReadResultTool } from './tools/readResult';
import { createReadResourceTool } from './tools/readResource';
import { seesImages } from './llm/vision';
import { planFileChange } from './tools/editFile';
import type { BuiltinTool } from './tools/types';
import { isSecretName } from './util/redact';

export interface RuntimePorts {
  logger: Logger;
  workspace: Workspace;
  commandRunner: CommandRunner;
  /** Who is asked when a turn brings no approver of its own. Default: nobody (everything that asks is denied). */
  approver?: Approver;
  /** Answers to servers' requests (roots, sampling, elicitation); given the runtime so sampling can use its model. */
  clientHandlers?: (runtime: AgentRuntime) => ClientHandlers;
  auth?: McpAgentOptions['auth'];
  clientInfo: { name: string; version: string };
  /** Where things live; unset: the platform's data and cache directories (src/core/util/paths.ts). */
  dirs?: { cache?: string; data?: string };
  /** Files and directories outside the workspace that are configuration: writes there always ask (configGuard.ts). */
  protectedPaths?: string[];
  /** Exact secret values (OAuth tokens, `${input:}` values) to strip from stored conversations, besides the API key. */
  secrets?: () => string[];
  /**
   * The model service for settings that are not an OpenAI-compatible endpoint (`vscode-lm`), or an API key from the
   * front's secret storage. Return undefined to use the OpenAI-compatible provider with `llm` as resolved.
   */
  provider?: (settings: Settings, llm: LlmConfig) => Promise<ChatProvider | undefined>;
  /** A `.env` directory for the llm settings (the CLI's workspace); the extension passes none (see llm/config.ts). */
  envDir?: string;
  /** The front's changes to the built-in tools (VS Code's editor-aware analyze_code; Restricted Mode). */
  builtins?: (tools: BuiltinTool[]) => BuiltinTool[];
  rgPath?: string;
  grammarDir?: string;
  /** One more paragraph of the system prompt, about the front. */
  promptExtra?: string;
  /** Standing "always allow" approvals the front keeps (per workspace in VS Code). */
  standingApprovals?: { load(): Record<string, string>; remember(tool: string, fingerprint: string): void };
  /**
   * Whether the workspace's instruction files (AGENTS.md, ...) may be read; asked before each request. VS Code says no
   * in Restricted Mode. Default: yes.
   */
  readWorkspaceInstructions?: () => boolean;
  /** The agent for a model request to `url`: the CLI's proxy from the environment. Unset: Node's default agent. */
  modelAgent?: (url: URL) => HttpAgent | undefined;
  /** Called with every server connection as it is made (VS Code attaches a log channel). */
  onServer?: (agent: McpAgent) => void;
}

/** What a turn needs: rebuilt when settings change. */
export interface AgentParts {
  agent: Agent;
  provider: ChatProvider;
  toolbox: Toolbox;
  llm: LlmConfig;
}

/** How long the workspace's instruction files are reused before they are read again. */
export const INSTRUCTIONS_TTL_MS = 1_000;

export class AgentRuntime {
  readonly cache: Cache;
  readonly manager: AgentManager;
  readonly store: ConversationStore;
  /** Whole tool results the model was given part of (read_result reads them). */
  readonly results: ResultStore;
  private current: Settings;
  private parts?: Promise<AgentParts>;
  private llmConfig?: LlmConfig;
  private openai?: ChatProvider;
  private shadow?: Promise<Checkpoints | undefined>;
  private instructionsRead?: { at: number; files: Promise<InstructionSource[]> };
  /** Why checkpoints are off (no git), once known; fronts show it once. */
  checkpointsOff?: string;

  constructor(
    private readonly ports: RuntimePorts,
    settings: Settings,
  ) {
    this.current = settings;
    const { logger } = ports;
    const c = settings.cache;
    this.cache = c.enabled ? new Cache({ dir: c.dir ?? ports.dirs?.cache, redisUrl: c.redisUrl, defaultTtlSeconds: c.ttlSeconds, logger }) : new Cache({ backend: false, logger });
    this.store = createConversationStore({ url: settings.store.url, dataDir: ports.dirs?.data, logger });
    this.results = new ResultStore(this.cache);
    this.manager = new AgentManager(
      {
        logger,
        handlers: ports.clientHandlers?.(this),
        auth: ports.auth,
        clientInfo: ports.clientInfo,
        // Tools are known from the last run while servers start, so the first prompt can use them.
        toolListCache: { get: (key) => this.cache.get<Tool[]>(key), set: (key, tools) => this.cache.set(key, tools, { ttlSeconds: LIMITS.longTtlSeconds }) },
      },
      (def, options) => {
        const agent = new McpAgent(def, options);
        ports.onServer?.(agent);
        return agent;
      },
    );
  }

  /**
   * Opens the conversation store (PostgreSQL: connects and migrates the schema). Fronts that store conversations call
   * it at start, so a database that is down is a clear error then rather than a warning after the first answer.
   */
  openStore(): Promise<void> {
    return this.store.check();
  }

  get settings(): Settings {
    return this.current;
  }

  /** The llm settings layered over `.env` and the environment; throws LlmConfigError with a message for people. */
  llm(): LlmConfig {
    this.llmConfig ??= resolveLlmConfig({ envDir: this.ports.envDir, section: this.current.llm });
    return this.llmConfig;
  }

  /** The model name requests go to, known without building the model service. */
  modelName(): string {
    const s = this.current.llm;
    if (s.provider === 'vscode-lm') return s.model ?? 'auto';
    try {
      return this.llm().model;
    } catch {
      return s.model ?? '';
    }
  }

  /** New settings take effect from the next turn; the cache and the servers stay. */
  updateSettings(settings: Settings): void {
    this.current = settings;
    this.invalidate();
  }

  /** Forget the built parts (a new API key, trust granted): rebuilt on next use. */
  invalidate(): void {
    this.parts = undefined;
    this.llmConfig = undefined;
    this.openai = undefined;
  }

  /** The agent and what it is made of, built on first use and after settings change. */
  agent(): Promise<AgentParts> {
    const built = (this.parts ??= this.build());
    // A failed build (a bad setting) is not kept: the next turn tries again with whatever changed.
    built.catch(() => {
      if (this.parts === built) this.parts = undefined;
    });
    return built;
  }

  /**
   * The workspace's checkpoints (a shadow git repository under the data directory), or undefined when they are
   * switched off or git is missing (then `checkpointsOff` says so, and the logger was told once).
   */
  checkpoints(): Promise<Checkpoints | undefined> {
    if (!this.current.tools.checkpoints) return Promise.resolve(undefined);
    this.shadow ??= Checkpoints.unavailable().then((off) => {
      if (off) {
        this.checkpointsOff = off;
        this.ports.logger.warn(off);
        return undefined;
      }
      return new Checkpoints({ workspace: this.ports.workspace.root, dir: path.join(this.ports.dirs?.data ?? resolveDataDir(), 'checkpoints') });
    });
    return this.shadow;
  }

  /** Before a turn's first change: a checkpoint, or nothing (a failure is logged, never fatal to the turn). */
  private async checkpointTurn(label: string): Promise<string | undefined> {
    const shadow = await this.checkpoints();
    if (!shadow) return undefined;
    try {
      return (await shadow.snapshot('turn', label)).id;
    } catch (err) {
      this.ports.logger.warn(`could not checkpoint the workspace: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * The instruction sections of the system prompt: the workspace's files (unless the front forbids reading them),
   * the user's setting, and the named servers' own instructions.
   */
  async instructions(servers: string[], user = this.current.instructions): Promise<string> {
    const project = await this.instructionFiles();
    const fromServers: InstructionSource[] = [];
    for (const name of servers) {
      const text = this.manager.agent(name)?.instructions?.trim();
      if (text) fromServers.push({ label: `server "${name}"`, text });
    }
    return instructionSections(project, user, fromServers);
  }

  /**
   * The workspace's instruction files, read at most once per INSTRUCTIONS_TTL_MS: every request to the model needs
   * them, and three file reads per request were a tenth of a fast tool turn. An edit shows within that time.
   */
  private instructionFiles(): Promise<InstructionSource[]> {
    if (this.ports.readWorkspaceInstructions?.() === false) return Promise.resolve([]);
    const now = Date.now();
    if (!this.instructionsRead || now - this.instructionsRead.at > INSTRUCTIONS_TTL_MS) {
      this.instructionsRead = { at: now, files: readInstructionFiles(this.ports.workspace) };
    }
    return this.instructionsRead.files;
  }

  /** Where the current instructions come from (file names, and `settings` for the user's own), for the fronts to show. */
  async instructionSources(): Promise<string[]> {
    const files = await this.instructionFiles();
    return [...files.map((f) => f.label), ...(this.current.instructions.trim() ? ['settings'] : [])];
  }

  /** The model service alone (sampling uses it). */
  async provider(): Promise<ChatProvider> {
    return (await this.agent()).provider;
  }

  /**
   * The OpenAI-compatible model service the settings describe, or undefined when they do not resolve (or name
   * `vscode-lm`). The same instance serves turns, so sampling and chat share one client.
   */
  private modelAgent(): { agentFor?: (url: URL) => HttpAgent | undefined } {
    return this.ports.modelAgent ? { agentFor: this.ports.modelAgent } : {};
  }

  openAIProvider(): ChatProvider | undefined {
    if (this.current.llm.provider === 'vscode-lm') return undefined;
    try {
      this.openai ??= createOpenAIProvider(this.llm(), this.ports.logger, this.modelAgent());
      return this.openai;
    } catch {
      return undefined;
    }
  }

  private async build(): Promise<AgentParts> {
    const s = this.current;
    const { ports } = this;
    const llm = s.llm.provider === 'vscode-lm' ? resolveLlmConfig({ section: { ...s.llm, provider: 'vscode-lm' }, env: {} }) : this.llm();
    const provider = (await ports.provider?.(s, llm)) ?? this.openAIProvider() ?? createOpenAIProvider(llm, ports.logger, this.modelAgent());
    // Every secret value known: kept out of commands' environment, stored conversations and cache entries.
    const secrets = () => this.knownSecrets(llm.apiKey);
    let builtins = createBuiltinTools({
      workspace: ports.workspace,
      commandRunner: ports.commandRunner,
      secrets,
      commandTimeoutMs: s.tools.commandTimeoutSeconds * 1000,
      rgPath: ports.rgPath,
      grammarDir: ports.grammarDir,
      logger: ports.logger,
      cache: this.cache,
    });
    builtins.push(
      createReadResultTool(this.results),
      createReadResourceTool({ readResource: (server, uri, opts) => this.manager.readResource(server, uri, opts), serverNames: () => this.manager.servers().map((st) => st.name) }),
    );
    if (ports.builtins) builtins = ports.builtins(builtins);
    const toolbox = new Toolbox({ builtins, manager: this.manager, cache: this.cache, cacheTtlSeconds: s.cache.ttlSeconds, disabled: s.tools.disabled, secrets });
    const standing = ports.standingApprovals;
    const approvals = new ApprovalPolicy(
      ports.approver ?? unattendedApprover(false),
      {
        allowCommands: s.tools.approval.allowCommands,
        denyCommands: s.tools.approval.denyCommands,
        alwaysAllowedTools: standing?.load(),
        autoApproveEdits: s.tools.approval.autoApproveEdits,
        previewChange: (tool, args) => planFileChange(ports.workspace, tool, args),
        workspaceRoot: ports.workspace.root,
        shell: () => ports.commandRunner.shell?.(),
        // The agent's data (conversations, trust records, checkpoints) and whatever the front adds (VS Code's user dir).
        protectedPaths: [ports.dirs?.data ?? resolveDataDir(), ...(ports.protectedPaths ?? [])],
      },
      standing ? (tool, fp) => standing.remember(tool, fp) : undefined,
    );
    const context = new ContextManager({
      provider,
      model: provider.model,
      // Only an OpenAI-compatible endpoint can be asked for its models; VS Code's chat models say their own limit.
      endpoint: s.llm.provider === 'vscode-lm' ? undefined : { baseUrl: llm.baseUrl, model: llm.model, apiKey: llm.apiKey },
      settings: { contextWindow: s.llm.contextWindow, maxOutputTokens: s.llm.maxOutputTokens, maxResultChars: s.tools.maxResultChars },
      memory: { get: (key) => this.cache.get<number>(key), set: (key, tokens) => this.cache.set(key, tokens, { ttlSeconds: LIMITS.longTtlSeconds }) },
      results: this.results,
      logger: ports.logger,
    });
    // Found out while the user types, not on the first request.
    void context.window().catch(() => undefined);
    const session = new ChatSession({
      context,
      provider,
      toolbox,
      approvals,
      systemPrompt: systemPrompt({ workspaceRoot: ports.workspace.root, extra: ports.promptExtra }),
      instructions: (servers) => this.instructions(servers, s.instructions),
      maxRounds: s.tools.maxRounds,
      maxResultChars: s.tools.maxResultChars,
      maxParallelTools: s.tools.maxParallel,
      maxTools: llm.maxTools,
      vision: s.llm.vision ?? (await (provider as ChatProvider).seesImages?.()) ?? (s.llm.provider !== 'vscode-lm' && seesImages(provider.model)),
      checkpoint: (label) => this.checkpointTurn(label),
    });
    const agent = new Agent(session, this.store, ports.logger, provider.model, secrets, s.llm.pricing);
    return { agent, provider, toolbox, llm };
  }

  /**
   * Every secret value the runtime knows, to strip from stored conversations and cache entries: the API key, the
   * front's (OAuth tokens, `${input:}` values), and the servers' header values and secret-named env values.
   */
  knownSecrets(apiKey?: string): string[] {
    const out = new Set<string>();
    if (apiKey) out.add(apiKey);
    for (const s of this.ports.secrets?.() ?? []) out.add(s);
    const dbPassword = storeUrlPassword(this.current.store.url);
    if (dbPassword) out.add(dbPassword);
    for (const a of this.manager.agents) {
      const d = a.definition;
      for (const [k, v] of Object.entries(d.headers)) {
        if (!isSecretName(k)) continue;
        out.add(v);
        // `Bearer abc…`: the token alone too, wherever it is quoted without the scheme.
        const m = /^\S+\s+(\S{8,})$/.exec(v);
        if (m) out.add(m[1]);
      }
      for (const [k, v] of Object.entries(d.env)) if (isSecretName(k)) out.add(v);
      for (const t of a.secrets) out.add(t);
    }
    return [...out].filter((v) => v.length >= 8);
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([this.manager.dispose(), this.store.close()]);
    await this.cache.close();
  }
}
