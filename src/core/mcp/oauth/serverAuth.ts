/**
 * Chooses the OAuth provider for a server definition: the client-credentials grant (a client secret, or a private key
 * for `private_key_jwt`) when `oauth.grant` is `client_credentials`, else the authorization-code flow with a
 * pre-registered client (`oauth.clientId`) or dynamic registration. Fronts call this from McpAgentOptions.auth.
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider, PrivateKeyJwtProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import type { Logger, SecretStore } from '../../ports';
import type { ServerDefinition } from '../serverConfig';
import { AuthorizationCodeProvider } from './authorizationCodeProvider';
import type { ServerAuth, UserAgent } from './types';

export interface ServerAuthDeps {
  /** Keeps registrations and tokens: SecretStorage in VS Code, a 0600 file in the CLI, memory for one-shot runs. */
  store: SecretStore;
  /** The redirect URI registered for the authorization-code flow. */
  redirectUrl: string;
  /** The browser step; without one, a server that needs sign-in ends with NeedsSignInError. */
  userAgent?: UserAgent;
  clientName?: string;
  clientMetadataUrl?: string;
  /** What to tell the user when a sign-in is needed and cannot happen now, e.g. `run "mcp-agent login NAME"`. */
  signInHint?: (def: ServerDefinition) => string | undefined;
  logger?: Logger;
}

/** A provider that needs no user (client credentials): the SDK gets tokens by itself, there is never a browser step. */
export function machineAuth(provider: OAuthClientProvider): ServerAuth {
  return { provider, completeAuthorization: async () => undefined };
}

/** OAuth for an HTTP or SSE server; undefined for stdio. Throws on an `oauth` block it cannot use. */
export function createServerAuth(def: ServerDefinition, deps: ServerAuthDeps): ServerAuth | undefined {
  if (def.transport === 'stdio' || !def.url) return undefined;
  const o = def.oauth ?? {};
  const scope = o.scopes?.length ? o.scopes.join(' ') : undefined;
  if (o.grant === 'client_credentials') {
    if (!o.clientId) throw new Error('oauth.grant "client_credentials" needs oauth.clientId');
    if (o.privateKey) {
      return machineAuth(new PrivateKeyJwtProvider({ clientId: o.clientId, privateKey: o.privateKey, algorithm: o.signingAlgorithm ?? 'RS256', clientName: deps.clientName, scope }));
    }
    if (!o.clientSecret) throw new Error('oauth.grant "client_credentials" needs oauth.clientSecret or oauth.privateKey');
    return machineAuth(new ClientCredentialsProvider({ clientId: o.clientId, clientSecret: o.clientSecret, clientName: deps.clientName, scope }));
  }
  return new AuthorizationCodeProvider({
    serverUrl: def.url,
    store: deps.store,
    redirectUrl: deps.redirectUrl,
    userAgent: deps.userAgent,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    scopes: o.scopes,
    clientName: deps.clientName,
    clientMetadataUrl: deps.clientMetadataUrl,
    signInHint: deps.signInHint?.(def),
    logger: deps.logger,
  });
}
