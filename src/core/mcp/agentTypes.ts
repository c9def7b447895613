/** The options, status and call options of one MCP server's agent (McpAgent). */
import type { LoggingMessageNotification, Resource, ResourceTemplate, Prompt, Tool, Progress, CreateMessageRequest, CreateMessageResult, ElicitRequest, ElicitResult, Root } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../ports';
import type { ServerAuth } from './oauth/types';
import type { ServerDefinition, TransportKind } from './serverConfig';

export interface ToolLimits {
  maxTools: number;
  maxDescriptionChars: number;
  maxSchemaBytes: number;
}

export type ServerState = 'idle' | 'starting' | 'connected' | 'error' | 'stopped';

export interface ServerStatus {
  name: string;
  state: ServerState;
  /** The transport actually in use (an `auto` definition resolves to `http` or `sse`). */
  transport?: TransportKind;
  toolCount: number;
  lastError?: string;
  stderrTail: string;
  restarts: number;
  pid?: number;
  serverVersion?: { name: string; version: string };
}

/** Answers to requests a server makes of the client. Only the capabilities with a handler are declared. */
export interface ClientHandlers {
  sampling?: (server: string, params: CreateMessageRequest['params'], signal: AbortSignal) => Promise<CreateMessageResult>;
  elicitation?: (server: string, params: ElicitRequest['params'], signal: AbortSignal) => Promise<ElicitResult>;
  roots?: () => Promise<Root[]>;
}

export interface RestartPolicy {
  /** Restarts in a row before giving up; a manual restart resets the count. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A connection that stays up this long resets the count. */
  stableAfterMs: number;
}

export interface McpAgentOptions {
  handlers?: ClientHandlers;
  logger?: Logger;
  clientInfo?: { name: string; version: string };
  restart?: Partial<RestartPolicy>;
  /** Time allowed for spawning/connecting and the initialize handshake. */
  connectTimeoutMs?: number;
  /** Cap on a call that keeps reporting progress; defaults to ten times the call timeout. */
  maxTotalTimeoutMs?: number;
  /** Bytes of stderr kept for error messages. */
  stderrTailBytes?: number;
  /** Largest stdio message accepted before the transport errors and closes (SDK default 10 MiB). */
  maxMessageBytes?: number;
  /** Caps on one server's tool list (listing.ts DEFAULT_TOOL_LIMITS). */
  toolLimits?: Partial<ToolLimits>;
  /** Elicitation requests a server may make per minute; more are refused with an MCP error (default 10). */
  maxElicitationsPerMinute?: number;
  /** How long list_changed notifications are gathered before one refresh. */
  listChangedDebounceMs?: number;
  /**
   * Tool lists kept across runs, keyed by the definition's hash: a server's tools are known (and offered to the
   * model) while it is still starting; calls wait for the connection.
   */
  toolListCache?: { get(key: string): Promise<Tool[] | undefined>; set(key: string, tools: Tool[]): Promise<void> };
  /**
   * OAuth for HTTP and SSE servers (src/core/mcp/oauth, e.g. `createServerAuth`): called once per connection
   * attempt; undefined means no OAuth for that server.
   */
  auth?: (def: ServerDefinition) => ServerAuth | undefined;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Overrides the definition's timeout. */
  timeoutMs?: number;
  /** Safe to repeat after an expired session or a dropped connection (the tool is read-only). */
  retryable?: boolean;
}

export interface AgentEvents {
  status: [ServerStatus];
  tools: [Tool[]];
  resources: [Resource[]];
  resourceTemplates: [ResourceTemplate[]];
  prompts: [Prompt[]];
  stderr: [string];
  log: [LoggingMessageNotification['params']];
  /** `notifications/resources/updated` for a subscribed URI. */
  resourceUpdated: [string];
}

/** Options for the requests beyond tools (resources, prompts, completions, logging). */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the definition's timeout. */
  timeoutMs?: number;
}
