/**
 * One log channel per MCP server ("MCP: <server>", created on its first line): the server's `notifications/message`
 * at the matching channel level, and its stderr lines. The level the server is asked to log at (`logging/setLevel`)
 * comes from `mcpAgent.serverLogLevel`, or `mcpAgent.serverLogLevels` for one server, and is sent on every connection
 * of a server that declares the `logging` capability, and again when the settings change. Connections and errors are
 * noted there too. Every line is redacted.
 */
import type { LoggingLevel, LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { McpAgent, ServerStatus } from '../core/mcp/McpAgent';
import type { Logger } from '../core/ports';
import { redact } from '../core/util/redact';

export const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
export const DEFAULT_SERVER_LOG_LEVEL: LoggingLevel = 'info';
/** Settings whose change means sending `logging/setLevel` again. */
export const LOG_LEVEL_SETTINGS = ['mcpAgent.serverLogLevel', 'mcpAgent.serverLogLevels'];

/** The level a server should log at: its own entry in `serverLogLevels`, else `serverLogLevel`. */
export function serverLogLevel(server: string): LoggingLevel {
  const c = vscode.workspace.getConfiguration('mcpAgent');
  const own = (c.get<Record<string, unknown>>('serverLogLevels', {}) ?? {})[server];
  if (isLevel(own)) return own;
  const all = c.get<string>('serverLogLevel', DEFAULT_SERVER_LOG_LEVEL);
  return isLevel(all) ? all : DEFAULT_SERVER_LOG_LEVEL;
}

function isLevel(v: unknown): v is LoggingLevel {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
}

/** The text of a log notification: `[logger] data`, data as is when a string, else as compact JSON. */
export function formatLogMessage(params: LoggingMessageNotification['params']): string {
  let data: string;
  if (typeof params.data === 'string') data = params.data;
  else {
    try {
      data = JSON.stringify(params.data) ?? String(params.data);
    } catch {
      data = String(params.data);
    }
  }
  const logger = typeof params.logger === 'string' && params.logger ? `[${params.logger}] ` : '';
  return `${logger}${data}`;
}

export class ServerLogs implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  private readonly attached = new WeakSet<McpAgent>();

  constructor(
    private readonly logger: Logger,
    private readonly secrets: () => Iterable<string> = () => [],
  ) {}

  /** Follows an agent's log notifications, stderr and connections (call once per agent, before it starts). */
  attach(agent: McpAgent): void {
    if (this.attached.has(agent)) return;
    this.attached.add(agent);
    agent.on('log', (params) => this.write(agent.name, params));
    agent.on('stderr', (line) => this.channel(agent.name).info(`[stderr] ${this.clean(line)}`));
    let last: string | undefined;
    agent.on('status', (s: ServerStatus) => {
      // Transitions only (a tool list change repeats the status): the channel tells the server's whole story.
      const key = `${s.state}|${s.lastError ?? ''}`;
      if (key === last) return;
      last = key;
      if (s.state === 'connected') {
        this.channel(agent.name).info(`connected over ${s.transport ?? '?'} (${s.toolCount} tools)`);
        void this.applyLevel(agent);
      } else if (s.state === 'error' && s.lastError) this.channel(agent.name).error(this.clean(s.lastError));
    });
  }

  /** Names of the servers that have written to their channel. */
  names(): string[] {
    return [...this.channels.keys()].sort((a, b) => a.localeCompare(b));
  }

  /** The server's channel (created when missing). */
  channel(server: string): vscode.LogOutputChannel {
    let ch = this.channels.get(server);
    if (!ch) {
      ch = vscode.window.createOutputChannel(`MCP: ${server}`, { log: true });
      this.channels.set(server, ch);
    }
    return ch;
  }

  show(server: string): void {
    this.channel(server).show(true);
  }

  /** Sends the configured level to every connected server that logs (after a settings change). */
  async applyLevels(agents: Iterable<McpAgent>): Promise<void> {
    await Promise.all([...agents].map((a) => this.applyLevel(a)));
  }

  private async applyLevel(agent: McpAgent): Promise<void> {
    const level = serverLogLevel(agent.name);
    try {
      if (await agent.setLogLevel(level)) this.logger.debug(`[${agent.name}] log level set to ${level}`);
    } catch (err) {
      this.logger.warn(`[${agent.name}] could not set its log level to ${level}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private write(server: string, params: LoggingMessageNotification['params']): void {
    const ch = this.channel(server);
    const text = this.clean(formatLogMessage(params));
    switch (params.level) {
      case 'debug':
        return ch.debug(text);
      case 'info':
        return ch.info(text);
      case 'notice':
        return ch.info(`[notice] ${text}`);
      case 'warning':
        return ch.warn(text);
      case 'error':
        return ch.error(text);
      default:
        // critical, alert, emergency: errors, with the server's word for how bad.
        return ch.error(`[${String(params.level)}] ${text}`);
    }
  }

  private clean(text: string): string {
    return redact(text, this.secrets());
  }

  dispose(): void {
    for (const ch of this.channels.values()) ch.dispose();
    this.channels.clear();
  }
}
