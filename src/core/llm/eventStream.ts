/**
 * The streamed chat request on Node's own `http`: one POST, its Server-Sent Events parsed by `eventsource-parser`.
 *
 * Why not the SDK's `chat.completions.create({ stream: true })`: measured on the scripted server, one streamed request
 * through it costs about 2.4 ms of CPU (undici's fetch, WHATWG streams, the SDK's own line decoder), against 0.6 ms
 * here, and an agent turn makes at least two. What the SDK gives the rest of the code is kept: its error classes
 * (`APIError.generate`, `APIConnectionError`, ...) are what this throws, so retries and error messages read them as
 * before, and embeddings still go through the SDK. Plain `http.request` also goes through the proxy support VS Code
 * installs on Node's `http` and `https` modules.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { LlmError } from './types.js';

export interface EventStreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
  /** How long to wait for the response headers. */
  headersTimeoutMs: number;
  /** The agent for a request to `url` (a proxy's); undefined: Node's default agent. */
  agentFor?: (url: URL) => http.Agent | undefined;
  /** Limits on what the server may send (defaults: MAX_EVENT_CHARS, MAX_ANSWER_CHARS). */
  limits?: { eventChars?: number; answerChars?: number };
}

/** Redirects followed (307 and 308 only: those keep the method and body, as fetch does; to another origin, without the key). */
const MAX_REDIRECTS = 5;
/** An error response's body is read up to this much, for its message. */
const MAX_ERROR_BODY = 1 << 20;
/**
 * One event (a chunk), or an answer sent as one JSON document, past this many characters is refused: both are held in
 * memory whole and parsed at once, and a real chunk is a few hundred bytes. Without a limit a broken or hostile
 * server could send one endless line and take the process's memory.
 */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;
/**
 * A streamed answer past this many characters is stopped. Generous: every token costs an event of about 200 bytes, so
 * 100,000 tokens of reasoning and answer are about 20 MB of events.
 */
export const MAX_ANSWER_CHARS = 256 * 1024 * 1024;

const MIB = 1024 * 1024;

function tooLarge(url: URL, what: string, limit: number): LlmError {
  const size = limit >= MIB ? `${Math.round(limit / MIB)} MiB` : `${limit} characters`;
  return new LlmError(`The model server at ${url.origin} sent ${what} over ${size}, so the answer was stopped. A chat endpoint does not send that much; check the base URL.`, 'server');
}

/**
 * Sends the request and returns its chunks once the response headers say 2xx. Throws the SDK's errors: an
 * `APIError` subclass for an HTTP error status (with the server's JSON error and headers, so `Retry-After` is read),
 * `APIConnectionError` when the server cannot be reached, `APIConnectionTimeoutError` when the headers take too long.
 * A connection that breaks mid-stream throws Node's own error (`ECONNRESET`), an `error` payload inside the stream an
 * `APIError` without status, a chunk that is not JSON a `SyntaxError`.
 */
export async function openEventStream(request: EventStreamRequest): Promise<AsyncIterable<ChatCompletionChunk>> {
  let url = new URL(request.url);
  let sent = request;
  for (let hops = 0; ; hops++) {
    const res = await send(url, sent);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ((status === 307 || status === 308) && location && hops < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(location, url);
      // As fetch does: credentials meant for one origin are not handed to another.
      if (next.origin !== url.origin) sent = { ...sent, headers: withoutCredentials(sent.headers) };
      url = next;
      continue;
    }
    if (status < 200 || status >= 300) throw await statusError(res, status);
    // Some servers and proxies ignore `stream: true` and send the whole completion as JSON: read it as one chunk
    // rather than as an event stream with no events in it (an empty answer, silently).
    const limits = { url, eventChars: request.limits?.eventChars ?? MAX_EVENT_CHARS, answerChars: request.limits?.answerChars ?? MAX_ANSWER_CHARS };
    if (/^\s*application\/json\s*(;|$)/i.test(String(res.headers['content-type'] ?? ''))) return wholeAnswer(decoded(res), res, limits);
    return chunks(decoded(res), res, limits);
  }
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'openai-organization', 'openai-project']);

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}

function send(url: URL, request: EventStreamRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    let settled = false;
    const agent = request.agentFor?.(url);
    const req = transport.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
      ...(agent ? { agent } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const timer = setTimeout(() => fail(new APIConnectionTimeoutError()), request.headersTimeoutMs);
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    }
    req.on('response', (res) => {
      settled = true;
      clearTimeout(timer);
      resolve(res);
    });
    // An abort surfaces as an AbortError here; the provider reads its own signal to tell cancellation apart.
    req.on('error', (err) => fail(err.name === 'AbortError' ? err : new APIConnectionError({ cause: err })));
    req.end(request.body);
  });
}

/** The body, unpacked if a server compressed it even though we did not ask it to. */
function decoded(res: http.IncomingMessage): Readable {
  const unpack = (z: Readable & NodeJS.WritableStream): Readable => {
    // pipe() does not pass errors on: a connection that breaks (or is aborted) must end the reader too.
    res.once('error', (err) => z.destroy(err));
    return res.pipe(z);
  };
  switch (res.headers['content-encoding']?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return unpack(zlib.createGunzip());
    case 'deflate':
      return unpack(zlib.createInflate());
    case 'br':
      return unpack(zlib.createBrotliDecompress());
    default:
      return res;
  }
}

async function statusError(res: http.IncomingMessage, status: number): Promise<APIError> {
  let text = '';
  try {
    const body = decoded(res);
    body.setEncoding('utf8');
    for await (const piece of body) {
      text += piece as string;
      if (text.length > MAX_ERROR_BODY) {
        res.destroy();
        break;
      }
    }
  } catch {
    // The status says enough; a body cut short only loses the server's wording.
  }
  const json = parseJson(text);
  // As the SDK does: the parsed body when it is JSON (its `error` becomes the error's detail), else the text.
  return APIError.generate(status, json, json === undefined ? text.trim() || undefined : undefined, toHeaders(res.headers));
}

/** The chunks of `data:` events up to `[DONE]`; the body is still read to its end, so the connection can be reused. */
interface Limits {
  url: URL;
  eventChars: number;
  answerChars: number;
}

async function* chunks(body: Readable, res: http.IncomingMessage, limits: Limits): AsyncGenerator<ChatCompletionChunk> {
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => void ready.push(event) });
  let done = false;
  let headers: Headers | undefined;
  // Characters read in all, and since the last whole event (about what the parser is holding).
  let total = 0;
  let pending = 0;
  body.setEncoding('utf8');
  try {
    for await (const piece of body) {
      total += (piece as string).length;
      pending += (piece as string).length;
      if (pending > limits.eventChars) throw tooLarge(limits.url, 'one event', limits.eventChars);
      if (total > limits.answerChars) throw tooLarge(limits.url, 'an answer', limits.answerChars);
      parser.feed(piece as string);
      if (ready.length) pending = 0;
      for (const event of ready.splice(0)) {
        if (done) continue;
        if (event.data.startsWith('[DONE]')) {
          done = true;
          continue;
        }
        const data = JSON.parse(event.data) as ChatCompletionChunk & { error?: unknown };
        if (event.event === 'error' || (data && data.error)) {
          throw new APIError(undefined, data?.error ?? data, undefined, (headers ??= toHeaders(res.headers)));
        }
        yield data;
      }
    }
  } finally {
    // A caller that stops early, or an error above, leaves the body unread: end it rather than leave it open.
    if (!res.complete) res.destroy();
  }
}

/** A non-streamed `chat.completion` as the one chunk that carries all of it. */
async function* wholeAnswer(body: Readable, res: http.IncomingMessage, limits: Limits): AsyncGenerator<ChatCompletionChunk> {
  let text = '';
  body.setEncoding('utf8');
  try {
    for await (const piece of body) {
      text += piece as string;
      if (text.length > limits.eventChars) throw tooLarge(limits.url, 'an answer as one JSON document', limits.eventChars);
    }
  } finally {
    if (!res.complete) res.destroy();
  }
  const data = JSON.parse(text) as { error?: unknown; id?: string; created?: number; model?: string; usage?: ChatCompletionChunk['usage']; choices?: Array<{ message?: Record<string, unknown>; finish_reason?: string | null }> };
  if (data?.error) throw new APIError(undefined, data.error, undefined, toHeaders(res.headers));
  const choice = data?.choices?.[0];
  const message = choice?.message ?? {};
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Array<Record<string, unknown>>) : [];
  const delta = {
    ...message,
    role: 'assistant',
    ...(calls.length ? { tool_calls: calls.map((call, index) => ({ index, ...call })) } : { tool_calls: undefined }),
  } as unknown as ChatCompletionChunk.Choice.Delta;
  yield {
    id: data?.id ?? '',
    object: 'chat.completion.chunk',
    created: data?.created ?? 0,
    model: data?.model ?? '',
    choices: [{ index: 0, delta, finish_reason: (choice?.finish_reason ?? (calls.length ? 'tool_calls' : 'stop')) as ChatCompletionChunk.Choice['finish_reason'] }],
    usage: data?.usage ?? null,
  };
}

/** The body as a JSON object; anything else (HTML from a proxy, plain text) is kept as the message instead. */
function parseJson(text: string): object | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}
