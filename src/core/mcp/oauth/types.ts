/**
 * The OAuth ports of the agent core. The SDK (`@modelcontextprotocol/sdk/client/auth.js`) does discovery, client
 * registration, PKCE, the token requests and refresh; what it cannot do is the browser step and keeping the results,
 * and each front (VS Code, the CLI, the conformance adapter) supplies those through these interfaces.
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';

/** What the authorization server sent back to the redirect URI. */
export interface AuthorizationResponse {
  code: string;
  /** The `state` parameter of the redirect, checked against the one the request carried. */
  state?: string;
}

/**
 * The user-agent step of the authorization-code flow: show `authorizationUrl` to the user (a browser), wait for the
 * authorization server to redirect to `redirectUrl`, and return the code from that redirect. Rejects when the user
 * cancels, the server answers with an `error`, or the wait times out.
 * Implementations must only ever open http(s) URLs; `assertHttpAuthorizationUrl` does the check.
 */
export interface UserAgent {
  authorize(authorizationUrl: URL, redirectUrl: string): Promise<AuthorizationResponse>;
}

/** OAuth for one server, as McpAgent uses it (see McpAgentOptions.auth). */
export interface ServerAuth {
  /** Handed to the HTTP and SSE transports as their `authProvider`. */
  readonly provider: OAuthClientProvider;
  /**
   * Called after the SDK raised `UnauthorizedError`: performs the user-agent step for the authorization request the
   * SDK just prepared and returns its code, for `transport.finishAuth(code)`. Returns undefined when no authorization
   * request is pending (the provider needs no user, e.g. client credentials). Throws NeedsSignInError when the server
   * needs a sign-in and there is no user agent to do it.
   */
  completeAuthorization(): Promise<string | undefined>;
}

/** The server needs the user to sign in and this front cannot show a browser now (no user agent). */
export class NeedsSignInError extends Error {
  constructor(readonly hint?: string) {
    super(`needs sign-in${hint ? ` (${hint})` : ''}`);
    this.name = 'NeedsSignInError';
  }
}

/** An authorization URL that is not http(s) (a `javascript:`, `file:` or custom-scheme URL from a hostile server). */
export class AuthorizationUrlRefusedError extends Error {
  constructor(url: string) {
    super(`refusing to open an authorization URL that is not http(s): ${truncate(url, 80)}`);
    this.name = 'AuthorizationUrlRefusedError';
  }
}

/** Returns the URL parsed when it is http: or https:, and throws AuthorizationUrlRefusedError otherwise. */
export function assertHttpAuthorizationUrl(url: URL | string): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new AuthorizationUrlRefusedError(String(url));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AuthorizationUrlRefusedError(parsed.href);
  return parsed;
}

/**
 * Reads `code` and `state` from the URL the authorization server redirected to; throws with the server's
 * `error`/`error_description` when it refused.
 */
export function parseAuthorizationRedirect(redirect: URL): AuthorizationResponse {
  const error = redirect.searchParams.get('error');
  if (error) {
    const description = redirect.searchParams.get('error_description');
    throw new Error(`the authorization server refused: ${truncate(error, 100)}${description ? ` (${truncate(description, 200)})` : ''}`);
  }
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error('the authorization server redirected without a code');
  return { code, state: redirect.searchParams.get('state') ?? undefined };
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
