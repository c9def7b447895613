/**
 * Enterprise-managed authorization (SEP-990, "cross-app access"), which SDK 1.32 has no provider for: the user's
 * identity provider turns its ID token into an ID-JAG for the MCP server's authorization server (RFC 8693 token
 * exchange), and the client trades that at the authorization server with the JWT bearer grant (RFC 7523), no browser.
 *
 * It plugs into the SDK's own flow: `auth()` discovers the protected resource and authorization server metadata and
 * hands them to `saveDiscoveryState`, then asks `prepareTokenRequest` for the grant; `addClientAuthentication`
 * authenticates the client with HTTP Basic.
 */
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ServerAuth } from './types';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';

export interface CrossAppAccessOptions {
  /** The MCP server's URL: the resource when the server publishes no protected resource metadata. */
  serverUrl: string;
  /** This client at the MCP server's authorization server. */
  clientId: string;
  clientSecret: string;
  /** The identity provider's token endpoint and this client's id there. */
  idpTokenEndpoint: string;
  idpClientId?: string;
  idpClientSecret?: string;
  /** The user's ID token from the identity provider (from the front's single sign-on). */
  idToken: () => string | Promise<string>;
  scopes?: string[];
  /** Per-request timeout for the identity provider (default 30 s). */
  timeoutMs?: number;
}

export class CrossAppAccessProvider implements OAuthClientProvider, ServerAuth {
  private discovery?: OAuthDiscoveryState;
  private info: OAuthClientInformationMixed;
  private saved?: OAuthTokens;

  constructor(private readonly opts: CrossAppAccessOptions) {
    this.info = { client_id: opts.clientId, client_secret: opts.clientSecret };
  }

  get provider(): OAuthClientProvider {
    return this;
  }

  get redirectUrl(): undefined {
    return undefined;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'mcp-agent',
      redirect_uris: [],
      grant_types: [JWT_BEARER],
      token_endpoint_auth_method: 'client_secret_basic',
      ...(this.opts.scopes?.length ? { scope: this.opts.scopes.join(' ') } : {}),
    };
  }

  clientInformation(): OAuthClientInformationMixed {
    return this.info;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = { ...info, client_secret: this.opts.clientSecret };
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  redirectToAuthorization(): void {
    throw new Error('cross-app access needs no browser step');
  }

  saveCodeVerifier(): void {}

  codeVerifier(): string {
    throw new Error('cross-app access uses no PKCE verifier');
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
  }

  async completeAuthorization(): Promise<undefined> {
    return undefined;
  }

  /** The identity provider's token exchange, then the parameters of the JWT bearer grant for the authorization server. */
  async prepareTokenRequest(scope?: string): Promise<URLSearchParams> {
    const d = this.discovery;
    const audience = d?.authorizationServerMetadata?.issuer ?? d?.authorizationServerUrl;
    if (!audience) throw new Error('cross-app access: the authorization server was not discovered');
    const resource = d?.resourceMetadata?.resource ?? this.opts.serverUrl;

    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      requested_token_type: ID_JAG,
      subject_token: await this.opts.idToken(),
      subject_token_type: ID_TOKEN,
      audience,
      resource,
    });
    if (this.opts.idpClientId) body.set('client_id', this.opts.idpClientId);
    if (scope) body.set('scope', scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.opts.idpClientId && this.opts.idpClientSecret) headers.authorization = basic(this.opts.idpClientId, this.opts.idpClientSecret);
    const res = await fetch(this.opts.idpTokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
    const json = (await res.json().catch(() => undefined)) as { access_token?: unknown; issued_token_type?: unknown; error?: unknown } | undefined;
    if (!res.ok || typeof json?.access_token !== 'string') {
      const why = typeof json?.error === 'string' ? json.error : `HTTP ${res.status}`;
      throw new Error(`cross-app access: the identity provider refused the token exchange (${why.slice(0, 100)})`);
    }
    if (json.issued_token_type !== undefined && json.issued_token_type !== ID_JAG) throw new Error('cross-app access: the identity provider did not issue an ID-JAG');

    const params = new URLSearchParams({ grant_type: JWT_BEARER, assertion: json.access_token });
    if (scope) params.set('scope', scope);
    return params;
  }

  /** RFC 6749 §2.3.1: HTTP Basic with the form-encoded client id and secret. */
  addClientAuthentication = (headers: Headers): void => {
    headers.set('authorization', basic(this.opts.clientId, this.opts.clientSecret));
  };
}

function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
