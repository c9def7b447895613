/**
 * The VS Code front: the ports the core's runtime (core/runtime.ts) gets from the editor (terminals, workspace,
 * approvals, SecretStorage, server requests, OAuth) and the editor's reactions (settings, workspace trust, watchers,
 * the API key). The agent itself is the runtime's, as for the CLI. Servers connect in the background; nothing here
 * blocks activation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../core/config/settings';
import { createOpenAIProvider } from '../core/llm/openai';
import type { AgentManager } from '../core/mcp/AgentManager';
import type { ServerStatus } from '../core/mcp/McpAgent';
import { AgentRuntime, type AgentParts } from '../core/runtime';
import type { Cache } from '../core/cache';
import type { ConversationStore } from '../core/store/types';
import { loginShellPath, mergePaths } from '../core/util/shellPath';
import { TerminalCommandRunner } from './adapters/terminalRunner';
import { VsCodeWorkspace, workspaceRoot } from './adapters/workspace';
import { createEditorAnalyzeTool } from './analyzeTool';
import { ApprovalBroker, loadAlwaysAllowed, rememberAlwaysAllowed } from './approvalBroker';
import { AGENT_SETTINGS, SERVER_SETTINGS, readSettings } from './config';
import { SettingsTrust } from './settingsTrust';
import { VsCodeLmProvider } from './lmProvider';
import { ChannelLogger } from './logger';
import { VsCodeAuth } from './oauth';
import { watchRoots, workspaceRoots } from './roots';
import { DISCOVERED, ServerDefinitionSource } from './serverDefinitions';
import { LOG_LEVEL_SETTINGS, ServerLogs } from './serverLogs';
import type { HeldBackServer } from './serverTrust';
import { ServerRequests } from './serverRequests';

export const API_KEY_SECRET = 'mcpAgent.apiKey';

export class VsCodeFront implements vscode.Disposable {
  readonly logger = new ChannelLogger();
  /** Approvals asked outside a panel's turn: a modal dialog. Turns started in a panel bring the panel as approver. */
  readonly approvals = new ApprovalBroker();
  readonly serverRequests: ServerRequests;
  /** The core runtime (src/core/runtime.ts): everything but VS Code's reactions is wired there. */
  readonly runtime: AgentRuntime;
  readonly manager: AgentManager;
  /** A log channel per server: its log notifications and stderr. */
  readonly serverLogs: ServerLogs;
  /** OAuth for HTTP/SSE servers: tokens in SecretStorage, the browser step through openExternal. */
  readonly auth: VsCodeAuth;
  readonly cache: Cache;
  readonly store: ConversationStore;
  readonly root = workspaceRoot();
  readonly grammarDir: string;
  private readonly runner: TerminalCommandRunner;
  readonly definitions: ServerDefinitionSource;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when servers, tools or the model change, for the panels' status strips. */
  readonly onDidChange = this.changed.event;
  private shellPath?: string;
  /** The API key from SecretStorage, read before the first turn and again when it changes. */
  private apiKey?: Promise<string | undefined>;
  private applyTimer?: NodeJS.Timeout;
  restrictedServers: string[] = [];
  /** Workspace values of settings that widen what runs unasked, allowed by the user (settingsTrust.ts). */
  readonly settingsTrust: SettingsTrust;
  untrustedServers: HeldBackServer[] = [];

  constructor(private readonly ctx: vscode.ExtensionContext) {
    const context = ctx;
    this.settingsTrust = new SettingsTrust(context.globalState);
    this.disposables.push(this.logger, this.changed);
    this.grammarDir = path.join(context.extensionUri.fsPath, 'dist', 'grammars');
    const storage = context.globalStorageUri.fsPath;
    this.serverLogs = new ServerLogs(this.logger);
    this.auth = new VsCodeAuth(context, this.logger);
    this.serverRequests = new ServerRequests({ logger: this.logger, state: context.workspaceState, provider: async () => (await this.agent()).provider, model: () => this.providerInfo().model, manager: () => this.manager });
    this.disposables.push(this.serverLogs, this.serverRequests);
    this.runner = new TerminalCommandRunner(this.logger);
    this.disposables.push(this.runner);
    this.runtime = new AgentRuntime(
      {
        logger: this.logger,
        workspace: new VsCodeWorkspace(this.root),
        commandRunner: this.runner,
        approver: this.approvals,
        clientHandlers: () => ({ ...this.serverRequests.handlers(), roots: workspaceRoots }),
        auth: this.auth.forServer,
        clientInfo: { name: 'mcp-agent-vscode', version: String((context.extension.packageJSON as { version?: string }).version ?? '0') },
        // Conversations belong to the workspace they were had in, where there is one.
        dirs: { cache: path.join(storage, 'cache'), data: (context.storageUri ?? context.globalStorageUri).fsPath },
        // VS Code's user directory (…/User: settings.json, mcp.json, every extension's storage): writes there always ask.
        protectedPaths: [path.dirname(path.dirname(storage))],
        // No .env from the workspace (no envDir): a cloned repository must not be able to redirect the user's key.
        provider: async (s, llm) => (s.llm.provider === 'vscode-lm' ? new VsCodeLmProvider(s.llm.model) : createOpenAIProvider(llm, this.logger)),
        builtins: (tools) =>
          tools
            // Restricted Mode: no commands from an untrusted workspace's agent.
            .filter((t) => vscode.workspace.isTrusted || t.spec.name !== 'run_command')
            .map((t) => (t.spec.name === 'analyze_code' ? createEditorAnalyzeTool(t, this.root, this.grammarDir, this.runtime.cache) : t)),
        rgPath: bundledRipgrep(),
        grammarDir: this.grammarDir,
        promptExtra: 'You run inside VS Code; the user sees your tool calls as cards in the chat panel.',
        standingApprovals: { load: () => loadAlwaysAllowed(context.workspaceState), remember: (tool, fp) => void rememberAlwaysAllowed(context.workspaceState, tool, fp) },
        onServer: (agent) => this.serverLogs.attach(agent),
        // Restricted Mode: the workspace's AGENTS.md and the like are not read.
        readWorkspaceInstructions: () => vscode.workspace.isTrusted,
      },
      this.settings(),
    );
    this.manager = this.runtime.manager;
    this.cache = this.runtime.cache;
    this.store = this.runtime.store;
    this.manager.on('status', (s: ServerStatus) => {
      if (s.state === 'error' && s.lastError) this.logger.warn(`[${s.name}] ${s.lastError}`);
      this.changed.fire();
    });
    this.manager.on('toolsChanged', () => this.changed.fire());
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
      this.ctx.secrets.onDidChange((e) => {
        if (e.key !== API_KEY_SECRET) return;
        this.apiKey = undefined;
        this.resetAgent();
      }),
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

  /** The agent, built on first use and after settings (or the API key) change. */
  async agent(): Promise<AgentParts> {
    this.apiKey ??= Promise.resolve(this.ctx.secrets.get(API_KEY_SECRET)).then((key) => {
      this.logger.addSecret(key);
      // A different key than the runtime has: new settings (the runtime rebuilds its parts).
      if ((key ?? undefined) !== this.runtime.settings.llm.apiKey) this.runtime.updateSettings(this.settings(key));
      return key;
    });
    await this.apiKey;
    return this.runtime.agent();
  }

  /** Asks again about the workspace's held-back settings (MCP Agent: Review Workspace Settings…). */
  async reviewWorkspaceSettings(): Promise<boolean> {
    const { heldBack } = readSettings(this.settingsTrust.isAllowed);
    if (!heldBack.length) return false;
    const yes = await this.settingsTrust.review(heldBack);
    if (yes) this.resetAgent();
    return yes;
  }

  private resetAgent(): void {
    const key = this.runtime.settings.llm.apiKey;
    try {
      this.runtime.updateSettings(this.settings(key));
    } catch (err) {
      this.logger.error(`settings: ${(err as Error).message}`);
    }
    this.changed.fire();
  }

  /** The editor's settings as the core's, with the key from SecretStorage and Restricted Mode applied. */
  private settings(apiKey?: string): Settings {
    const { agent, heldBack } = readSettings(this.settingsTrust.isAllowed);
    // Asked without holding up the turn; allowed values apply from the next one.
    if (heldBack.length) {
      this.logger.info(`workspace settings not applied until allowed: ${heldBack.map((s) => s.key).join(', ')}`);
      void this.settingsTrust.offer(heldBack).then((yes) => yes && this.resetAgent());
    }
    // Restricted Mode: nothing from the workspace runs unasked.
    const allowCommands = vscode.workspace.isTrusted ? agent.tools.approval.allowCommands : [];
    // ... and the instructions are only the user's own (not a workspace's settings.json).
    const instructions = vscode.workspace.isTrusted ? agent.instructions : (vscode.workspace.getConfiguration('mcpAgent').inspect<string>('instructions')?.globalValue ?? '');
    return { ...agent, instructions, llm: { ...agent.llm, ...(apiKey ? { apiKey } : {}) }, tools: { ...agent.tools, approval: { ...agent.tools.approval, allowCommands } } };
  }

  providerInfo(): { provider: string; model: string } {
    return { provider: this.runtime.settings.llm.provider ?? 'openai', model: this.runtime.modelName() };
  }

  async dispose(): Promise<void> {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    for (const d of this.disposables) d.dispose();
    await this.runtime.dispose();
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
