/** What every CLI command shares: parsed options, config loading, the AgentManager, and one-line errors. */
import * as path from 'node:path';
import { ConfigFileError, discoverConfigFile, formatIssue, loadConfigFiles, type LoadedConfig } from '../core/config/configFile';
import { AgentManager } from '../core/mcp/AgentManager';
import type { ClientHandlers, McpAgentOptions } from '../core/mcp/McpAgent';
import { definitionFromUrl, type ServerDefinition } from '../core/mcp/serverConfig';
import type { Logger } from '../core/ports';
import { redact } from '../core/util/redact';
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
}

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
  handlers?: ClientHandlers;
  /** Whether a person can complete an OAuth sign-in in a browser. Default: stdin and stderr are terminals. */
  interactive?: boolean;
  toolListCache?: McpAgentOptions['toolListCache'];
}

export async function startServers(opts: CommonOptions, servers: ServerDefinition[], start: StartOptions = {}): Promise<AgentManager> {
  const logger = new StderrLogger(opts.verbose);
  // OAuth-protected servers: sign in through the browser when someone is at the terminal, else say how to.
  const auth = createCliAuth({ interactive: start.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true), logger });
  const manager = new AgentManager({ logger, handlers: start.handlers, auth, toolListCache: start.toolListCache, clientInfo: { name: 'mcp-agent', version } });
  manager.on('status', (s) => {
    if (s.state === 'error' && s.lastError) process.stderr.write(`mcp-agent: server "${s.name}": ${s.lastError}\n`);
  });
  await manager.apply(servers);
  return manager;
}
