/**
 * The SDK's `OAuthClientProvider` for the authorization-code flow, on our ports: a SecretStore keeps the client
 * registration and the tokens (keyed by server URL and client id), a UserAgent does the browser step. Everything
 * else (RFC 9728/8414 discovery, dynamic registration, PKCE, the RFC 8707 resource, token endpoint authentication,
 * refresh) is the SDK's `auth()`; this class only answers its questions and never logs a token or a secret.
 */
import { randomBytes } from 'node:crypto';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Logger, SecretStore } from '../../ports';
import { silentLogger } from '../../ports';
import { assertHttpAuthorizationUrl, NeedsSignInError, type ServerAuth, type UserAgent } from './types';

export interface AuthorizationCodeOptions {
  /** The MCP server's URL (the store key and the name in messages). */
  serverUrl: string;
  store: SecretStore;
  /** Where the authorization server sends the browser back (a loopback URL, or a front's own redirect page). */
  redirectUrl: string;
  /** Performs the browser step; without one, a server that needs sign-in fails with NeedsSignInError. */
  userAgent?: UserAgent;
  /** Pre-registered client (no dynamic registration). */
  clientId?: string;
  clientSecret?: string;
  /** Used only when neither the server's WWW-Authenticate nor its resource metadata names scopes. */
  scopes?: string[];
  clientName?: string;
  /** SEP-991: an https URL of this client's metadata document, used as client_id when the server supports it. */
  clientMetadataUrl?: string;
  /** Added to NeedsSignInError, e.g. `run "mcp-agent login NAME"`. */
  signInHint?: string;
  logger?: Logger;
}

/** What is kept in the store for one server and client. */
interface StoredAuth {
  v: 1;
  client?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
}

interface PendingAuthorization {
  url: URL;
  state?: string;
  verifier?: string;
}

/** The store key for a server's OAuth state: its URL (without fragment) and the client it was obtained with. */
export function oauthStoreKey(serverUrl: string, clientId?: string): string {
  let url = serverUrl;
  try {
    const u = new URL(serverUrl);
    u.hash = '';
    url = u.href;
  } catch {
    // keep the text as given
  }
  return `mcp-agent.oauth.v1|${url}|${clientId ?? ''}`;
}

export class AuthorizationCodeProvider implements OAuthClientProvider, ServerAuth {
  readonly clientMetadataUrl?: string;
  private readonly key: string;
  private readonly logger: Logger;
  private loaded?: Promise<void>;
  private record: StoredAuth = { v: 1 };
  private writes: Promise<void> = Promise.resolve();
  private latestVerifier?: string;
  private activeVerifier?: string;
  private pending?: PendingAuthorization;

  constructor(private readonly opts: AuthorizationCodeOptions) {
    this.key = oauthStoreKey(opts.serverUrl, opts.clientId);
    this.logger = opts.logger ?? silentLogger;
    this.clientMetadataUrl = opts.clientMetadataUrl;
  }

  get provider(): OAuthClientProvider {
    return this;
  }

  get redirectUrl(): string {
    return this.opts.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const scope = this.opts.scopes?.length ? this.opts.scopes.join(' ') : undefined;
    return {
      client_name: this.opts.clientName ?? 'mcp-agent',
      redirect_uris: [this.opts.redirectUrl],
      // refresh_token: so that the authorization server may issue one (SEP-2207 checks the registration for it).
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.opts.clientSecret ? 'client_secret_basic' : 'none',
      // No default scope of our own: the server's WWW-Authenticate or resource metadata decides (SEP-835).
      ...(scope ? { scope } : {}),
    };
  }

  async state(): Promise<string> {
    return randomBytes(24).toString('base64url');
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const stored = (await this.load()).client;
    if (this.opts.clientId) {
      const configured = { client_id: this.opts.clientId, client_secret: this.opts.clientSecret, redirect_uris: [this.opts.redirectUrl] };
      // The SDK stamps pre-registered credentials with the authorization server that first accepted them; keep that.
      return stored?.client_id === this.opts.clientId ? { ...stored, ...configured } : configured;
    }
    if (!stored) return undefined;
    // A registration made for another redirect URI (a different loopback port) cannot complete a flow here.
    if ('redirect_uris' in stored && Array.isArray(stored.redirect_uris) && stored.redirect_uris.length && !stored.redirect_uris.includes(this.opts.redirectUrl)) return undefined;
    return stored;
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    // A pre-registered secret stays in the configuration; only the binding to the authorization server is kept.
    const client = this.opts.clientId && info.client_id === this.opts.clientId ? { ...info, client_secret: undefined } : info;
    await this.update((r) => ({ ...r, client }));
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    return (await this.load()).tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.update((r) => ({ ...r, tokens }));
    this.logger.debug(`[oauth] signed in to ${this.opts.serverUrl}${tokens.refresh_token ? ' (with a refresh token)' : ''}`);
  }

  /** Only records the request: the agent asks for the browser step after the SDK has given up on this request. */
  redirectToAuthorization(authorizationUrl: URL): void {
    const url = assertHttpAuthorizationUrl(authorizationUrl);
    this.pending = { url, state: url.searchParams.get('state') ?? undefined, verifier: this.latestVerifier };
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.latestVerifier = codeVerifier;
  }

  codeVerifier(): string {
    const v = this.activeVerifier ?? this.latestVerifier;
    if (!v) throw new Error('no PKCE code verifier: no authorization is in progress');
    return v;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier' || scope === 'all') {
      this.latestVerifier = undefined;
      this.activeVerifier = undefined;
    }
    if (scope === 'all') await this.update(() => ({ v: 1 }));
    else if (scope === 'client') await this.update((r) => ({ ...r, client: undefined }));
    else if (scope === 'tokens') await this.update((r) => ({ ...r, tokens: undefined }));
  }

  /** True when an authorization request is waiting for the browser step. */
  get authorizationPending(): boolean {
    return this.pending !== undefined;
  }

  async completeAuthorization(): Promise<string | undefined> {
    const pending = this.pending;
    if (!pending) return undefined;
    this.pending = undefined;
    if (!this.opts.userAgent) throw new NeedsSignInError(this.opts.signInHint);
    this.activeVerifier = pending.verifier;
    this.logger.info(`[oauth] ${this.opts.serverUrl} asks for sign-in at ${pending.url.origin}`);
    const res = await this.opts.userAgent.authorize(pending.url, this.opts.redirectUrl);
    if (pending.state !== undefined && res.state !== pending.state) throw new Error('the authorization response does not match the request (state mismatch); sign-in aborted');
    return res.code;
  }

  /** Forgets this server's tokens and registration (sign out). */
  async signOut(): Promise<void> {
    this.pending = undefined;
    await this.invalidateCredentials('all');
    await this.opts.store.delete(this.key);
  }

  /** The current record; the store is read once, later changes go through update(). */
  private async load(): Promise<StoredAuth> {
    this.loaded ??= this.opts.store.get(this.key).then(
      (text) => {
        this.record = parseStored(text);
      },
      (err: unknown) => {
        this.logger.warn(`[oauth] could not read the stored sign-in for ${this.opts.serverUrl}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    await this.loaded;
    return this.record;
  }

  /** Applies a change to the in-memory record and writes the whole record, one write at a time. */
  private async update(change: (r: StoredAuth) => StoredAuth): Promise<void> {
    await this.load();
    this.record = change(this.record);
    const snapshot = this.record;
    const write = this.writes.then(() => (snapshot.client || snapshot.tokens ? this.opts.store.set(this.key, JSON.stringify(snapshot)) : this.opts.store.delete(this.key)));
    this.writes = write.catch(() => undefined);
    await write;
  }
}

function parseStored(text: string | undefined): StoredAuth {
  if (!text) return { v: 1 };
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== 'object' || data === null) return { v: 1 };
    const d = data as { client?: unknown; tokens?: unknown };
    const client = isObject(d.client) && typeof d.client.client_id === 'string' ? (d.client as OAuthClientInformationMixed) : undefined;
    const tokens = isObject(d.tokens) && typeof d.tokens.access_token === 'string' ? (d.tokens as OAuthTokens) : undefined;
    return { v: 1, client, tokens };
  } catch {
    return { v: 1 };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
