/** Builds the agent for the CLI and the HTTP API from config files, the environment and flags. */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Agent } from '../core/agent/Agent';
import { ApprovalPolicy } from '../core/agent/approvals';
import { ChatSession } from '../core/agent/ChatSession';
import { systemPrompt } from '../core/agent/systemPrompt';
import { Toolbox } from '../core/agent/toolbox';
import { Cache } from '../core/cache';
import { cacheSectionSchema, parseSection, SectionError, toolsSectionSchema } from '../core/config/sections';
import { LlmConfigError, llmSectionSchema, resolveLlmConfig, type LlmConfig } from '../core/llm/config';
import { createOpenAIProvider } from '../core/llm/openai';
import type { AgentManager } from '../core/mcp/AgentManager';
import type { Approver } from '../core/ports';
import { Conversations } from '../core/store/Conversations';
import { createBuiltinTools } from '../core/tools/builtins';
import { NodeCommandRunner } from '../core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../core/tools/nodeWorkspace';
import type { LoadedConfig } from '../core/config/configFile';
import type { ChatProvider } from '../core/llm/types';
import { CliError, EXIT, StderrLogger, loadConfig, startServers, type CommonOptions } from './context';

/**
 * The model service for answering sampling requests in commands that do not chat (`call`, `tools`, ...):
 * undefined when the llm settings do not resolve (sampling is then not offered to servers).
 */
export function optionalProvider(opts: CommonOptions, config: LoadedConfig): ChatProvider | undefined {
  try {
    const llmSection = parseSection(llmSectionSchema, config.llm, 'llm', config.files[0] ?? 'config');
    const llm = resolveLlmConfig({ envDir: opts.workspace, section: llmSection, overrides: {} });
    if (llm.provider === 'vscode-lm') return undefined;
    return createOpenAIProvider(llm, new StderrLogger(opts.verbose));
  } catch {
    return undefined;
  }
}

export interface RuntimeOptions extends CommonOptions {
  model?: string;
  approver: Approver;
  /** Whether a person can complete an OAuth sign-in in a browser (not for `serve`). */
  interactive?: boolean;
}

export interface Runtime {
  agent: Agent;
  manager: AgentManager;
  toolbox: Toolbox;
  store: Conversations;
  llm: LlmConfig;
  dispose(): Promise<void>;
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const logger = new StderrLogger(opts.verbose);
  const config = await loadConfig(opts);
  const file = config.files[0] ?? 'config';
  let llm: LlmConfig;
  let tools;
  let cacheSection;
  try {
    const llmSection = parseSection(llmSectionSchema, config.llm, 'llm', file);
    tools = parseSection(toolsSectionSchema, config.tools, 'tools', file);
    cacheSection = parseSection(cacheSectionSchema, config.cache, 'cache', file);
    llm = resolveLlmConfig({ envDir: opts.workspace, section: llmSection, overrides: opts.model ? { model: opts.model } : {} });
  } catch (err) {
    if (err instanceof SectionError || err instanceof LlmConfigError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  if (llm.provider === 'vscode-lm') throw new CliError('llm.provider "vscode-lm" only works inside VS Code; the CLI needs an OpenAI-compatible endpoint', EXIT.usage);

  const cache =
    cacheSection.enabled === false
      ? new Cache({ backend: false, logger })
      : new Cache({ dir: cacheSection.dir, redisUrl: cacheSection.redisUrl, defaultTtlSeconds: cacheSection.ttlSeconds, logger });
  const provider = createOpenAIProvider(llm, logger);
  const manager = await startServers(opts, config.servers, {
    interactive: opts.interactive,
    provider,
    toolListCache: { get: (key) => cache.get<Tool[]>(key), set: (key, tools) => cache.set(key, tools, { ttlSeconds: 7 * 24 * 3600 }) },
  });
  const workspace = new NodeWorkspace(opts.workspace);
  const builtins = createBuiltinTools({
    workspace,
    commandRunner: new NodeCommandRunner(),
    commandTimeoutMs: tools.commandTimeoutSeconds ? tools.commandTimeoutSeconds * 1000 : undefined,
    logger,
    cache,
  });
  const toolbox = new Toolbox({ builtins, manager, cache, cacheTtlSeconds: cacheSection.ttlSeconds });
  const approvals = new ApprovalPolicy(opts.approver, { allowCommands: tools.approval?.allowCommands, denyCommands: tools.approval?.denyCommands });
  const session = new ChatSession({
    provider,
    toolbox,
    approvals,
    systemPrompt: systemPrompt({ workspaceRoot: workspace.root }),
    maxRounds: tools.maxRounds,
    maxResultChars: tools.maxResultChars,
    maxParallelTools: tools.maxParallel,
    maxTools: llm.maxTools,
  });
  const store = new Conversations({ logger });
  const agent = new Agent(session, store, logger, llm.model, () => (llm.apiKey ? [llm.apiKey] : []));
  return {
    agent,
    manager,
    toolbox,
    store,
    llm,
    dispose: async () => {
      await manager.dispose();
      await cache.close();
    },
  };
}
