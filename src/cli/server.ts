/**
 * The original system's HTTP API on node:http: POST /chat, POST /chat/stream (SSE), POST /compact, GET /health,
 * /ready, /metrics, /servers, /tools, /resources, /resources/read?server=S&uri=U, /prompts, and the user's
 * conversations (GET /conversations, GET and DELETE /conversations/{id}).
 * Loopback by default; a token or a keys file is required to bind anywhere else; without either, the Host header is
 * checked against DNS rebinding; a client that goes away cancels its own run and nothing else.
 * A browser's cross-site request is refused before anything runs: POST bodies must be application/json (which a web
 * page cannot send cross-site without a CORS preflight), an Origin not explicitly allowed is 403, and so is
 * Sec-Fetch-Site: cross-site (curl sends neither). Every response carries X-Request-Id, and so do its log lines.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ChatRequestError, type Agent, type ChatRequest } from '../core/agent/Agent';
import type { AgentEvent } from '../core/agent/ChatSession';
import { publicContext, publicEvent, publicTotals, type PublicEvent } from '../core/agent/publicEvents';
import type { Toolbox } from '../core/agent/toolbox';
import type { AgentManager } from '../core/mcp/AgentManager';
import { isObject } from '../core/mcp/serverConfig';
import type { Logger } from '../core/ports';
import type { ConversationStore } from '../core/store/types';
import { McpServerError } from '../core/mcp/errors';
import { redact } from '../core/util/redact';
import { deleteConversation, getConversation, listConversations } from './conversationRoutes';
import { HEADERS_TIMEOUT_MS, HttpError, readJson, sendBeforeBody, sendJson } from './http';
import type { KeyRing } from './keys';
import { authenticate, checkBrowser, checkHost, checkJsonBody, type Identity } from './guards';
import { ApiMetrics, type TurnOutcome } from './metrics';
import { requestContext, requestIdFrom, type RequestInfo } from './requestContext';
import { version } from './version';

export { MAX_BODY_BYTES, HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS } from './http';
export { isLoopback, normalizeOrigin } from './guards';

export interface ApiServerOptions {
  host: string;
  port: number;
  /** One bearer token; its user is "default". */
  token?: string;
  /** Named keys: each request's user is its key's name, and conversations are that user's. */
  keys?: KeyRing;
  agent: Agent;
  manager: AgentManager;
  toolbox: Toolbox;
  /** The conversations (GET/DELETE /conversations) and the readiness check. */
  store: ConversationStore;
  logger: Logger;
  /** Origins (scheme://host[:port]) whose browser requests are served, with CORS headers; no other Origin is. */
  allowOrigins?: string[];
  /** Secret values to remove from what is answered (server errors): the API key, the token. */
  secrets?: () => string[];
  /** Turns (chat, stream, compact) that may run at once; more get 429 with Retry-After. Default DEFAULT_MAX_TURNS. */
  maxTurns?: number;
  /** A turn running longer is stopped and reported as an error. Default DEFAULT_TURN_TIMEOUT_MS. */
  turnTimeoutMs?: number;
  /** GET /metrics without credentials (for a scraper inside a trusted network). Default false. */
  metricsPublic?: boolean;
  /** Add the process's own metrics (CPU, memory, event loop) to /metrics: where the server owns the process. */
  processMetrics?: boolean;
}

export const DEFAULT_MAX_TURNS = 32;
/** Generous: a long agentic turn with slow tools can take minutes; this only stops one that hangs. */
export const DEFAULT_TURN_TIMEOUT_MS = 15 * 60_000;
/** How long GET /ready waits for the store's check. */
const READY_CHECK_MS = 2_000;

export interface ApiServer {
  server: Server;
  metrics: ApiMetrics;
  /** Whether drain() was called. */
  readonly draining: boolean;
  /**
   * Stops taking turns (503 with Connection: close; GET /ready answers 503), lets running turns finish for up to
   * `timeoutMs`, then stops the rest (their partial answers are saved) and waits for them to end. Resolves with how
   * many had to be stopped.
   */
  drain(timeoutMs: number): Promise<{ stopped: number }>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

interface RunningTurn {
  ac: AbortController;
  /** Why the server stopped it, when it did. */
  stoppedBy?: 'timeout' | 'shutdown' | 'disconnected';
}

/** The turns running now, and the way to wait until none does. */
class TurnTracker {
  readonly running = new Set<RunningTurn>();
  draining = false;
  private idleWaiters: Array<() => void> = [];

  remove(turn: RunningTurn): void {
    this.running.delete(turn);
    if (this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves true once no turn runs, or false after `ms`. */
  idle(ms: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, ms);
      this.idleWaiters.push(done);
    });
  }
}

interface Ctx {
  opts: ApiServerOptions;
  turns: TurnTracker;
  metrics: ApiMetrics;
  /** The store was unreachable at the last /ready: log only when that changes. */
  storeDown: { value: boolean };
}

export function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const ctx: Ctx = { opts, turns: new TurnTracker(), metrics: new ApiMetrics({ processMetrics: opts.processMetrics }), storeDown: { value: false } };
  const server = createServer((req, res) => {
    const info: RequestInfo = { id: requestIdFrom(req.headers['x-request-id']) };
    res.setHeader('X-Request-Id', info.id);
    // While draining, no connection is kept for another request.
    if (ctx.turns.draining) res.setHeader('Connection', 'close');
    const started = performance.now();
    const pathname = safePath(req.url);
    res.once('close', () =>
      requestContext.run(info, () => {
        const route = routeLabel(pathname);
        ctx.metrics.request(route, res.statusCode);
        const line = `${req.method ?? 'GET'} ${pathname} ${res.statusCode} ${Math.round(performance.now() - started)} ms${res.writableFinished ? '' : ' (connection closed before the end)'}`;
        // Probes come every few seconds: not worth a line each unless asked.
        if (['/ready', '/health', '/metrics'].includes(route)) opts.logger.debug(line);
        else opts.logger.info(line);
      }),
    );
    requestContext.run(info, () => {
      handle(req, res, ctx, info).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500 && !(err instanceof HttpError)) opts.logger.error(`request failed: ${(err as Error).message}`);
        if (res.headersSent) res.end();
        else {
          if (err instanceof HttpError) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
          if ([401, 403, 413, 415].includes(status)) sendBeforeBody(req, res, status, { error: (err as Error).message });
          else sendJson(res, status, { error: status === 500 && !(err instanceof HttpError) ? 'internal error' : (err as Error).message });
        }
      });
    });
  });
  // Streams can be long; do not let Node's default request timeout cut them. The body has its own timer (readJson);
  // a client that trickles its headers is cut off after HEADERS_TIMEOUT_MS.
  server.requestTimeout = 0;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  const api: ApiServer = {
    server,
    metrics: ctx.metrics,
    get draining() {
      return ctx.turns.draining;
    },
    async drain(timeoutMs) {
      ctx.turns.draining = true;
      if (await ctx.turns.idle(timeoutMs)) return { stopped: 0 };
      const stopped = ctx.turns.running.size;
      for (const t of ctx.turns.running) {
        t.stoppedBy ??= 'shutdown';
        t.ac.abort();
      }
      // Stopped turns save their partial answers and end their responses; give that a moment.
      if (!(await ctx.turns.idle(10_000))) opts.logger.warn(`${ctx.turns.running.size} turns did not end within 10 s of being stopped`);
      return { stopped };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(api);
    });
  });
}

/** The path of a request URL (no query), or '/' when it cannot be parsed. */
function safePath(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  } catch {
    return '/';
  }
}

const ROUTES = ['/chat', '/chat/stream', '/compact', '/health', '/ready', '/metrics', '/servers', '/tools', '/resources', '/resources/read', '/prompts', '/conversations'];
const CONVERSATION_PATH = /^\/conversations\/([^/]+)$/;

/** The route a path belongs to, with a bounded set of values (metrics labels). */
function routeLabel(pathname: string): string {
  if (ROUTES.includes(pathname)) return pathname;
  if (CONVERSATION_PATH.test(pathname)) return '/conversations/:id';
  return 'other';
}

/** Runs a turn within the cap on concurrent turns: one over it, or one while draining, is refused before it starts. */
async function withinCap(ctx: Ctx, endpoint: string, run: (turn: RunningTurn) => Promise<TurnOutcome>): Promise<void> {
  const { turns, metrics, opts } = ctx;
  if (turns.draining) {
    metrics.turnRefused('draining');
    throw new HttpError(503, 'this instance is shutting down and takes no new turns; send it again (nothing of it ran)', { 'Retry-After': '1', Connection: 'close' });
  }
  const max = opts.maxTurns ?? DEFAULT_MAX_TURNS;
  if (turns.running.size >= max) {
    metrics.turnRefused('capacity');
    throw new HttpError(429, `${max} turns are already running; try again shortly`, { 'Retry-After': '1' });
  }
  const turn: RunningTurn = { ac: new AbortController() };
  turns.running.add(turn);
  const ended = metrics.turnStarted(endpoint);
  const timeoutMs = opts.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS;
  const timer = setTimeout(() => {
    turn.stoppedBy ??= 'timeout';
    turn.ac.abort();
  }, timeoutMs);
  let outcome: TurnOutcome = 'failed';
  try {
    outcome = await run(turn);
  } catch (err) {
    outcome = err instanceof HttpError && err.status < 500 ? 'rejected' : (turn.stoppedBy ?? 'failed');
    throw err;
  } finally {
    clearTimeout(timer);
    ended(outcome);
    turns.remove(turn);
  }
}

/** What a client is told about a turn the server stopped. */
function stoppedMessage(turn: RunningTurn, opts: ApiServerOptions): string | undefined {
  if (turn.stoppedBy === 'timeout') return `the turn took longer than ${Math.round((opts.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS) / 1000)} s (serve --turn-timeout) and was stopped; what it had answered is saved`;
  if (turn.stoppedBy === 'shutdown') return 'this instance is shutting down and stopped the turn; what it had answered is saved';
  return undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Ctx, info: RequestInfo): Promise<void> {
  const { opts } = ctx;
  const identified = !!(opts.token || opts.keys);
  if (!identified) checkHost(req, opts);
  const origin = checkBrowser(req, res, opts);
  if (origin && req.method === 'OPTIONS') {
    // The preflight of an allowed origin's request; the credentials, if any, are checked on the real request.
    res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST, DELETE', 'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Request-Id', 'Access-Control-Max-Age': '600' });
    res.end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const pathname = url.pathname.replace(/\/+$/, '') || '/';
  const route = `${req.method ?? 'GET'} ${pathname}`;
  // For balancers and orchestrators, which probe without credentials; it says only ready or not, and why.
  if (route === 'GET /ready') return ready(res, ctx);
  if (route === 'GET /metrics' && opts.metricsPublic) return metrics(res, ctx);
  const who = await authenticate(req, opts);
  info.user = who.user;
  if (req.method === 'POST') checkJsonBody(req);
  switch (route) {
    case 'GET /health':
      return sendJson(res, 200, { status: 'ok', version, servers: summarize(opts.manager) });
    case 'GET /metrics':
      return metrics(res, ctx);
    case 'GET /servers':
      return sendJson(res, 200, publicServers(opts));
    case 'GET /tools':
      return sendJson(
        res,
        200,
        opts.toolbox.list().map((t) => ({ name: t.name, server: t.server ?? null, tool: t.tool, source: t.source, description: t.description, inputSchema: t.parameters, annotations: t.annotations })),
      );
    case 'GET /resources':
      return sendJson(res, 200, { resources: opts.manager.resources(), templates: opts.manager.resourceTemplates() });
    case 'GET /resources/read':
      return readResource(res, opts, url);
    case 'GET /prompts':
      return sendJson(res, 200, opts.manager.prompts());
    case 'GET /conversations':
      return listConversations(res, opts.store, who.owner, url, opts.logger);
    case 'POST /chat':
      return chat(req, res, ctx, false, who);
    case 'POST /chat/stream':
      return chat(req, res, ctx, true, who);
    case 'POST /compact': {
      const body = await readJson(req);
      return withinCap(ctx, 'compact', (turn) => compact(body, res, opts, who, turn));
    }
    default: {
      const m = CONVERSATION_PATH.exec(pathname);
      if (m) {
        let id: string;
        try {
          id = decodeURIComponent(m[1]);
        } catch {
          throw new HttpError(400, 'the conversation id in the path is not valid percent-encoding');
        }
        if (req.method === 'GET') return getConversation(res, opts.store, id, who.owner, opts.logger);
        if (req.method === 'DELETE') return deleteConversation(res, opts.store, id, who.owner, opts.logger);
        throw new HttpError(405, `method ${req.method} not allowed here (GET or DELETE)`);
      }
      if (ROUTES.includes(pathname)) throw new HttpError(405, `method ${req.method} not allowed here`);
      throw new HttpError(404, `no route ${pathname}`);
    }
  }
}

/** GET /ready: 200 while taking turns with a reachable store; 503 while draining or when the store cannot be reached. */
async function ready(res: ServerResponse, ctx: Ctx): Promise<void> {
  if (ctx.turns.draining) return sendJson(res, 503, { status: 'draining', error: 'this instance is shutting down' });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.opts.store.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_CHECK_MS} ms`)), READY_CHECK_MS);
      }),
    ]);
  } catch (err) {
    if (!ctx.storeDown.value) ctx.opts.logger.warn(`not ready: the conversation store cannot be reached: ${(err as Error).message}`);
    ctx.storeDown.value = true;
    return sendJson(res, 503, { status: 'unavailable', error: 'the conversation store cannot be reached' });
  } finally {
    clearTimeout(timer);
  }
  if (ctx.storeDown.value) ctx.opts.logger.info('ready again: the conversation store answers');
  ctx.storeDown.value = false;
  sendJson(res, 200, { status: 'ready' });
}

async function metrics(res: ServerResponse, ctx: Ctx): Promise<void> {
  const text = await ctx.metrics.text();
  res.writeHead(200, { 'Content-Type': ctx.metrics.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** GET /resources/read?server=S&uri=U: the server's `resources/read` result as is. */
async function readResource(res: ServerResponse, opts: ApiServerOptions, url: URL): Promise<void> {
  const server = url.searchParams.get('server');
  const uri = url.searchParams.get('uri');
  if (!server || !uri) throw new HttpError(400, 'pass the query parameters "server" and "uri"');
  if (!opts.manager.agent(server)) throw new HttpError(404, `no server named "${server}"`);
  try {
    sendJson(res, 200, await opts.manager.readResource(server, uri));
  } catch (err) {
    if (err instanceof McpServerError) throw new HttpError(err.kind === 'protocol' ? 502 : 503, err.message);
    throw err;
  }
}

async function chat(req: IncomingMessage, res: ServerResponse, ctx: Ctx, stream: boolean, who: Identity): Promise<void> {
  const body = await readJson(req);
  const chatReq = toChatRequest(body);
  if (who.owner !== undefined) chatReq.owner = who.owner;
  return withinCap(ctx, stream ? 'stream' : 'chat', (turn) => runChat(chatReq, res, ctx, stream, turn));
}

/** A refused request as HTTP: an unknown (or another user's) conversation is 404, an unreadable store 503. */
function requestError(err: ChatRequestError): HttpError {
  return new HttpError(err.kind === 'not-found' ? 404 : err.kind === 'unavailable' ? 503 : 400, err.message);
}

async function runChat(chatReq: ChatRequest, res: ServerResponse, ctx: Ctx, stream: boolean, turn: RunningTurn): Promise<TurnOutcome> {
  const { opts } = ctx;
  // The client going away (socket closed before we answered) cancels its run, and only its run.
  res.once('close', () => {
    if (res.writableFinished) return;
    turn.stoppedBy ??= 'disconnected';
    turn.ac.abort();
  });
  chatReq.signal = turn.ac.signal;
  let stopReason: TurnOutcome | undefined;
  const observe = (e: AgentEvent) => {
    ctx.metrics.event(e);
    if (e.type === 'done') stopReason = e.stopReason;
  };
  const outcome = () => turn.stoppedBy ?? stopReason ?? 'failed';

  if (!stream) {
    chatReq.onEvent = observe;
    try {
      const r = await opts.agent.chat(chatReq);
      if (turn.stoppedBy === 'disconnected') return outcome();
      const body = { reply: r.reply, tool_calls: r.tool_calls, usage: r.usage, totals: publicTotals(r.totals), conversation_id: r.conversation_id ?? null, ...(r.error ? { error: r.error } : {}), ...(r.context ? { context: publicContext(r.context) } : {}) };
      const stopped = stoppedMessage(turn, opts);
      // A stopped turn is an error with what was answered so far (and saved) beside it.
      if (stopped) sendJson(res, turn.stoppedBy === 'shutdown' ? 503 : 500, { ...body, error: stopped });
      else sendJson(res, 200, body);
    } catch (err) {
      if (err instanceof ChatRequestError) throw requestError(err);
      throw err;
    }
    return outcome();
  }

  // The stream opens with the first event, so a request the agent refuses before anything ran (an empty message
  // list, an unknown conversation_id) still gets a 400/404 like POST /chat.
  const open = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: ctx.turns.draining ? 'close' : 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
  };
  // Events that arrive together (a burst of deltas from one network read) leave in one write, not one syscall each.
  let corked = false;
  const send = (e: PublicEvent | undefined) => {
    if (!e || res.writableEnded || turn.stoppedBy === 'disconnected') return;
    open();
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(() => {
        corked = false;
        res.uncork();
      });
    }
    res.write(`data: ${JSON.stringify(e)}\n\n`);
  };
  chatReq.onEvent = (e) => {
    observe(e);
    // A turn the server stopped says why before its `done` (which carries the stored conversation's id).
    const stopped = e.type === 'done' ? stoppedMessage(turn, opts) : undefined;
    if (stopped) send({ type: 'error', message: stopped, kind: turn.stoppedBy });
    send(publicEvent(e));
  };
  try {
    await opts.agent.chat(chatReq);
  } catch (err) {
    if (err instanceof ChatRequestError && !res.headersSent) throw requestError(err);
    send({ type: 'error', message: err instanceof ChatRequestError ? err.message : 'internal error' });
    if (!(err instanceof ChatRequestError)) opts.logger.error(`stream failed: ${(err as Error).message}`);
  }
  res.end();
  return outcome();
}

/** POST /compact {"conversation_id"}: summarize the stored conversation for the model now (every message stays). */
async function compact(body: unknown, res: ServerResponse, opts: ApiServerOptions, who: Identity, turn: RunningTurn): Promise<TurnOutcome> {
  const id = isObject(body) ? body.conversation_id : undefined;
  if (typeof id !== 'string' || !id) throw new HttpError(400, 'the body must be {"conversation_id": "..."}');
  try {
    const { summarized } = await opts.agent.compact(id, turn.ac.signal, who.owner);
    const stopped = stoppedMessage(turn, opts);
    if (stopped) throw new HttpError(turn.stoppedBy === 'shutdown' ? 503 : 500, stopped);
    sendJson(res, 200, { conversation_id: id, summarized });
    return 'completed';
  } catch (err) {
    if (err instanceof ChatRequestError) throw requestError(err);
    const stopped = stoppedMessage(turn, opts);
    // Summarizing stopped by the turn timeout or the shutdown: say so rather than "internal error".
    if (stopped && !(err instanceof HttpError)) throw new HttpError(turn.stoppedBy === 'shutdown' ? 503 : 500, stopped);
    throw err;
  }
}

function toChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw new HttpError(400, 'the body must be a JSON object: {"messages": [{"role": "user", "content": "..."}]}');
  const { messages, conversation_id: conversationId, prompt } = body;
  if (conversationId !== undefined && conversationId !== null && typeof conversationId !== 'string') throw new HttpError(400, '"conversation_id" must be a string');
  if (prompt !== undefined) {
    if (typeof prompt !== 'string') throw new HttpError(400, '"prompt" must be a string');
    return { prompt, conversationId: conversationId ?? undefined };
  }
  if (!Array.isArray(messages)) throw new HttpError(400, '"messages" must be a list of {role, content}');
  for (const [i, m] of messages.entries()) {
    // A user message may also bring OpenAI's content parts (text and data: URL images); the agent checks them.
    if (!isObject(m) || typeof m.role !== 'string' || (typeof m.content !== 'string' && !(m.role === 'user' && Array.isArray(m.content)))) {
      throw new HttpError(400, `messages[${i}] must be {"role": string, "content": string} (a user message's content may be a list of text and image_url parts)`);
    }
  }
  return { messages: messages as Array<{ role: string; content: string | unknown[] }>, conversationId: conversationId ?? undefined };
}

/** The servers as GET /servers shows them: no stderr tail, and errors (which may quote URLs and headers) redacted. */
function publicServers(opts: ApiServerOptions): unknown[] {
  const known = opts.secrets?.() ?? [];
  return opts.manager.servers().map(({ stderrTail: _tail, ...s }) => ({ ...s, ...(s.lastError ? { lastError: redact(s.lastError, known) } : {}) }));
}

function summarize(manager: AgentManager): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of manager.servers()) out[s.state] = (out[s.state] ?? 0) + 1;
  return out;
}
