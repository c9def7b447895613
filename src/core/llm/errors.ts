/** Turns whatever the SDK or the network threw into an LlmError a person can act on, without leaking the key. */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { isContextLengthError } from '../context/window.js';
import { LlmError } from './types.js';

export interface ErrorContext {
  baseUrl: string;
  /** The chat or embedding model the request named. */
  model: string;
  what: 'chat' | 'embeddings';
  apiKey?: string;
  /** Retries already spent, for the message. */
  retries?: number;
  /** Set when the server asked for a longer wait than we are willing to make. */
  retryAfterMs?: number;
}

/** A started stream that went silent for too long; retryable like a broken connection. */
export class StreamIdleError extends Error {
  constructor(readonly idleMs: number) {
    super(`no data for ${Math.round(idleMs / 1000)} s`);
    this.name = 'StreamIdleError';
  }
}

export function cancelledError(): LlmError {
  return new LlmError('The request was cancelled.', 'cancelled');
}

export function toLlmError(err: unknown, ctx: ErrorContext): LlmError {
  if (err instanceof LlmError) return err;
  const host = hostOf(ctx.baseUrl);
  const clean = (s: string): string => redactSecrets(s, ctx.apiKey);

  if (err instanceof APIUserAbortError) return cancelledError();
  if (err instanceof StreamIdleError) return new LlmError(`${ctx.baseUrl} sent nothing for ${Math.round(err.idleMs / 1000)} s, so the stream was given up.`, 'network');
  if (err instanceof APIConnectionTimeoutError) return new LlmError(`Timed out waiting for ${ctx.baseUrl} to answer.`, 'network');
  if (err instanceof APIConnectionError) {
    return new LlmError(clean(`Cannot reach ${ctx.baseUrl}: ${describeCause(err)}. Check the base URL and that the server is running.`), 'network');
  }
  const apiErr = asApiError(err);
  if (apiErr) {
    const status = apiErr.status;
    const detail = clean(serverMessage(apiErr));
    const tried = ctx.retries ? ` after ${ctx.retries} ${ctx.retries === 1 ? 'retry' : 'retries'}` : '';
    if (status === undefined) return new LlmError(`${host} reported an error mid-stream: ${detail}`, 'server');
    if (status === 401) {
      // The server's own 401 text may quote part of the key, so it is left out.
      const hint = ctx.apiKey === undefined ? 'No API key is set and the endpoint requires one' : 'The API key was rejected';
      return new LlmError(`${hint} (401 from ${host}). Set OPENAI_API_KEY (or llm.apiKey in the config) to a valid key.`, 'auth', status);
    }
    if (status === 403) {
      return new LlmError(`Access denied by ${host} (403): ${detail} Check that the API key may use model "${ctx.model}".`, 'auth', status);
    }
    if (status === 404 || apiErr.code === 'model_not_found') {
      const what = ctx.what === 'chat' ? 'Model' : 'Embedding model';
      return new LlmError(
        `${what} "${ctx.model}" is not available at ${ctx.baseUrl} (${status}: ${detail}) Check the model name and that the base URL is right (it usually ends in /v1).`,
        'model',
        status,
      );
    }
    if (status === 429) {
      if (apiErr.code === 'insufficient_quota') return new LlmError(`The API key's quota is used up (429 from ${host}): ${detail}`, 'rate-limit', status);
      const wait = ctx.retryAfterMs !== undefined ? ` It asks to wait ${Math.ceil(ctx.retryAfterMs / 1000)} s before retrying.` : '';
      return new LlmError(`Rate limited by ${host} (429)${tried}: ${detail}${wait}`, 'rate-limit', status);
    }
    if (status >= 500) return new LlmError(`${host} failed with ${status}${tried}: ${detail}`, 'server', status);
    // Too long for the model, in any vendor's wording: the agent learns the window and retries smaller.
    if (apiErr.code === 'context_length_exceeded' || isContextLengthError(detail, status)) {
      return new LlmError(`The request is longer than ${ctx.model} takes (${status} from ${host}): ${detail}`, 'context-length', status);
    }
    return new LlmError(`${host} rejected the request (${status}): ${detail}`, 'bad-request', status);
  }
  if (err instanceof SyntaxError) {
    return new LlmError(`${host} sent a malformed stream chunk (not valid JSON), so the answer could not be read.`, 'stream');
  }
  if (err instanceof Error && isBrokenConnection(err)) {
    return new LlmError(clean(`The connection to ${host} broke before the answer was complete: ${describeCause(err)}.`), 'network');
  }
  if (err instanceof Error) return new LlmError(clean(`Request to ${host} failed: ${err.message}`), 'network');
  return new LlmError(clean(`Request to ${host} failed: ${String(err)}`), 'network');
}

/** The error the loop gets when the answer stopped after part of it had already been shown. */
export function cutOffError(cause: LlmError): LlmError {
  const reason = cause.message.replace(/\.$/, '');
  return new LlmError(`The answer was cut off: ${reason}.`, 'stream', cause.status);
}

/** Undici's "terminated" TypeError and socket errors: a body that stopped mid-way. */
export function isBrokenConnection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof StreamIdleError) return true;
  if (err instanceof TypeError && (err.message === 'terminated' || err.message === 'fetch failed')) return true;
  const code = causeCode(err);
  return code !== undefined && /^(ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_SOCKET|UND_ERR_BODY_TIMEOUT|UND_ERR_HEADERS_TIMEOUT)$/.test(code);
}

/** The deepest `code` on the cause chain (ECONNREFUSED, UND_ERR_SOCKET, ...). */
export function causeCode(err: unknown): string | undefined {
  let code: string | undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const c = (e as NodeJS.ErrnoException).code;
    if (typeof c === 'string') code = c;
  }
  return code;
}

/** The innermost readable reason, e.g. `connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)`. */
function describeCause(err: Error): string {
  let inner: Error = err;
  for (let depth = 0; inner.cause instanceof Error && depth < 5; depth++) inner = inner.cause;
  const code = causeCode(err);
  const message = inner.message || err.message;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function serverMessage(err: APIError): string {
  const body = err.error;
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' && body.message !== '') {
    return /[.!?]$/.test(body.message) ? body.message : `${body.message}.`;
  }
  // The SDK prefixes the status ("429 ..."); it is in our own message already.
  return err.message.replace(/^\d{3}\s*/, '') || 'no details.';
}

/** `instanceof` alone types the SDK's generic error with `any` parameters. */
export function asApiError(err: unknown): APIError | undefined {
  return err instanceof APIError ? (err as APIError) : undefined;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** Removes the configured key and anything shaped like an OpenAI key from text meant for people or logs. */
export function redactSecrets(text: string, apiKey?: string): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('***');
  return out.replace(/\b(sk|rk)-[A-Za-z0-9_*-]{6,}/g, '$1-***');
}
