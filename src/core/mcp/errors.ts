import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

export type McpFailure = 'unreachable' | 'timeout' | 'closed' | 'cancelled' | 'protocol' | 'not-found' | 'session-expired';

/** Every MCP failure the user or the model sees names the server it came from. */
export class McpServerError extends Error {
  constructor(
    readonly server: string,
    readonly kind: McpFailure,
    message: string,
    readonly detail?: string,
  ) {
    super(`server "${server}": ${message}`);
    this.name = 'McpServerError';
  }
}

/** True for errors that mean the HTTP server no longer knows our session (the spec's 404 on a session id). */
export function isSessionExpired(err: unknown): boolean {
  return httpStatusOf(err) === 404;
}

/** HTTP status carried by the SDK's transport errors (StreamableHTTPError, SseError), if any. */
export function httpStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || /aborted|AbortError/i.test(err.message));
}

/** Turns SDK, transport and spawn errors into one readable line. */
export function describeError(err: unknown, command?: string): string {
  if (err instanceof McpError) {
    if (err.code === (ErrorCode.ConnectionClosed as number)) return 'the connection closed';
    if (err.code === (ErrorCode.RequestTimeout as number)) return 'the request timed out';
    return err.message.replace(/^(MCP error -?\d+: )+/, '');
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && command) return `command "${command}" was not found; check that it is installed and on PATH`;
  if (e?.code === 'EACCES' && command) return `command "${command}" is not executable`;
  if (e?.code === 'ECONNREFUSED') return 'connection refused; is the server running?';
  const cause = (e as { cause?: NodeJS.ErrnoException })?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused; is the server running?';
  if (cause?.code === 'ENOTFOUND') return `host not found (${cause.message.replace(/^getaddrinfo ENOTFOUND /, '')})`;
  const message = e instanceof Error ? e.message : String(err);
  return message.split('\n')[0] || 'unknown error';
}

/** A failed request or tool call as the McpServerError the user and the model see. */
export function mapCallError(err: unknown, ctx: { server: string; tool: string; timeout: number; signal?: AbortSignal; closedText: string }): Error {
  const { server, tool } = ctx;
  if (err instanceof McpServerError) return err;
  if (ctx.signal?.aborted || isAbortError(err)) return new McpServerError(server, 'cancelled', `call to "${tool}" was cancelled`);
  if (err instanceof McpError && err.code === (ErrorCode.RequestTimeout as number)) {
    return new McpServerError(server, 'timeout', `"${tool}" timed out after ${Math.round(ctx.timeout / 100) / 10} s (set "timeout" in the server definition to allow longer)`);
  }
  if (err instanceof McpError && err.code === (ErrorCode.ConnectionClosed as number)) return new McpServerError(server, 'closed', ctx.closedText);
  if (isSessionExpired(err)) return err as Error;
  if (err instanceof McpError) return new McpServerError(server, 'protocol', `"${tool}" failed: ${describeError(err)}`);
  const status = httpStatusOf(err);
  if (status !== undefined) return new McpServerError(server, 'unreachable', `"${tool}" failed with HTTP ${status}`);
  return new McpServerError(server, 'unreachable', `"${tool}" failed: ${describeError(err)}`);
}
