/** What every CLI command shares: parsed options, config loading, the AgentManager, and one-line errors. */
import * as path from 'node:path';
import { ConfigFileError, discoverConfigFile, formatIssue, loadConfigFiles, type LoadedConfig } from '../core/config/configFile';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { ChatProvider } from '../core/llm/types';
import { AgentManager } from '../core/mcp/AgentManager';
import type { ClientHandlers, McpAgentOptions } from '../core/mcp/McpAgent';
import { definitionFromUrl, type ServerDefinition } from '../core/mcp/serverConfig';
import type { Logger } from '../core/ports';
import { redact } from '../core/util/redact';
import { cliClientHandlers } from './clientHandlers';
import { createCliAuth } from './oauth/cliAuth';
import { version } from './version';

export const EXIT = { ok: 0, toolError: 1, usage: 2, unreachable: 3 } as const;

/** An error whose message is meant for the user as is, with the exit code to leave with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CommonOptions {
  config: string[];
  url?: string;
  json: boolean;
  verbose: boolean;
  workspace: string;
  /** Approve without asking: tool calls (chat, serve), sampling, and elicitations with their defaults. */
  yes?: boolean;
  /** Servers whose sampling requests are answered without asking. */
  trustSampling?: string[];
  /** `logging/setLevel` for every server; their `notifications/message` are then shown on stderr. */
  logLevel?: LoggingLevel;
}

export const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Log lines on stderr with --verbose, secrets removed. */
export class StderrLogger implements Logger {
  constructor(private readonly verbose: boolean) {}
  trace(): void {}
  debug(message: string): void {
    this.write('debug', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warning', message);
  }
  error(message: string): void {
    this.write('error', message);
  }
  private write(level: string, message: string): void {
    if (this.verbose) process.stderr.write(`${level}: ${redact(message, [process.env.OPENAI_API_KEY ?? ''])}\n`);
  }
}

/** Reads the config files (given, or the first one discovered in the workspace) and adds an ad-hoc `--url` server. */
export async function loadConfig(opts: CommonOptions): Promise<LoadedConfig> {
  let files = opts.config.map((f) => path.resolve(f));
  if (files.length === 0) {
    const found = await discoverConfigFile(process.cwd());
    files = found ? [found] : [];
  }
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigFiles(files, { workspaceFolder: opts.workspace });
  } catch (err) {
    if (err instanceof ConfigFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  for (const issue of loaded.issues) process.stderr.write(`mcp-agent: ${formatIssue(issue)}\n`);
  if (opts.url) {
    const def = definitionFromUrl(opts.url, uniqueName('url', loaded.servers));
    if ('message' in def) throw new CliError(`--url: ${def.message}`, EXIT.usage);
    loaded.servers.push(def);
  }
  return loaded;
}

function uniqueName(base: string, servers: ServerDefinition[]): string {
  let name = base;
  for (let i = 2; servers.some((s) => s.name === name); i++) name = `${base}${i}`;
  return name;
}

/** Starts every defined server and waits until each is connected or has failed; failures are reported on stderr. */
export interface StartOptions {
  /** Default: the CLI's (roots = the workspace; elicitation and sampling asked on a terminal, see clientHandlers.ts). */
  handlers?: ClientHandlers;
  /** The model service that answers sampling requests (none: sampling is not offered). */
  provider?: ChatProvider;
  /** Whether a person can complete an OAuth sign-in in a browser. Default: stdin and stderr are terminals. */
  interactive?: boolean;
  toolListCache?: McpAgentOptions['toolListCache'];
}

export async function startServers(opts: CommonOptions, servers: ServerDefinition[], start: StartOptions = {}): Promise<AgentManager> {
  const logger = new StderrLogger(opts.verbose);
  // OAuth-protected servers: sign in through the browser when someone is at the terminal, else say how to.
  const interactive = start.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  const auth = createCliAuth({ interactive, logger });
  const handlers =
    start.handlers ??
    cliClientHandlers({
      workspace: opts.workspace,
      yes: opts.yes ?? false,
      interactive,
      provider: start.provider,
      trustSampling: opts.trustSampling,
      servers,
      notice: (m) => process.stderr.write(`mcp-agent: ${m}\n`),
    });
  const manager = new AgentManager({ logger, handlers, auth, toolListCache: start.toolListCache, clientInfo: { name: 'mcp-agent', version } });
  manager.on('status', (s) => {
    if (s.state === 'error' && s.lastError) process.stderr.write(`mcp-agent: server "${s.name}": ${s.lastError}\n`);
  });
  // Server log messages: on stderr with --verbose or --log-level.
  if (opts.verbose || opts.logLevel) {
    manager.on('log', (server, p) => {
      const data = typeof p.data === 'string' ? p.data : JSON.stringify(p.data);
      process.stderr.write(`[${server}${p.logger ? `/${p.logger}` : ''}] ${p.level}: ${redact(data, [process.env.OPENAI_API_KEY ?? ''])}\n`);
    });
  }
  await manager.apply(servers);
  if (opts.logLevel) await manager.setLogLevel(undefined, opts.logLevel);
  return manager;
}
