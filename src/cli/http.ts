/** Small pieces of the HTTP API (server.ts): errors with a status, JSON bodies in and out. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Room for a few images as data: URLs (each at most 5 MB before base64). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** How long a client may take to send its request headers, and then its body. */
export const HEADERS_TIMEOUT_MS = 15_000;
export const BODY_TIMEOUT_MS = 30_000;

/** A request answered with `status` and `{"error": message}` (plus `headers`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
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
export function sendBeforeBody(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
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

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

