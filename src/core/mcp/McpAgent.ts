/**
 * One MCP server: the SDK client and its transport, a small state machine, per-call timeouts, restart with
 * backoff after a crash or a dropped connection, and a bounded tail of the server's stderr for error messages.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  type CallToolResult,
  type ClientCapabilities,
  type CompleteRequest,
  type CompleteResult,
  type GetPromptResult,
  type LoggingLevel,
  type ReadResourceResult,
  type ResourceTemplate,
  type ServerCapabilities,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
  type LoggingMessageNotification,
  type Progress,
  type Prompt,
  type Resource,
  type Root,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { McpServerError, describeError, httpStatusOf, isAbortError, isSessionExpired } from './errors';
import { StepUpSSEClientTransport, StepUpStreamableHTTPClientTransport } from './oauth/transports';
import type { ServerAuth } from './oauth/types';
import { definitionHash, type ServerDefinition, type TransportKind } from './serverConfig';

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

interface Events {
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

/** Sign-ins (browser steps) one connection attempt may go through before it gives up. */
const MAX_SIGN_INS = 3;

const DEFAULT_RESTART: RestartPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 };

export class McpAgent extends EventEmitter<Events> {
  private client?: Client;
  private transport?: Transport;
  private state: ServerState = 'idle';
  private resolvedTransport?: TransportKind;
  private lastError?: string;
  private stderrBuf = '';
  private restarts = 0;
  private failuresInRow = 0;
  private connecting?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private stableTimer?: NodeJS.Timeout;
  private generation = 0;
  /** The stdio transport refused a message over `maxMessageBytes` on this connection (it then closes). */
  private oversized = false;
  private toolList: Tool[] = [];
  private resourceList: Resource[] = [];
  private templateList: ResourceTemplate[] = [];
  private promptList: Prompt[] = [];
  /** Resource subscriptions and the log level, re-applied after every (re)connect. */
  private readonly subscriptions = new Set<string>();
  private logLevel?: LoggingLevel;
  private readonly restartPolicy: RestartPolicy;
  private readonly logger: Logger;

  constructor(
    readonly definition: ServerDefinition,
    private readonly options: McpAgentOptions = {},
  ) {
    super();
    this.restartPolicy = { ...DEFAULT_RESTART, ...options.restart };
    this.logger = options.logger ?? silentLogger;
  }

  get name(): string {
    return this.definition.name;
  }

  get tools(): readonly Tool[] {
    return this.toolList;
  }

  get resources(): readonly Resource[] {
    return this.resourceList;
  }

  get prompts(): readonly Prompt[] {
    return this.promptList;
  }

  get resourceTemplates(): readonly ResourceTemplate[] {
    return this.templateList;
  }

  /** What the connected server declared (undefined while not connected). */
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.sdkClient?.getServerCapabilities();
  }

  /** `resources/read`. */
  async readResource(uri: string, opts: RequestOptions = {}): Promise<ReadResourceResult> {
    return this.request(`reading ${uri}`, opts, (client, o) => client.readResource({ uri }, o));
  }

  /**
   * `resources/subscribe`: the agent emits `resourceUpdated` with the URI on each update, and subscribes again
   * after a reconnect. Fails when the server does not support subscriptions.
   */
  async subscribe(uri: string, opts: RequestOptions = {}): Promise<void> {
    if (this.state === 'connected' && !this.serverCapabilities?.resources?.subscribe) {
      throw new McpServerError(this.name, 'protocol', 'does not support resource subscriptions');
    }
    await this.request(`subscribing to ${uri}`, opts, (client, o) => client.subscribeResource({ uri }, o));
    this.subscriptions.add(uri);
  }

  async unsubscribe(uri: string, opts: RequestOptions = {}): Promise<void> {
    if (!this.subscriptions.delete(uri)) return;
    if (this.state === 'connected') await this.request(`unsubscribing from ${uri}`, opts, (client, o) => client.unsubscribeResource({ uri }, o));
  }

  /** `prompts/get`. */
  async getPrompt(name: string, args: Record<string, string> = {}, opts: RequestOptions = {}): Promise<GetPromptResult> {
    return this.request(`prompt "${name}"`, opts, (client, o) => client.getPrompt({ name, arguments: args }, o));
  }

  /** `completion/complete`; an empty list when the server has no completions capability. */
  async complete(
    ref: CompleteRequest['params']['ref'],
    argument: { name: string; value: string },
    context?: Record<string, string>,
    opts: RequestOptions = {},
  ): Promise<CompleteResult['completion']> {
    await this.ready(opts.timeoutMs ?? this.definition.timeoutMs, opts.signal);
    if (!this.serverCapabilities?.completions) return { values: [] };
    const r = await this.request(`completing "${argument.name}"`, opts, (client, o) =>
      client.complete({ ref, argument, ...(context ? { context: { arguments: context } } : {}) }, o),
    );
    return r.completion;
  }

  /**
   * `logging/setLevel`: the lowest level of `notifications/message` the server should send. Kept and re-applied
   * after a reconnect. Returns false (and sends nothing) when the server does not declare logging.
   */
  async setLogLevel(level: LoggingLevel, opts: RequestOptions = {}): Promise<boolean> {
    this.logLevel = level;
    if (this.state !== 'connected') return false;
    if (!this.serverCapabilities?.logging) return false;
    await this.request('setting the log level', opts, (client, o) => client.setLoggingLevel(level, o));
    return true;
  }

  /** One request on the connection (waiting for one on its way), errors as McpServerError naming the server. */
  private async request<T>(what: string, opts: RequestOptions, fn: (client: Client, o: { signal?: AbortSignal; timeout: number }) => Promise<T>): Promise<T> {
    const timeout = opts.timeoutMs ?? this.definition.timeoutMs;
    const client = await this.ready(timeout, opts.signal);
    try {
      return await fn(client, { signal: opts.signal, timeout });
    } catch (err) {
      const failure = this.callError(err, what, timeout, opts.signal);
      // The server refused (unknown URI or prompt, bad arguments): say what was being done, unquoted.
      if (failure instanceof McpServerError && failure.kind === 'protocol') throw new McpServerError(this.name, 'protocol', `${what} failed: ${describeError(err)}`);
      throw failure;
    }
  }

  get status(): ServerStatus {
    const pid = this.transport instanceof StdioClientTransport ? (this.transport.pid ?? undefined) : undefined;
    const v = this.client?.getServerVersion();
    return {
      name: this.name,
      state: this.state,
      transport: this.resolvedTransport ?? (this.definition.transport === 'auto' ? undefined : this.definition.transport),
      toolCount: this.toolList.length,
      lastError: this.lastError,
      stderrTail: this.stderrBuf,
      restarts: this.restarts,
      pid,
      serverVersion: v ? { name: v.name, version: v.version } : undefined,
    };
  }

  /** What the server said about using it (`instructions` in its initialize result), kept while it reconnects. */
  get instructions(): string | undefined {
    return this.client?.getInstructions();
  }

  /** The SDK client, for requests this class does not wrap (resources, prompts, completions). */
  get sdkClient(): Client | undefined {
    return this.state === 'connected' ? this.client : undefined;
  }

  /** Connects; resolves once connected or failed (the status says which). Never rejects. */
  start(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (!this.connecting) {
      this.clearRestartTimer();
      this.connecting = this.connect().finally(() => (this.connecting = undefined));
    }
    return this.connecting;
  }

  /** A manual restart: resets the backoff count. */
  async restart(): Promise<void> {
    this.failuresInRow = 0;
    await this.teardown('idle');
    await this.start();
  }

  async stop(): Promise<void> {
    await this.teardown('stopped');
  }

  async callTool(name: string, args: Record<string, unknown>, opts: CallOptions = {}): Promise<CallToolResult> {
    const timeout = opts.timeoutMs ?? this.definition.timeoutMs;
    const client = await this.ready(timeout, opts.signal);
    try {
      return await this.callOn(client, name, args, opts, timeout);
    } catch (err) {
      if (isSessionExpired(err) && this.state !== 'stopped') {
        // The spec's answer to a 404 on our session: start a new one. Repeat the call only when it is safe to.
        this.logger.warn(`[${this.name}] HTTP session expired; re-initializing`);
        await this.teardown('idle');
        await this.start();
        if (opts.retryable) return this.callOn(await this.ready(timeout, opts.signal), name, args, opts, timeout);
        throw new McpServerError(this.name, 'session-expired', `the session expired and was re-initialized; "${name}" was not repeated because it may not be safe to run twice`);
      }
      throw err;
    }
  }

  /** Tells the server the client's roots changed (after workspace folders change). */
  async notifyRootsChanged(): Promise<void> {
    if (this.state === 'connected' && this.options.handlers?.roots) await this.client?.sendRootsListChanged();
  }

  private async callOn(client: Client, name: string, args: Record<string, unknown>, opts: CallOptions, timeout: number): Promise<CallToolResult> {
    try {
      const result = await client.callTool({ name, arguments: args }, undefined, {
        timeout,
        signal: opts.signal,
        // The SDK only asks for progress when a callback is set, and only then can progress extend the timeout.
        onprogress: (p) => opts.onProgress?.(p),
        resetTimeoutOnProgress: true,
        maxTotalTimeout: this.options.maxTotalTimeoutMs ?? timeout * 10,
      });
      return result as CallToolResult;
    } catch (err) {
      throw this.callError(err, name, timeout, opts.signal);
    }
  }

  private callError(err: unknown, tool: string, timeout: number, signal?: AbortSignal): Error {
    if (err instanceof McpServerError) return err;
    if (signal?.aborted || isAbortError(err)) return new McpServerError(this.name, 'cancelled', `call to "${tool}" was cancelled`);
    if (err instanceof McpError && err.code === (ErrorCode.RequestTimeout as number)) {
      return new McpServerError(this.name, 'timeout', `"${tool}" timed out after ${Math.round(timeout / 100) / 10} s (set "timeout" in the server definition to allow longer)`);
    }
    if (err instanceof McpError && err.code === (ErrorCode.ConnectionClosed as number)) {
      if (this.oversized) return new McpServerError(this.name, 'closed', `${this.oversizeText()} during "${tool}"; the server was stopped and will restart`);
      return new McpServerError(this.name, 'closed', `the server ${this.resolvedTransport === 'stdio' ? 'exited' : 'closed the connection'} during "${tool}"${this.stderrHint()}`);
    }
    if (isSessionExpired(err)) return err as Error;
    if (err instanceof McpError) return new McpServerError(this.name, 'protocol', `"${tool}" failed: ${describeError(err)}`);
    const status = httpStatusOf(err);
    if (status !== undefined) return new McpServerError(this.name, 'unreachable', `"${tool}" failed with HTTP ${status}`);
    return new McpServerError(this.name, 'unreachable', `"${tool}" failed: ${describeError(err)}`);
  }

  /** Waits for a connection that is on its way (a restart in progress); fails at once when there is none. */
  private async ready(timeout: number, signal?: AbortSignal): Promise<Client> {
    if (this.state === 'connected' && this.client) return this.client;
    // A restart is scheduled: bring it forward rather than fail a call we could serve.
    if (this.state === 'error' && this.restartTimer) this.restartNow();
    if (this.connecting) {
      try {
        await withTimeout(this.connecting, timeout, signal);
      } catch {
        if (signal?.aborted) throw new McpServerError(this.name, 'cancelled', 'call cancelled while the server was starting');
        throw new McpServerError(this.name, 'timeout', `still starting after ${Math.round(timeout / 1000)} s`);
      }
      if (this.state === 'connected' && this.client) return this.client;
    }
    const why = this.lastError ? `: ${this.lastError}` : '';
    throw new McpServerError(this.name, 'unreachable', `not connected (${this.state})${why}`);
  }

  /**
   * Offer the tool list an earlier run cached for this exact definition while the process is not up yet, so the model
   * can be given it at once (a call waits for the connection). `start()` does this itself; AgentManager calls it for
   * every new server before starting any, so all cached lists are offered before the processes compete for the CPU.
   */
  async offerCachedTools(): Promise<void> {
    const cache = this.options.toolListCache;
    if (!cache || this.toolList.length > 0) return;
    const gen = this.generation;
    const cached = await cache.get(this.cacheKey()).catch(() => undefined);
    const stillWaiting = this.state === 'idle' || this.state === 'starting';
    if (cached?.length && gen === this.generation && stillWaiting && this.toolList.length === 0) {
      // A cached list names the tools, but its behaviour hints (read-only, closed-world) decide approvals and result
      // caching, and a cache file or a shared Redis can be written by others: until the live list arrives, none.
      this.toolList = cached.map(withoutHints);
      this.emit('tools', this.toolList);
    }
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.oversized = false;
    this.setState('starting');
    this.lastError = undefined;
    await this.offerCachedTools();
    const kinds: TransportKind[] = this.definition.transport === 'auto' ? ['http', 'sse'] : [this.definition.transport];
    let lastErr: unknown;
    // OAuth: one provider for every attempt, so tokens got on one connection serve the next.
    let auth: ServerAuth | undefined;
    try {
      auth = this.definition.transport === 'stdio' ? undefined : this.options.auth?.(this.definition);
    } catch (err) {
      lastErr = err;
      kinds.length = 0;
    }
    let signIns = 0;
    /** After the SDK refused with UnauthorizedError: the browser step, then the code exchanged on that transport. */
    const signIn = async (err: unknown, transport: Transport): Promise<boolean> => {
      if (!auth || !(err instanceof UnauthorizedError)) return false;
      if (!(transport instanceof StreamableHTTPClientTransport || transport instanceof SSEClientTransport)) return false;
      if (signIns >= MAX_SIGN_INS) throw new Error(`still not authorized after ${MAX_SIGN_INS} sign-ins`);
      signIns++;
      const code = await auth.completeAuthorization();
      if (code === undefined) return false;
      await transport.finishAuth(code);
      return true;
    };
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i];
      if (gen !== this.generation) return;
      const client = this.makeClient();
      const transport = this.makeTransport(kind, auth);
      try {
        await withTimeout(client.connect(transport), this.options.connectTimeoutMs ?? Math.max(this.definition.timeoutMs, 30_000));
        if (gen !== this.generation) {
          await client.close().catch(() => undefined);
          return;
        }
        this.client = client;
        this.transport = transport;
        this.resolvedTransport = kind;
        client.onclose = () => this.onUnexpectedClose(gen);
        // Listing may need a sign-in (or more scope) that initialize did not: sign in and list again.
        for (;;) {
          try {
            await this.refreshLists(client);
            break;
          } catch (err) {
            if (!(await signIn(err, transport)) || gen !== this.generation) throw err;
          }
        }
        if (gen !== this.generation) return;
        this.armStableTimer();
        this.setState('connected');
        this.logger.info(`[${this.name}] connected over ${kind} (${this.toolList.length} tools)`);
        return;
      } catch (err) {
        lastErr = err;
        const adopted = this.client === client;
        if (adopted && auth) {
          // Failed while listing, after sign-ins: not a crash to restart from (a restart would only ask again).
          client.onclose = undefined;
          this.client = undefined;
          this.transport = undefined;
        }
        let signedIn = false;
        if (!adopted) {
          try {
            signedIn = await signIn(err, transport);
          } catch (authErr) {
            lastErr = authErr;
          }
        }
        await client.close().catch(() => undefined);
        if (signedIn) {
          i--; // the same transport kind again, with a new client and transport sharing the provider
          continue;
        }
        if (lastErr !== err) break;
        const status = httpStatusOf(err);
        // Backwards compatibility (spec): a 4xx to the Streamable HTTP POST means an old HTTP+SSE server.
        if (kind === 'http' && kinds.includes('sse') && status !== undefined && status >= 400 && status < 500) {
          this.logger.info(`[${this.name}] Streamable HTTP answered ${status}; trying legacy SSE`);
          continue;
        }
        break;
      }
    }
    if (gen !== this.generation) return;
    this.lastError = `could not connect: ${describeError(lastErr, this.definition.command)}${this.stderrHint()}`;
    this.client = undefined;
    this.transport = undefined;
    if (this.toolList.length) {
      // Tools offered from the cache cannot be called after all.
      this.toolList = [];
      this.emit('tools', this.toolList);
    }
    this.setState('error');
    this.logger.error(`[${this.name}] ${this.lastError}`);
  }

  private cacheKey(): string {
    return `tools:${definitionHash(this.definition)}`;
  }

  private makeClient(): Client {
    const h = this.options.handlers ?? {};
    const capabilities: ClientCapabilities = {};
    if (h.sampling) capabilities.sampling = {};
    if (h.elicitation) capabilities.elicitation = { form: {}, url: {} };
    if (h.roots) capabilities.roots = { listChanged: true };

    const debounceMs = this.options.listChangedDebounceMs ?? 300;
    const client = new Client(this.options.clientInfo ?? { name: 'mcp-agent', version: '0.1.0' }, {
      capabilities,
      listChanged: {
        tools: { debounceMs, onChanged: (err, tools) => this.onListChanged('tools', err, tools) },
        resources: { debounceMs, onChanged: (err, items) => this.onListChanged('resources', err, items) },
        prompts: { debounceMs, onChanged: (err, items) => this.onListChanged('prompts', err, items) },
      },
    });
    if (h.sampling) {
      const fn = h.sampling;
      client.setRequestHandler(CreateMessageRequestSchema, (req, extra) => fn(this.name, req.params, extra.signal));
    }
    if (h.elicitation) {
      const fn = h.elicitation;
      client.setRequestHandler(ElicitRequestSchema, (req, extra) => fn(this.name, req.params, extra.signal));
    }
    if (h.roots) {
      const fn = h.roots;
      client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: await fn() }));
    }
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      this.emit('log', n.params);
    });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      this.emit('resourceUpdated', n.params.uri);
    });
    client.onerror = (err) => {
      // The SDK's stdio read buffer refuses a line over its limit, then closes the transport.
      if (/ReadBuffer exceeded maximum size/.test(err.message)) {
        if (!this.oversized) this.logger.warn(`[${this.name}] ${this.oversizeText()}; closing the connection`);
        this.oversized = true;
      } else this.logger.debug(`[${this.name}] transport: ${describeError(err)}`);
    };
    return client;
  }

  private makeTransport(kind: TransportKind, auth?: ServerAuth): Transport {
    const def = this.definition;
    if (kind === 'stdio') {
      const { command, args } = platformCommand(def.command ?? '', def.args);
      const transport = new StdioClientTransport({
        command,
        args,
        // The SDK's safe set (PATH, HOME, ...) and the entry's own env; never the agent's keys.
        env: { ...getDefaultEnvironment(), ...def.env },
        cwd: def.cwd,
        stderr: 'pipe',
        maxBufferSize: this.options.maxMessageBytes,
      });
      const stderr = transport.stderr as Readable | null;
      stderr?.setEncoding('utf8');
      stderr?.on('data', (chunk: string) => this.onStderr(chunk));
      return transport;
    }
    const url = new URL(def.url ?? '');
    const requestInit: RequestInit = { headers: def.headers };
    // OAuth: the SDK's authProvider; once connected, a refused request is re-authorized and sent again (step-up).
    const stepUp = auth ? { auth, enabled: () => this.state === 'connected' } : undefined;
    if (kind === 'sse') {
      const sseOptions = {
        requestInit,
        // EventSource does not take requestInit headers; add them to the SDK's own (Accept, Authorization).
        eventSourceInit: {
          fetch: (u: string | URL, init?: RequestInit) => {
            const headers = new Headers(init?.headers);
            for (const [k, v] of Object.entries(def.headers)) headers.set(k, v);
            return fetch(u, { ...init, headers });
          },
        },
      };
      return stepUp ? new StepUpSSEClientTransport(url, sseOptions, stepUp) : new SSEClientTransport(url, sseOptions);
    }
    return stepUp ? new StepUpStreamableHTTPClientTransport(url, { requestInit }, stepUp) : new StreamableHTTPClientTransport(url, { requestInit });
  }

  private oversizeText(): string {
    const mib = Math.round(((this.options.maxMessageBytes ?? 10 * 1024 * 1024) / (1024 * 1024)) * 10) / 10;
    return `the server sent a message larger than the ${mib} MiB limit`;
  }

  private onStderr(chunk: string): void {
    const max = this.options.stderrTailBytes ?? 8192;
    this.stderrBuf = (this.stderrBuf + chunk).slice(-max);
    for (const line of chunk.split('\n')) if (line.trim()) this.emit('stderr', line);
  }

  private stderrHint(): string {
    const lines = this.stderrBuf.trim().split('\n').filter(Boolean);
    return lines.length ? ` (stderr: ${lines.slice(-3).join(' | ').slice(0, 400)})` : '';
  }

  private async refreshLists(client: Client): Promise<void> {
    const caps = client.getServerCapabilities() ?? {};
    const [tools, resources, templates, prompts] = await Promise.all([
      caps.tools ? collect((cursor) => client.listTools({ cursor }).then((r) => ({ items: r.tools, next: r.nextCursor }))) : [],
      caps.resources ? collect((cursor) => client.listResources({ cursor }).then((r) => ({ items: r.resources, next: r.nextCursor }))).catch(() => []) : [],
      caps.resources ? this.listTemplates(client) : [],
      caps.prompts ? collect((cursor) => client.listPrompts({ cursor }).then((r) => ({ items: r.prompts, next: r.nextCursor }))).catch(() => []) : [],
    ]);
    this.toolList = dedupeByName(tools);
    void this.options.toolListCache?.set(this.cacheKey(), this.toolList).catch(() => undefined);
    this.resourceList = resources;
    this.templateList = templates;
    this.promptList = prompts;
    this.emit('tools', this.toolList);
    this.emit('resources', this.resourceList);
    this.emit('resourceTemplates', this.templateList);
    this.emit('prompts', this.promptList);
    // What the user asked of the previous connection holds for this one.
    if (this.logLevel && caps.logging) await client.setLoggingLevel(this.logLevel).catch((err: unknown) => this.logger.warn(`[${this.name}] setting the log level failed: ${describeError(err)}`));
    if (caps.resources?.subscribe) {
      for (const uri of this.subscriptions) await client.subscribeResource({ uri }).catch((err: unknown) => this.logger.warn(`[${this.name}] subscribing to ${uri} again failed: ${describeError(err)}`));
    }
  }

  private listTemplates(client: Client): Promise<ResourceTemplate[]> {
    return collect((cursor) => client.listResourceTemplates({ cursor }).then((r) => ({ items: r.resourceTemplates, next: r.nextCursor }))).catch(() => []);
  }

  private onListChanged(what: 'tools' | 'resources' | 'prompts', err: Error | null, items: Tool[] | Resource[] | Prompt[] | null): void {
    if (err || !items) {
      if (err) this.logger.warn(`[${this.name}] refreshing ${what} failed: ${describeError(err)}`);
      return;
    }
    if (what === 'tools') {
      this.toolList = dedupeByName(items as Tool[]);
      this.emit('tools', this.toolList);
      this.emitStatus();
    } else if (what === 'resources') {
      this.resourceList = items as Resource[];
      this.emit('resources', this.resourceList);
      // The spec has one list_changed for both lists; templates are refreshed with resources.
      const client = this.client;
      if (client) {
        void this.listTemplates(client).then((t) => {
          if (client !== this.client) return;
          this.templateList = t;
          this.emit('resourceTemplates', this.templateList);
        });
      }
    } else {
      this.promptList = items;
      this.emit('prompts', this.promptList);
    }
  }

  private onUnexpectedClose(gen: number): void {
    if (gen !== this.generation || this.state === 'stopped') return;
    const what = this.oversized ? `${this.oversizeText()}, so the connection was closed` : this.resolvedTransport === 'stdio' ? 'the server process exited' : 'the connection closed';
    this.lastError = `${what}${this.stderrHint()}`;
    this.client = undefined;
    this.transport = undefined;
    this.clearStableTimer();
    this.setState('error');
    this.logger.warn(`[${this.name}] ${this.lastError}`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const p = this.restartPolicy;
    if (this.failuresInRow >= p.maxRetries) {
      this.lastError = `${this.lastError ?? 'stopped'}; gave up after ${p.maxRetries} restarts (restart it manually)`;
      this.emitStatus();
      return;
    }
    const delay = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** this.failuresInRow);
    this.failuresInRow++;
    this.logger.info(`[${this.name}] restarting in ${delay} ms (attempt ${this.failuresInRow} of ${p.maxRetries})`);
    this.restartTimer = setTimeout(() => this.restartNow(), delay);
    this.restartTimer.unref();
  }

  private restartNow(): void {
    this.clearRestartTimer();
    this.restarts++;
    void this.start().then(() => {
      if (this.state === 'error' && !this.restartTimer) this.scheduleRestart();
    });
  }

  private armStableTimer(): void {
    this.clearStableTimer();
    this.stableTimer = setTimeout(() => (this.failuresInRow = 0), this.restartPolicy.stableAfterMs);
    this.stableTimer.unref();
  }

  private clearStableTimer(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private async teardown(next: ServerState): Promise<void> {
    this.generation++;
    this.clearRestartTimer();
    this.clearStableTimer();
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    this.connecting = undefined;
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
    // Client.close closes the transport; the stdio transport ends stdin, then SIGTERM, then SIGKILL.
    await client?.close().catch(() => undefined);
    if (!client) await transport?.close().catch(() => undefined);
    this.toolList = [];
    this.resourceList = [];
    this.templateList = [];
    this.promptList = [];
    this.setState(next);
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.emit('status', this.status);
  }
}

/** On Windows, `npx`, `uvx` and other script shims are .cmd files that only a shell can start. */
function platformCommand(command: string, args: string[]): { command: string; args: string[] } {
  if (process.platform !== 'win32') return { command, args };
  if (/\.(exe|com)$/i.test(command) || /[\\/]node(\.exe)?$/i.test(command) || command === 'node') return { command, args };
  return { command: 'cmd.exe', args: ['/d', '/s', '/c', command, ...args] };
}

async function collect<T>(page: (cursor?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const { items, next } = await page(cursor);
    out.push(...items);
    if (!next) break;
    cursor = next;
  }
  return out;
}

function dedupeByName(tools: Tool[]): Tool[] {
  const seen = new Set<string>();
  return tools.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
}

function withTimeout<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s`)), ms);
    const onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** A tool as listed, without the annotations that would let it run unasked or be cached (title kept). */
function withoutHints(tool: Tool): Tool {
  if (!tool.annotations) return tool;
  const { readOnlyHint: _r, openWorldHint: _o, idempotentHint: _i, destructiveHint: _d, ...rest } = tool.annotations;
  return { ...tool, annotations: rest };
}
