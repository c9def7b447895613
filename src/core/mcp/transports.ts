/**
 * Transport construction for one server: stdio (a child process), Streamable HTTP, or legacy HTTP+SSE, with the
 * definition's headers and OAuth (step-up) where configured.
 */
import type { Readable } from 'node:stream';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { StepUpSSEClientTransport, StepUpStreamableHTTPClientTransport } from './oauth/transports';
import type { ServerAuth } from './oauth/types';
import type { ServerDefinition, TransportKind } from './serverConfig';

export interface TransportOptions {
  /** Largest stdio message accepted before the transport errors and closes (SDK default 10 MiB). */
  maxMessageBytes?: number;
  /** The stdio server's stderr, as it arrives. */
  onStderr?: (chunk: string) => void;
  /** OAuth: the SDK's authProvider; once connected, a refused request is re-authorized and sent again. */
  stepUp?: { auth: ServerAuth; enabled: () => boolean };
}

export function makeTransport(def: ServerDefinition, kind: TransportKind, opts: TransportOptions = {}): Transport {
  if (kind === 'stdio') {
    // No shell of ours: the SDK spawns with cross-spawn, which on Windows starts `.cmd` shims (npx, uvx) through
    // cmd.exe itself with every argument quoted and its metacharacters escaped for cmd.exe.
    const transport = new StdioClientTransport({
      command: def.command ?? '',
      args: def.args,
      // The SDK's safe set (PATH, HOME, ...) and the entry's own env; never the agent's keys.
      env: { ...getDefaultEnvironment(), ...def.env },
      cwd: def.cwd,
      stderr: 'pipe',
      maxBufferSize: opts.maxMessageBytes,
    });
    const stderr = transport.stderr as Readable | null;
    stderr?.setEncoding('utf8');
    stderr?.on('data', (chunk: string) => opts.onStderr?.(chunk));
    return transport;
  }
  const url = new URL(def.url ?? '');
  const requestInit: RequestInit = { headers: def.headers };
  const stepUp = opts.stepUp;
  const fetch = guardedFetch(Object.keys(def.headers), opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  if (kind === 'sse') {
    const sseOptions = {
      requestInit,
      fetch,
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
  return stepUp ? new StepUpStreamableHTTPClientTransport(url, { requestInit, fetch }, stepUp) : new StreamableHTTPClientTransport(url, { requestInit, fetch });
}

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * The fetch the HTTP and SSE transports use:
 * - a response body (or, in an event stream, one event) over `maxBytes` fails the request with a clear error instead
 *   of being read into memory, like the stdio transport's limit;
 * - redirects are followed here, and one to another origin is sent without the definition's headers and without
 *   Authorization or Cookie.
 */
export function guardedFetch(customHeaders: string[], maxBytes: number): (url: string | URL, init?: RequestInit) => Promise<Response> {
  const strip = new Set([...customHeaders.map((h) => h.toLowerCase()), 'authorization', 'cookie', 'proxy-authorization']);
  return async (input, init = {}) => {
    let url = new URL(input);
    const origin = url.origin;
    let req: RequestInit = { ...init, redirect: 'manual' };
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, req);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location || init.redirect === 'manual' || init.redirect === 'error') return capBody(res, maxBytes);
      if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${origin}`);
      await res.body?.cancel().catch(() => undefined);
      url = new URL(location, url);
      const headers = new Headers(req.headers);
      if (url.origin !== origin) for (const h of strip) headers.delete(h);
      const keepsBody = res.status === 307 || res.status === 308;
      req = { ...req, headers, ...(keepsBody ? {} : { method: req.method === 'HEAD' ? 'HEAD' : 'GET', body: undefined }) };
    }
  };
}

/** The response with its body counted as it streams: past the limit the stream errors (per event for SSE). */
function capBody(res: Response, maxBytes: number): Response {
  if (!res.body || [101, 204, 205, 304].includes(res.status)) return res;
  const sse = (res.headers.get('content-type') ?? '').includes('text/event-stream');
  let count = 0;
  const tooLarge = () => new Error(`the server sent a ${sse ? 'message' : 'response'} larger than the ${Math.round((maxBytes / (1024 * 1024)) * 10) / 10} MiB limit`);
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (sse) {
          // An event ends at a blank line: count only the bytes since the last one.
          const text = Buffer.from(chunk).toString('latin1');
          const end = Math.max(text.lastIndexOf('\n\n'), text.lastIndexOf('\r\n\r\n'));
          count = end >= 0 ? chunk.byteLength - end : count + chunk.byteLength;
        } else count += chunk.byteLength;
        if (count > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Sign-ins (browser steps) one connection attempt may go through before it gives up. */
const MAX_SIGN_INS = 3;

/** After the SDK refused with UnauthorizedError: the browser step, then the code exchanged on that transport. */
export function signInStep(auth: ServerAuth | undefined): (err: unknown, transport: Transport) => Promise<boolean> {
  let signIns = 0;
  return async (err, transport) => {
    if (!auth || !(err instanceof UnauthorizedError)) return false;
    if (!(transport instanceof StreamableHTTPClientTransport || transport instanceof SSEClientTransport)) return false;
    if (signIns >= MAX_SIGN_INS) throw new Error(`still not authorized after ${MAX_SIGN_INS} sign-ins`);
    signIns++;
    const code = await auth.completeAuthorization();
    if (code === undefined) return false;
    await transport.finishAuth(code);
    return true;
  };
}

/**
 * The same ServerAuth, with every access and refresh token its provider hands out or saves added to `into`, so the
 * runtime can redact them (knownSecrets) wherever they would be shown or stored.
 */
export function recordingTokens(auth: ServerAuth, into: Set<string>): ServerAuth {
  const note = (t: unknown): void => {
    const tokens = t as { access_token?: unknown; refresh_token?: unknown } | undefined;
    for (const v of [tokens?.access_token, tokens?.refresh_token]) if (typeof v === 'string' && v.length >= 8) into.add(v);
  };
  const provider = new Proxy(auth.provider, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (prop === 'tokens') {
        return (...a: unknown[]) => {
          const r = fn.apply(target, a);
          if (r instanceof Promise) return (r as Promise<unknown>).then((t) => (note(t), t));
          note(r);
          return r;
        };
      }
      if (prop === 'saveTokens') return (...a: unknown[]) => (note(a[0]), fn.apply(target, a));
      return fn.bind(target);
    },
  });
  return { ...auth, provider, completeAuthorization: () => auth.completeAuthorization() };
}
