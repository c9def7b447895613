/**
 * One MCP server: the SDK client and its transport, a small state machine, per-call timeouts, restart with
 * backoff after a crash or a dropped connection, and a bounded tail of the server's stderr for error messages.
 */
import { EventEmitter } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, CompleteRequest, CompleteResult, GetPromptResult, LoggingLevel, Prompt, ReadResourceResult, Resource, ResourceTemplate, ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import { silentLogger, type Logger } from '../ports';
import { McpServerError, describeError, httpStatusOf, isSessionExpired, mapCallError } from './errors';
import type { ServerAuth } from './oauth/types';
import { definitionHash, type ServerDefinition, type TransportKind } from './serverConfig';
import { makeTransport, recordingTokens, signInStep } from './transports';
import { DEFAULT_ELICITATIONS_PER_MINUTE, makeClient, rateLimit } from './clientSetup';
import { callToolOn, capTools, describeCuts, fetchLists, oversizeText, stderrHint, listTemplates, withTimeout, withoutHints } from './listing';
import type { AgentEvents, CallOptions, McpAgentOptions, RequestOptions, ServerState, ServerStatus } from './agentTypes';
import { Backoff } from './backoff';

export type { CallOptions, ClientHandlers, McpAgentOptions, RequestOptions, RestartPolicy, ServerState, ServerStatus } from './agentTypes';

export class McpAgent extends EventEmitter<AgentEvents> {
  private client?: Client;
  private transport?: Transport;
  private state: ServerState = 'idle';
  private resolvedTransport?: TransportKind;
  private lastError?: string;
  private stderrBuf = '';
  private restarts = 0;
  private connecting?: Promise<void>;
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
  private readonly backoff: Backoff;
  /** OAuth tokens this server's provider handed out, for redaction. */
  private readonly tokens = new Set<string>();
  private readonly logger: Logger;
  /** Elicitations allowed in the last minute, across reconnects (clientSetup.ts). */
  private readonly elicitationLimit: () => boolean;

  constructor(
    readonly definition: ServerDefinition,
    private readonly options: McpAgentOptions = {},
  ) {
    super();
    this.backoff = new Backoff(options.restart);
    this.logger = options.logger ?? silentLogger;
    this.elicitationLimit = rateLimit(options.maxElicitationsPerMinute ?? DEFAULT_ELICITATIONS_PER_MINUTE, 60_000);
  }

  get name(): string { return this.definition.name; }
  get tools(): readonly Tool[] { return this.toolList; }
  get resources(): readonly Resource[] { return this.resourceList; }
  get prompts(): readonly Prompt[] { return this.promptList; }
  get resourceTemplates(): readonly ResourceTemplate[] { return this.templateList; }

  /** OAuth access and refresh tokens seen for this server (the runtime redacts them). */
  get secrets(): string[] { return [...this.tokens]; }

  /** What the connected server declared (undefined while not connected). */
  get serverCapabilities(): ServerCapabilities | undefined { return this.state === 'connected' ? this.client?.getServerCapabilities() : undefined; }

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

  /** Connects; resolves once connected or failed (the status says which). Never rejects. */
  start(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (!this.connecting) {
      this.backoff.clearRestart();
      this.connecting = this.connect().finally(() => (this.connecting = undefined));
    }
    return this.connecting;
  }

  /** A manual restart: resets the backoff count. */
  async restart(): Promise<void> {
    this.backoff.failuresInRow = 0;
    await this.teardown('idle');
    await this.start();
  }

  stop(): Promise<void> { return this.teardown('stopped'); }

  async callTool(name: string, args: Record<string, unknown>, opts: CallOptions = {}): Promise<CallToolResult> {
    const timeout = opts.timeoutMs ?? this.definition.timeoutMs;
    const client = this.state === 'connected' && this.client ? this.client : await this.ready(timeout, opts.signal);
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
    return callToolOn(client, name, args, opts, timeout, this.options.maxTotalTimeoutMs).catch((err: unknown) => {
      throw this.callError(err, name, timeout, opts.signal);
    });
  }

  /** The tool list within the limits on count and size (one warning naming the server when something was cut). */
  private capped(tools: Tool[]): Tool[] {
    const { tools: kept, dropped, truncated } = capTools(tools, this.options.toolLimits);
    if (dropped || truncated) this.logger.warn(`[${this.name}] ${describeCuts(dropped, truncated, this.options.toolLimits)}`);
    return kept;
  }

  private callError(err: unknown, tool: string, timeout: number, signal?: AbortSignal): Error {
    return mapCallError(err, {
      server: this.name,
      tool,
      timeout,
      signal,
      closedText: this.oversized ? `${this.oversizeText()} during "${tool}"; the server was stopped and will restart` : `the server ${this.resolvedTransport === 'stdio' ? 'exited' : 'closed the connection'} during "${tool}"${this.stderrHint()}`,
    });
  }

  /** Waits for a connection that is on its way (a restart in progress); fails at once when there is none. */
  private async ready(timeout: number, signal?: AbortSignal): Promise<Client> {
    if (this.state === 'connected' && this.client) return this.client;
    // A restart is scheduled: bring it forward rather than fail a call we could serve.
    if (this.state === 'error' && this.backoff.pending) this.restartNow();
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
    const cached = await cache.get(`tools:${definitionHash(this.definition)}`).catch(() => undefined);
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
      const given = this.definition.transport === 'stdio' ? undefined : this.options.auth?.(this.definition);
      auth = given && recordingTokens(given, this.tokens);
    } catch (err) {
      lastErr = err;
      kinds.length = 0;
    }
    const signIn = signInStep(auth);
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
        this.backoff.armStable();
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

  private makeClient(): Client {
    return makeClient(this.name, this.options, {
      onListChanged: (what, err, items) => this.onListChanged(what, err, items),
      onLog: (params) => this.emit('log', params),
      onResourceUpdated: (uri) => this.emit('resourceUpdated', uri),
      allowElicitation: () => this.elicitationLimit(),
      onError: (err) => {
        // The SDK's stdio read buffer refuses a line over its limit, then closes the transport; the HTTP body cap
        // (transports.ts) errors the stream, and the connection is closed here so the call fails at once.
        if (/ReadBuffer exceeded maximum size|MiB limit$/.test(err.message)) {
          if (!this.oversized) this.logger.warn(`[${this.name}] ${this.oversizeText()}; closing the connection`);
          this.oversized = true;
          if (this.resolvedTransport !== 'stdio') void this.client?.close();
        } else this.logger.debug(`[${this.name}] transport: ${describeError(err)}`);
      },
    });
  }

  private makeTransport(kind: TransportKind, auth?: ServerAuth): Transport {
    return makeTransport(this.definition, kind, {
      maxMessageBytes: this.options.maxMessageBytes,
      onStderr: (chunk) => this.onStderr(chunk),
      // OAuth: once connected, a refused request is re-authorized and sent again (step-up).
      stepUp: auth ? { auth, enabled: () => this.state === 'connected' } : undefined,
    });
  }

  private oversizeText(): string {
    return oversizeText(this.options.maxMessageBytes ?? 10 * 1024 * 1024);
  }

  private onStderr(chunk: string): void {
    this.stderrBuf = (this.stderrBuf + chunk).slice(-(this.options.stderrTailBytes ?? 8192));
    for (const line of chunk.split('\n')) if (line.trim()) this.emit('stderr', line);
  }

  private stderrHint(): string {
    return stderrHint(this.stderrBuf);
  }

  private async refreshLists(client: Client): Promise<void> {
    const caps = client.getServerCapabilities() ?? {};
    const { tools, resources, templates, prompts } = await fetchLists(client);
    this.toolList = this.capped(tools);
    void this.options.toolListCache?.set(`tools:${definitionHash(this.definition)}`, this.toolList).catch(() => undefined);
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

  private onListChanged(what: 'tools' | 'resources' | 'prompts', err: Error | null, items: Tool[] | Resource[] | Prompt[] | null): void {
    if (err || !items) {
      if (err) this.logger.warn(`[${this.name}] refreshing ${what} failed: ${describeError(err)}`);
      return;
    }
    if (what === 'tools') {
      this.toolList = this.capped(items as Tool[]);
      this.emit('tools', this.toolList);
      this.emitStatus();
    } else if (what === 'resources') {
      this.resourceList = items as Resource[];
      this.emit('resources', this.resourceList);
      // The spec has one list_changed for both lists; templates are refreshed with resources.
      const client = this.client;
      if (client) {
        void listTemplates(client).then((t) => {
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
    this.backoff.clearStable();
    this.setState('error');
    this.logger.warn(`[${this.name}] ${this.lastError}`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const p = this.backoff.policy;
    const delay = this.backoff.schedule(() => this.restartNow());
    if (delay === undefined) {
      this.lastError = `${this.lastError ?? 'stopped'}; gave up after ${p.maxRetries} restarts (restart it manually)`;
      this.emitStatus();
      return;
    }
    this.logger.info(`[${this.name}] restarting in ${delay} ms (attempt ${this.backoff.failuresInRow} of ${p.maxRetries})`);
  }

  private restartNow(): void {
    this.backoff.clearRestart();
    this.restarts++;
    void this.start().then(() => {
      if (this.state === 'error' && !this.backoff.pending) this.scheduleRestart();
    });
  }

  private async teardown(next: ServerState): Promise<void> {
    this.generation++;
    this.backoff.clearRestart();
    this.backoff.clearStable();
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

