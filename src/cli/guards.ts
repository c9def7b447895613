/**
 * Who may ask the HTTP API (server.ts) anything: the credentials (a token or a user's key), the Host header against
 * DNS rebinding, and what a browser's request from another site may not do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { HttpError } from './http';
import type { KeyRing } from './keys';

/** What the guards need of the server's options. */
export interface GuardOptions {
  host: string;
  token?: string;
  keys?: KeyRing;
  allowOrigins?: string[];
}

/** The user a request is for; `owner` is what their conversations are stored under (unset without keys). */
export interface Identity {
  user?: string;
  owner?: string;
}

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

/** Who sent the request: the --token's user ("default") or a key's; 401 when credentials are required and wrong. */
export async function authenticate(req: IncomingMessage, opts: GuardOptions): Promise<Identity> {
  if (!opts.token && !opts.keys) return {};
  const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  if (opts.token && sameSecret(given, opts.token)) return { user: 'default', ...(opts.keys ? { owner: 'default' } : {}) };
  const user = given && opts.keys ? await opts.keys.userOf(given) : undefined;
  if (user !== undefined) return { user, owner: user };
  throw new HttpError(401, `a valid "Authorization: Bearer <${opts.keys ? 'key' : 'token'}>" header is required`);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only the bound address or localhost may be named in Host: a rebound DNS name pointing here is refused. */
export function checkHost(req: IncomingMessage, opts: GuardOptions): void {
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
export function checkBrowser(req: IncomingMessage, res: ServerResponse, opts: GuardOptions): string | undefined {
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
export function checkJsonBody(req: IncomingMessage): void {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, `the body must be sent as JSON with "Content-Type: application/json"${type ? ` (got "${type.slice(0, 100)}")` : ''}`);
}
