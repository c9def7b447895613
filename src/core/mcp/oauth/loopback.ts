/**
 * The loopback half of a browser sign-in (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 that takes exactly one
 * redirect, a GET of the redirect path carrying the state of our own request, and turns anything else away. The
 * CLI and the extension differ only in the words they show, which they pass in.
 */
import { createServer, type Server } from 'node:http';
import { parseAuthorizationRedirect, type AuthorizationResponse } from './types';

export interface LoopbackTexts {
  /** Title and text of the page the browser shows after a good redirect. */
  signedIn: { title: string; text: string };
  /** Title of the page shown when the redirect carries an error. */
  failed: string;
  timedOut: (timeoutMs: number) => string;
  portInUse: (port: number) => string;
}

export interface LoopbackListener {
  /** Settles with the redirect's code and state, or rejects (an error redirect, the timeout). */
  result: Promise<AuthorizationResponse>;
  close(): Promise<void>;
}

export async function listenForRedirect(redirect: URL, expectedState: string | undefined, timeoutMs: number, texts: LoopbackTexts): Promise<LoopbackListener> {
  if (redirect.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(redirect.hostname)) {
    throw new Error(`the redirect URI ${redirect.href} is not a loopback http URL`);
  }
  let settle!: (r: AuthorizationResponse | Error) => void;
  const result = new Promise<AuthorizationResponse>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(texts.timedOut(timeoutMs))), timeoutMs);
    timer.unref();
    settle = (r) => {
      clearTimeout(timer);
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
  });
  // Callers may race this against a cancel: a later timeout must not surface as an unhandled rejection.
  result.catch(() => undefined);
  const server: Server = createServer((req, res) => {
    const got = new URL(req.url ?? '/', redirect);
    if (req.method !== 'GET' || got.pathname !== redirect.pathname) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    // Only the redirect of our own request counts; anything else (another page probing the port) is turned away.
    if (expectedState !== undefined && got.searchParams.get('state') !== expectedState) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Unexpected sign-in response');
      return;
    }
    try {
      const r = parseAuthorizationRedirect(got);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page(texts.signedIn.title, texts.signedIn.text));
      settle(r);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page(texts.failed, message));
      settle(new Error(message));
    }
  });
  const port = Number(redirect.port || 80);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new Error(texts.portInUse(port)) : err));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    result,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function page(title: string, text: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><body style="font-family:sans-serif;margin:3em"><h1>${esc(title)}</h1><p>${esc(text)}</p></body>`;
}
