/** The CLI's ports for the core runtime (src/core/runtime.ts): config files, the environment, a terminal. */
import type { LoadedConfig } from '../core/config/configFile';
import { parseSettings, SettingsError, type Settings } from '../core/config/settings';
import { LlmConfigError, resolveLlmConfig, type LlmConfig } from '../core/llm/config';
import type { Approver, Logger } from '../core/ports';
import { AgentRuntime, type AgentParts } from '../core/runtime';
import { NodeCommandRunner } from '../core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../core/tools/nodeWorkspace';
import { ConversationError } from '../core/store/types';
import { storeUrlProblem } from '../core/store/url';
import { redact } from '../core/util/redact';
import { cliClientHandlers } from './clientHandlers';
import { CliError, EXIT, StderrLogger, loadConfig, type CommonOptions } from './context';
import { createCliAuth } from './oauth/cliAuth';
import { version } from './version';
import { trustedEndpoint } from './workspaceTrust';
import * as path from 'node:path';
import { visibleControls } from '../core/util/untrusted';
import { modelAgentFromEnv } from './proxy';

export interface CliRuntimeOptions extends CommonOptions {
  model?: string;
  /** Who answers approvals; default: nobody (only what needs no approval runs). */
  approver?: Approver;
  /** Whether a person can complete an OAuth sign-in in a browser. Default: stdin and stderr are terminals. */
  interactive?: boolean;
  /** Open the conversation store before the servers start (chat, serve): an unreachable database fails at once. */
  openStore?: boolean;
  /** Where the core logs; default, stderr with --verbose. */
  logger?: Logger;
}

/**
 * The config file's sections as settings; a bad value is a usage error naming the file and field. MCP_AGENT_STORE_URL
 * beats the config's `store.url` and MCP_AGENT_REDIS_URL its `cache.redisUrl`, so a deployment keeps passwords out of
 * the config file and every instance can share one file.
 */
export function cliSettings(config: LoadedConfig, model?: string, env: NodeJS.ProcessEnv = process.env): Settings {
  const storeUrl = env.MCP_AGENT_STORE_URL?.trim();
  if (storeUrl) {
    const problem = storeUrlProblem(storeUrl);
    if (problem) throw new CliError(`MCP_AGENT_STORE_URL: ${problem}`, EXIT.usage);
    config = { ...config, store: { ...config.store, url: storeUrl } };
  }
  const redisUrl = env.MCP_AGENT_REDIS_URL?.trim();
  if (redisUrl) {
    if (!/^rediss?:\/\//.test(redisUrl)) throw new CliError('MCP_AGENT_REDIS_URL: must be a redis:// or rediss:// URL', EXIT.usage);
    config = { ...config, cache: { ...config.cache, redisUrl } };
  }
  try {
    const settings = parseSettings(config, config.files[0] ?? 'config');
    return model ? { ...settings, llm: { ...settings.llm, model } } : settings;
  } catch (err) {
    if (err instanceof SettingsError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

/** The runtime with the CLI's ports, its servers started (each connected or failed; failures reported on stderr). */
export async function startCliRuntime(opts: CliRuntimeOptions, config?: LoadedConfig): Promise<AgentRuntime> {
  config ??= await loadConfig(opts);
  const logger = opts.logger ?? new StderrLogger(opts.verbose);
  // OAuth-protected servers: sign in through the browser when someone is at the terminal, else say how to.
  const interactive = opts.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  const servers = config.servers;
  const runtime = new AgentRuntime(
    {
      logger,
      workspace: new NodeWorkspace(opts.workspace),
      commandRunner: new NodeCommandRunner(),
      approver: opts.approver,
      envDir: opts.workspace,
      auth: createCliAuth({ interactive, logger }),
      clientInfo: { name: 'mcp-agent', version },
      modelAgent: modelAgentFromEnv(),
      clientHandlers: (rt) =>
        cliClientHandlers({
          workspace: opts.workspace,
          yes: opts.yes ?? false,
          interactive,
          provider: rt.openAIProvider(),
          trustSampling: opts.trustSampling,
          servers,
          notice: (m) => process.stderr.write(`mcp-agent: ${visibleControls(m)}\n`),
        }),
    },
    cliSettings(config, opts.model),
  );
  if (opts.openStore) {
    try {
      await runtime.openStore();
    } catch (err) {
      await runtime.dispose();
      if (err instanceof ConversationError) throw new CliError(`conversation store: ${err.message}`, EXIT.unreachable);
      throw err;
    }
  }
  const { manager } = runtime;
  manager.on('status', (s) => {
    if (s.state === 'error' && s.lastError) process.stderr.write(`mcp-agent: server "${s.name}": ${visibleControls(redact(s.lastError, [process.env.OPENAI_API_KEY ?? '']))}\n`);
  });
  // Server log messages: on stderr with --verbose or --log-level.
  if (opts.verbose || opts.logLevel) {
    manager.on('log', (server, p) => {
      const data = typeof p.data === 'string' ? p.data : JSON.stringify(p.data);
      process.stderr.write(visibleControls(`[${server}${p.logger ? `/${p.logger}` : ''}] ${p.level}: ${redact(data, [process.env.OPENAI_API_KEY ?? ''])}`) + '\n');
    });
  }
  await manager.apply(servers);
  if (opts.logLevel) await manager.setLogLevel(undefined, opts.logLevel);
  return runtime;
}

export interface Runtime extends AgentParts {
  runtime: AgentRuntime;
  manager: AgentRuntime['manager'];
  store: AgentRuntime['store'];
  llm: LlmConfig;
  dispose(): Promise<void>;
}

/** The runtime and its agent, for `chat` and `serve`: the model settings must resolve. */
export async function createRuntime(opts: CliRuntimeOptions): Promise<Runtime> {
  const config = await loadConfig(opts);
  const settings = cliSettings(config, opts.model);
  if (settings.llm.provider === 'vscode-lm') throw new CliError('llm.provider "vscode-lm" only works inside VS Code; the CLI needs an OpenAI-compatible endpoint', EXIT.usage);
  let llm: LlmConfig;
  try {
    // Before any server starts: a bad model setting is reported at once.
    llm = resolveLlmConfig({ envDir: opts.workspace, section: settings.llm });
  } catch (err) {
    if (err instanceof LlmConfigError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  // A directory's .env or discovered config may name the endpoint, but not send it a key from the user's own
  // environment without the user's trust (a cloned repository could point it anywhere).
  const discovered = opts.config.length === 0 && config.files.length > 0;
  const endpointFrom = llm.sources.baseUrl === '.env' ? path.join(opts.workspace, '.env') : llm.sources.baseUrl === 'config' && discovered ? config.files[0] : undefined;
  if (endpointFrom && llm.apiKey && llm.sources.apiKey === 'env') {
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    if (!(await trustedEndpoint(llm.baseUrl, endpointFrom, opts.workspace, { trustWorkspace: opts.trustWorkspace ?? false, interactive }))) {
      throw new CliError(
        `the model endpoint ${llm.baseUrl} comes from ${path.relative(process.cwd(), endpointFrom) || endpointFrom}, and the API key from your environment: check the endpoint, then run once with --trust-workspace (or answer the prompt on a terminal)`,
        EXIT.usage,
      );
    }
  }
  const runtime = await startCliRuntime({ ...opts, openStore: true }, config);
  let parts: AgentParts;
  try {
    parts = await runtime.agent();
  } catch (err) {
    await runtime.dispose();
    if (err instanceof LlmConfigError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  return { ...parts, runtime, manager: runtime.manager, store: runtime.store, dispose: () => runtime.dispose() };
}
