/**
 * The extension's one context object: logger, cache, conversation store, the AgentManager over every server, the
 * tools and the agent, rebuilt in parts when settings change. Servers connect in the background; nothing here
 * blocks activation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import { Agent } from '../core/agent/Agent';
import { ApprovalPolicy } from '../core/agent/approvals';
import { ChatSession } from '../core/agent/ChatSession';
import { systemPrompt } from '../core/agent/systemPrompt';
import { Toolbox } from '../core/agent/toolbox';
import { Cache } from '../core/cache';
import { resolveLlmConfig } from '../core/llm/config';
import { createOpenAIProvider } from '../core/llm/openai';
import type { ChatProvider } from '../core/llm/types';
import { AgentManager } from '../core/mcp/AgentManager';
import { McpAgent, type ServerStatus } from '../core/mcp/McpAgent';
import { Conversations } from '../core/store/Conversations';
import { createBuiltinTools } from '../core/tools/builtins';
import { loginShellPath, mergePaths } from '../core/util/shellPath';
import { TerminalCommandRunner } from './adapters/terminalRunner';
import { VsCodeWorkspace, workspaceRoot } from './adapters/workspace';
import { createEditorAnalyzeTool } from './analyzeTool';
import { ApprovalBroker, loadAlwaysAllowed, rememberAlwaysAllowed } from './approvalBroker';
import { AGENT_SETTINGS, SERVER_SETTINGS, readSettings } from './config';
import { VsCodeLmProvider } from './lmProvider';
import { ChannelLogger } from './logger';
import { VsCodeAuth } from './oauth';
import { watchRoots, workspaceRoots } from './roots';
import { DISCOVERED, ServerDefinitionSource } from './serverDefinitions';
import { LOG_LEVEL_SETTINGS, ServerLogs } from './serverLogs';
import type { HeldBackServer } from './serverTrust';
import { ServerRequests } from './serverRequests';

export const API_KEY_SECRET = 'mcpAgent.apiKey';

export class AgentHost implements vscode.Disposable {
  readonly logger = new ChannelLogger();
  readonly approvals = new ApprovalBroker();
  readonly serverRequests: ServerRequests;
  readonly manager: AgentManager;
  /** A log channel per server: its log notifications and stderr. */
  readonly serverLogs: ServerLogs;
  /** OAuth for HTTP/SSE servers: tokens in SecretStorage, the browser step through openExternal. */
  readonly auth: VsCodeAuth;
  readonly cache: Cache;
  readonly store: Conversations;
  readonly root = workspaceRoot();
  readonly grammarDir: string;
  private readonly runner: TerminalCommandRunner;
  readonly definitions: ServerDefinitionSource;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when servers, tools or the model change, for the panels' status strips. */
  readonly onDidChange = this.changed.event;
  private shellPath?: string;
  private agentPromise?: Promise<{ agent: Agent; provider: ChatProvider }>;
  private applyTimer?: NodeJS.Timeout;
  restrictedServers: string[] = [];
  untrustedServers: HeldBackServer[] = [];

  constructor(private readonly ctx: vscode.ExtensionContext) {
    const context = ctx;
    this.disposables.push(this.logger, this.changed);
    this.grammarDir = path.join(context.extensionUri.fsPath, 'dist', 'grammars');
    const storage = context.globalStorageUri.fsPath;
    this.cache = new Cache({ dir: path.join(storage, 'cache'), redisUrl: readSettings().redisUrl, defaultTtlSeconds: readSettings().cacheTtlSeconds, logger: this.logger });
    // Conversations belong to the workspace they were had in, where there is one.
    this.store = new Conversations({ dataDir: (context.storageUri ?? context.globalStorageUri).fsPath, logger: this.logger });
    this.serverLogs = new ServerLogs(this.logger);
    this.auth = new VsCodeAuth(context, this.logger);
    this.serverRequests = new ServerRequests({ logger: this.logger, state: context.workspaceState, provider: async () => (await this.agent()).provider, model: () => this.providerInfo().model, manager: () => this.manager });
    this.disposables.push(this.serverLogs, this.serverRequests);
    this.manager = new AgentManager({
      logger: this.logger,
      handlers: { ...this.serverRequests.handlers(), roots: workspaceRoots },
      auth: this.auth.forServer,
      // Tools are known from the last session while servers start, so the first prompt can use them.
      toolListCache: { get: (key) => this.cache.get<Tool[]>(key), set: (key, tools) => this.cache.set(key, tools, { ttlSeconds: 7 * 24 * 3600 }) },
      clientInfo: { name: 'mcp-agent-vscode', version: String((context.extension.packageJSON as { version?: string }).version ?? '0') } },
      (def, options) => {
        const agent = new McpAgent(def, options);
        this.serverLogs.attach(agent);
        return agent;
      });
    this.manager.on('status', (s: ServerStatus) => {
      if (s.state === 'error' && s.lastError) this.logger.warn(`[${s.name}] ${s.lastError}`);
      this.changed.fire();
    });
    this.manager.on('toolsChanged', () => this.changed.fire());
    this.runner = new TerminalCommandRunner(this.logger);
    this.disposables.push(this.runner);
    this.definitions = new ServerDefinitionSource(context, this.logger, (): Record<string, string> => (this.shellPath ? { PATH: this.shellPath } : {}));

    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (SERVER_SETTINGS.some((s) => e.affectsConfiguration(s))) this.scheduleApply();
        if (AGENT_SETTINGS.some((s) => e.affectsConfiguration(s))) this.resetAgent();
        if (LOG_LEVEL_SETTINGS.some((s) => e.affectsConfiguration(s))) void this.serverLogs.applyLevels(this.manager.agents);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.resetAgent();
        this.scheduleApply();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleApply()),
      watchRoots(this.manager, this.logger),
      this.ctx.secrets.onDidChange((e) => e.key === API_KEY_SECRET && this.resetAgent()),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(`**/{${DISCOVERED.join(',')}}`);
    watcher.onDidChange(() => this.scheduleApply());
    watcher.onDidCreate(() => this.scheduleApply());
    watcher.onDidDelete(() => this.scheduleApply());
    this.disposables.push(watcher);
  }

  /** The extension context, for commands that need secrets or state. */
  context(): vscode.ExtensionContext {
    return this.ctx;
  }

  /** Reads the definitions and connects servers in the background; call once after activation. */
  start(): void {
    void (async () => {
      if (process.platform !== 'win32') {
        const login = await loginShellPath();
        if (login) this.shellPath = mergePaths(login, process.env.PATH);
      }
      await this.applyServers();
    })();
  }

  scheduleApply(): void {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = setTimeout(() => void this.applyServers(), 300);
  }

  async applyServers(): Promise<void> {
    try {
      const { servers, restricted, untrusted } = await this.definitions.gather();
      this.restrictedServers = restricted;
      this.untrustedServers = untrusted;
      if (restricted.length) this.logger.info(`Restricted Mode: not starting workspace-defined servers ${restricted.join(', ')}`);
      if (untrusted.length) this.logger.info(`not starting workspace-defined servers until trusted: ${untrusted.map((s) => s.name).join(', ')}`);
      await this.manager.apply(servers);
      // Asked after the others are applied, without holding them up; a trusted server starts on the next apply.
      if (untrusted.length) void this.definitions.trust.offer(untrusted).then((yes) => yes && this.scheduleApply());
    } catch (err) {
      this.logger.error(`could not apply server definitions: ${(err as Error).message}`);
    }
    this.changed.fire();
  }

  async restartServers(name?: string): Promise<void> {
    this.auth.allowSignIn(name);
    await this.manager.restart(name);
    this.changed.fire();
  }

  /** The agent, built on first use and after settings change. */
  agent(): Promise<{ agent: Agent; provider: ChatProvider }> {
    this.agentPromise ??= this.buildAgent();
    return this.agentPromise;
  }

  private resetAgent(): void {
    this.agentPromise = undefined;
    this.changed.fire();
  }

  providerInfo(): { provider: string; model: string } {
    const s = readSettings();
    return { provider: s.provider, model: s.model ?? (s.provider === 'vscode-lm' ? 'auto' : (process.env.OPENAI_MODEL ?? 'gpt-4o-mini')) };
  }

  private async buildAgent(): Promise<{ agent: Agent; provider: ChatProvider }> {
    const s = readSettings();
    let provider: ChatProvider;
    if (s.provider === 'vscode-lm') provider = new VsCodeLmProvider(s.model);
    else {
      const apiKey = (await this.ctx.secrets.get(API_KEY_SECRET)) ?? process.env.OPENAI_API_KEY;
      this.logger.addSecret(apiKey);
      // No .env from the workspace here: a cloned repository must not be able to redirect the user's key.
      const llm = resolveLlmConfig({ env: process.env, section: { baseUrl: s.baseUrl, model: s.model, ...(apiKey ? { apiKey } : {}) } });
      provider = createOpenAIProvider(llm, this.logger);
    }
    const workspace = new VsCodeWorkspace(this.root);
    const builtins = createBuiltinTools({ workspace, commandRunner: this.runner, rgPath: bundledRipgrep(), grammarDir: this.grammarDir, logger: this.logger, cache: this.cache })
      // Restricted Mode: no commands from an untrusted workspace's agent.
      .filter((t) => vscode.workspace.isTrusted || t.spec.name !== 'run_command')
      .map((t) => (t.spec.name === 'analyze_code' ? createEditorAnalyzeTool(t, this.root, this.grammarDir, this.cache) : t));
    const toolbox = new Toolbox({ builtins, manager: this.manager, cache: this.cache, cacheTtlSeconds: s.cacheTtlSeconds });
    const policy = new ApprovalPolicy(
      this.approvals,
      { allowCommands: vscode.workspace.isTrusted ? s.allowCommands : [], alwaysAllowedTools: loadAlwaysAllowed(this.ctx.workspaceState) },
      (tool, fingerprint) => void rememberAlwaysAllowed(this.ctx.workspaceState, tool, fingerprint),
    );
    const session = new ChatSession({ provider, toolbox, approvals: policy, systemPrompt: systemPrompt({ workspaceRoot: this.root, extra: 'You run inside VS Code; the user sees your tool calls as cards in the chat panel.' }), maxResultChars: s.maxResultChars });
    return { agent: new Agent(session, this.store, this.logger, provider.model), provider };
  }

  async dispose(): Promise<void> {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    for (const d of this.disposables) d.dispose();
    await Promise.allSettled([this.manager.dispose(), this.cache.close()]);
  }
}

/** VS Code ships ripgrep; use it for `search` (its path moved between releases). */
function bundledRipgrep(): string | undefined {
  const bin = process.platform === 'win32' ? 'rg.exe' : 'rg';
  for (const dir of ['node_modules/@vscode/ripgrep/bin', 'node_modules.asar.unpacked/@vscode/ripgrep/bin', 'node_modules/vscode-ripgrep/bin']) {
    const candidate = path.join(vscode.env.appRoot, dir, bin);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}
