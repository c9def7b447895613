/**
 * The original system's HTTP API on node:http: POST /chat, POST /chat/stream (SSE), GET /health, /servers, /tools;
 * and GET /resources, /resources/read?server=S&uri=U, /prompts.
 * Loopback by default; a token is required to bind anywhere else; the Host header is checked against DNS
 * rebinding; a client that goes away cancels its own run and nothing else.
 * A browser's cross-site request is refused before anything runs: POST bodies must be application/json (which a web
 * page cannot send cross-site without a CORS preflight), an Origin not explicitly allowed is 403, and so is
 * Sec-Fetch-Site: cross-site. curl sends neither header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { ChatRequestError, type Agent, type ChatRequest } from '../core/agent/Agent';
import { publicContext, publicEvent, publicTotals, type PublicEvent } from '../core/agent/publicEvents';
import type { Toolbox } from '../core/agent/toolbox';
import type { AgentManager } from '../core/mcp/AgentManager';
import { isObject } from '../core/mcp/serverConfig';
import type { Logger } from '../core/ports';
import { McpServerError } from '../core/mcp/errors';
import { redact } from '../core/util/redact';
import { version } from './version';

/** Room for a few images as data: URLs (each at most 5 MB before base64). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** How long a client may take to send its request headers, and then its body. */
export const HEADERS_TIMEOUT_MS = 15_000;
export const BODY_TIMEOUT_MS = 30_000;

export interface ApiServerOptions {
  host: string;
  port: number;
  token?: string;
  agent: Agent;
  manager: AgentManager;
  toolbox: Toolbox;
  logger: Logger;
  /** Origins (scheme://host[:port]) whose browser requests are served, with CORS headers; no other Origin is. */
  allowOrigins?: string[];
  /** Secret values to remove from what is answered (server errors): the API key, the token. */
  secrets?: () => string[];
  /** Turns (chat, stream, compact) that may run at once; more get 429 with Retry-After. Default DEFAULT_MAX_TURNS. */
  maxTurns?: number;
}

export const DEFAULT_MAX_TURNS = 32;

/** `scheme://host[:port]` as browsers send it in Origin, or undefined when `value` is not such an origin. */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (!/^https?:$/.test(u.protocol) || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function startApiServer(opts: ApiServerOptions): Promise<Server> {
  const turns = { active: 0 };
  const server = createServer((req, res) => {
    handle(req, res, opts, turns).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) opts.logger.error(`request failed: ${(err as Error).message}`);
      if (res.headersSent) res.end();
      else if (status === 429) {
        res.setHeader('Retry-After', '1');
        sendJson(res, status, { error: (err as Error).message });
      } else if ([401, 403, 413, 415].includes(status)) sendBeforeBody(req, res, status, { error: (err as Error).message });
      else sendJson(res, status, { error: status === 500 ? 'internal error' : (err as Error).message });
    });
  });
  // Streams can be long; do not let Node's default request timeout cut them. The body has its own timer (readJson);
  // a client that trickles its headers is cut off after HEADERS_TIMEOUT_MS.
  server.requestTimeout = 0;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

interface TurnCount {
  active: number;
}

/** Runs a turn within the cap on concurrent turns: one over it is refused (429) before it starts. */
async function withinCap<T>(turns: TurnCount, opts: ApiServerOptions, run: () => Promise<T>): Promise<T> {
  const max = opts.maxTurns ?? DEFAULT_MAX_TURNS;
  if (turns.active >= max) throw new HttpError(429, `${max} turns are already running; try again shortly`);
  turns.active++;
  try {
    return await run();
  } finally {
    turns.active--;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ApiServerOptions, turns: TurnCount): Promise<void> {
  checkHost(req, opts);
  const origin = checkBrowser(req, res, opts);
  if (origin && req.method === 'OPTIONS') {
    // The preflight of an allowed origin's JSON POST; the token, if any, is checked on the real request.
    res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Content-Type, Authorization', 'Access-Control-Max-Age': '600' });
    res.end();
    return;
  }
  checkToken(req, opts.token);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '') || '/'}`;
  if (req.method === 'POST') checkJsonBody(req);
  switch (route) {
    case 'GET /health':
      return sendJson(res, 200, { status: 'ok', version, servers: summarize(opts.manager) });
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
    case 'POST /chat':
      return chat(req, res, opts, false, turns);
    case 'POST /chat/stream':
      return chat(req, res, opts, true, turns);
    case 'POST /compact': {
      const body = await readJson(req);
      return withinCap(turns, opts, () => compact(body, res, opts));
    }
    default:
      if (['/chat', '/chat/stream', '/compact', '/health', '/servers', '/tools', '/resources', '/resources/read', '/prompts'].includes(url.pathname)) throw new HttpError(405, `method ${req.method} not allowed here`);
      throw new HttpError(404, `no route ${url.pathname}`);
  }
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

async function chat(req: IncomingMessage, res: ServerResponse, opts: ApiServerOptions, stream: boolean, turns: TurnCount): Promise<void> {
  const body = await readJson(req);
  const chatReq = toChatRequest(body);
  return withinCap(turns, opts, () => runChat(chatReq, res, opts, stream));
}

async function runChat(chatReq: ChatRequest, res: ServerResponse, opts: ApiServerOptions, stream: boolean): Promise<void> {
  // The client going away (socket closed before we answered) cancels its run, and only its run.
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  chatReq.signal = ac.signal;

  if (!stream) {
    try {
      const r = await opts.agent.chat(chatReq);
      if (ac.signal.aborted) return;
      sendJson(res, 200, { reply: r.reply, tool_calls: r.tool_calls, usage: r.usage, totals: publicTotals(r.totals), conversation_id: r.conversation_id ?? null, ...(r.error ? { error: r.error } : {}), ...(r.context ? { context: publicContext(r.context) } : {}) });
    } catch (err) {
      if (err instanceof ChatRequestError) throw new HttpError(400, err.message);
      throw err;
    }
    return;
  }

  // The stream opens with the first event, so a request the agent refuses before anything ran (an empty message
  // list, an unknown conversation_id) still gets a 400 like POST /chat.
  const open = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
  };
  // Events that arrive together (a burst of deltas from one network read) leave in one write, not one syscall each.
  let corked = false;
  const send = (e: PublicEvent | undefined) => {
    if (!e || res.writableEnded || ac.signal.aborted) return;
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
  chatReq.onEvent = (e) => send(publicEvent(e));
  try {
    await opts.agent.chat(chatReq);
  } catch (err) {
    if (err instanceof ChatRequestError && !res.headersSent) throw new HttpError(400, err.message);
    send({ type: 'error', message: err instanceof ChatRequestError ? err.message : 'internal error' });
    if (!(err instanceof ChatRequestError)) opts.logger.error(`stream failed: ${(err as Error).message}`);
  }
  res.end();
}

/** POST /compact {"conversation_id"}: summarize the stored conversation for the model now (every message stays). */
async function compact(body: unknown, res: ServerResponse, opts: ApiServerOptions): Promise<void> {
  const id = isObject(body) ? body.conversation_id : undefined;
  if (typeof id !== 'string' || !id) throw new HttpError(400, 'the body must be {"conversation_id": "..."}');
  try {
    const { summarized } = await opts.agent.compact(id);
    sendJson(res, 200, { conversation_id: id, summarized });
  } catch (err) {
    if (err instanceof ChatRequestError) throw new HttpError(/cannot be loaded/.test(err.message) ? 404 : 400, err.message);
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

async function readJson(req: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  let timer: NodeJS.Timeout | undefined;
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A body that does not arrive in time closes the connection: nothing waits on a client that trickles.
    timer = setTimeout(() => {
      reject(new HttpError(408, `the body did not arrive within ${BODY_TIMEOUT_MS / 1000} s`));
      req.socket.destroy();
    }, BODY_TIMEOUT_MS);
    timer.unref();
    // Past the limit the rest is read and dropped (not the stream destroyed), so the 413 can still be answered.
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  }).finally(() => clearTimeout(timer));
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `invalid JSON: ${(err as Error).message}`);
  }
}

/** How long an answer sent before the request body arrived waits for the rest of it before the connection closes. */
const LINGER_MS = 5000;

/**
 * Answers a request whose body is still arriving (413). Closing the connection right after the answer would reset
 * it while the client is still sending, and the client may then see ECONNRESET/EPIPE instead of the 413; so the rest
 * of the body is read and dropped, for a while, before the response ends and the connection closes.
 */
function sendBeforeBody(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.write(text);
  if (req.complete || req.destroyed) {
    res.end();
    return;
  }
  const finish = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, LINGER_MS);
  timer.unref();
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}

/** Only the bound address or localhost may be named in Host: a rebound DNS name pointing here is refused. */
function checkHost(req: IncomingMessage, opts: ApiServerOptions): void {
  const host = req.headers.host;
  if (!host) throw new HttpError(403, 'a Host header is required');
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  const bound = opts.host.replace(/^\[|\]$/g, '').toLowerCase();
  const ok = name === bound || isLoopback(name) || ((bound === '0.0.0.0' || bound === '::') && isIP(name) !== 0);
  if (!ok) throw new HttpError(403, `Host "${host}" is not allowed`);
}

/**
 * Browsers name the page that sent a request: Origin on every POST (and on cross-origin GETs), Sec-Fetch-Site on
 * everything in current browsers. An origin given with --allow-origin is served, with CORS headers; any other
 * Origin (including "null", from sandboxed frames and file: pages) and any cross-site fetch is refused before the
 * body is read. Returns the allowed origin, if the request came from one.
 */
function checkBrowser(req: IncomingMessage, res: ServerResponse, opts: ApiServerOptions): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const normalized = normalizeOrigin(origin);
    if (!normalized || !(opts.allowOrigins ?? []).includes(normalized)) {
      throw new HttpError(403, `requests from the web page at origin "${origin.slice(0, 200)}" are not allowed (start serve with --allow-origin ORIGIN to allow it)`);
    }
    res.setHeader('Access-Control-Allow-Origin', normalized);
    res.setHeader('Vary', 'Origin');
    return normalized;
  }
  if (String(req.headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') throw new HttpError(403, 'cross-site requests from web pages are not allowed');
  return undefined;
}

/** A POST body must be declared JSON: text/plain, form and multipart bodies are what a web page can send unasked. */
function checkJsonBody(req: IncomingMessage): void {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, `the body must be sent as JSON with "Content-Type: application/json"${type ? ` (got "${type.slice(0, 100)}")` : ''}`);
}

/** The servers as GET /servers shows them: no stderr tail, and errors (which may quote URLs and headers) redacted. */
function publicServers(opts: ApiServerOptions): unknown[] {
  const known = opts.secrets?.() ?? [];
  return opts.manager.servers().map(({ stderrTail: _tail, ...s }) => ({ ...s, ...(s.lastError ? { lastError: redact(s.lastError, known) } : {}) }));
}

function checkToken(req: IncomingMessage, token?: string): void {
  if (!token) return;
  const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(401, 'a valid "Authorization: Bearer <token>" header is required');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function summarize(manager: AgentManager): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of manager.servers()) out[s.state] = (out[s.state] ?? 0) + 1;
  return out;
}
