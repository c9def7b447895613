/**
 * A user agent without a user: requests the authorization URL and reads the code from the redirect it answers with.
 * Only for authorization servers that authorize without a login page (the MCP conformance suite's mock); a real one
 * answers with an HTML login form, which this reports as an error.
 */
import { assertHttpAuthorizationUrl, parseAuthorizationRedirect, type AuthorizationResponse, type UserAgent } from './types';

export class RedirectFetchUserAgent implements UserAgent {
  constructor(private readonly timeoutMs = 30_000) {}

  async authorize(authorizationUrl: URL, redirectUrl: string): Promise<AuthorizationResponse> {
    const url = assertHttpAuthorizationUrl(authorizationUrl);
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`the authorization server answered HTTP ${res.status} without a redirect; it needs an interactive sign-in`);
    }
    const target = new URL(location, url);
    const expected = new URL(redirectUrl);
    if (target.origin !== expected.origin || target.pathname !== expected.pathname) throw new Error('the authorization server redirected somewhere other than our redirect URI');
    return parseAuthorizationRedirect(target);
  }
}
