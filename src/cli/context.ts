/** What every CLI command shares: parsed options, config loading, the AgentManager, and one-line errors. */
import * as path from 'node:path';
import { ConfigFileError, discoverConfigFile, formatIssue, loadConfigFiles, type LoadedConfig } from '../core/config/configFile';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { definitionFromUrl, type ServerDefinition } from '../core/mcp/serverConfig';
import type { Logger } from '../core/ports';
import { redact } from '../core/util/redact';
import { visibleControls } from '../core/util/untrusted';
import { trustedDiscovered } from './workspaceTrust';
import { requestPrefix } from './requestContext';

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
  /** Trust (and remember) the server definitions discovered in the current directory. */
  trustWorkspace?: boolean;
  /** `logging/setLevel` for every server; their `notifications/message` are then shown on stderr. */
  logLevel?: LoggingLevel;
}

export const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * Log lines on stderr, secrets removed: with --verbose all of them; otherwise only those at `quietLevel` or above
 * (none for the interactive commands; `serve` keeps info, its access log, and warnings). A line written while an
 * HTTP request is handled carries the request's id.
 */
export class StderrLogger implements Logger {
  constructor(
    private readonly verbose: boolean,
    private readonly quietLevel: 'info' | 'warning' | 'none' = 'none',
  ) {}
  trace(): void {}
  debug(message: string): void {
    if (this.verbose) this.write('debug', message);
  }
  info(message: string): void {
    if (this.verbose || this.quietLevel === 'info') this.write('info', message);
  }
  warn(message: string): void {
    if (this.verbose || this.quietLevel !== 'none') this.write('warning', message);
  }
  error(message: string): void {
    if (this.verbose || this.quietLevel !== 'none') this.write('error', message);
  }
  private write(level: string, message: string): void {
    process.stderr.write(`${level}: ${requestPrefix()}${visibleControls(redact(message, [process.env.OPENAI_API_KEY ?? '', process.env.MCP_AGENT_TOKEN ?? '']))}\n`);
  }
}

/** Reads the config files (given, or the first one discovered in the workspace) and adds an ad-hoc `--url` server. */
export async function loadConfig(opts: CommonOptions): Promise<LoadedConfig> {
  let files = opts.config.map((f) => path.resolve(f));
  let discovered: string | undefined;
  if (files.length === 0) {
    discovered = await discoverConfigFile(process.cwd());
    files = discovered ? [discovered] : [];
  }
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigFiles(files, { workspaceFolder: opts.workspace });
  } catch (err) {
    if (err instanceof ConfigFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  for (const issue of loaded.issues) process.stderr.write(`mcp-agent: ${visibleControls(formatIssue(issue))}\n`);
  if (discovered) {
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    loaded.servers = await trustedDiscovered(loaded.servers, discovered, { trustWorkspace: opts.trustWorkspace ?? false, interactive }, (m) => process.stderr.write(`mcp-agent: ${visibleControls(m)}\n`));
  }
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
