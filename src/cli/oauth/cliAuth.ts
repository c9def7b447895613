/**
 * OAuth for the CLI's servers: tokens in the user's 0600 credentials file, the browser step through
 * BrowserUserAgent when a person is at the terminal. For McpAgentOptions.auth (e.g. in startServers):
 *
 *   new AgentManager({ ..., auth: createCliAuth({ interactive: process.stdin.isTTY === true, logger }) })
 */
import type { ServerDefinition } from '../../core/mcp/serverConfig';
import { createServerAuth } from '../../core/mcp/oauth/serverAuth';
import type { ServerAuth, UserAgent } from '../../core/mcp/oauth/types';
import type { Logger, SecretStore } from '../../core/ports';
import { BrowserUserAgent, loopbackRedirectUrl } from './browserUserAgent';
import { FileSecretStore } from './fileSecretStore';

export interface CliAuthOptions {
  /** Open a browser when a server asks for sign-in; otherwise such a server fails with `needs sign-in (run "mcp-agent login NAME")`. */
  interactive: boolean;
  logger?: Logger;
  store?: SecretStore;
  userAgent?: UserAgent;
  env?: NodeJS.ProcessEnv;
}

export function createCliAuth(opts: CliAuthOptions): (def: ServerDefinition) => ServerAuth | undefined {
  const store = opts.store ?? new FileSecretStore(undefined, opts.logger);
  const userAgent = opts.interactive ? (opts.userAgent ?? new BrowserUserAgent({ env: opts.env })) : undefined;
  const redirectUrl = loopbackRedirectUrl(opts.env);
  return (def) =>
    createServerAuth(def, {
      store,
      redirectUrl,
      userAgent,
      clientName: 'mcp-agent',
      signInHint: (d) => `run "mcp-agent login ${d.name}"`,
      logger: opts.logger,
    });
}
