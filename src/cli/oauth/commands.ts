/**
 * `mcp-agent login SERVER` signs in to an HTTP server that asks for OAuth (browser, loopback redirect) and keeps the
 * tokens in the credentials file; `mcp-agent logout SERVER` forgets them. SERVER is a configured name, or a URL.
 */
import { McpAgent } from '../../core/mcp/McpAgent';
import { AuthorizationCodeProvider, oauthStoreKey } from '../../core/mcp/oauth/authorizationCodeProvider';
import { createServerAuth } from '../../core/mcp/oauth/serverAuth';
import type { AuthorizationResponse, ServerAuth, UserAgent } from '../../core/mcp/oauth/types';
import { definitionFromUrl, type ServerDefinition } from '../../core/mcp/serverConfig';
import { CliError, EXIT, StderrLogger, loadConfig, type CommonOptions } from '../context';
import { version } from '../version';
import { BrowserUserAgent, loopbackRedirectUrl } from './browserUserAgent';
import { FileSecretStore } from './fileSecretStore';

export interface LoginDeps {
  /** The browser step (default: BrowserUserAgent). */
  userAgent?: UserAgent;
  store?: FileSecretStore;
  /** Where the result line goes (default: stdout). */
  out?: (line: string) => void;
}

async function findServer(opts: CommonOptions, server: string): Promise<ServerDefinition> {
  if (/^https?:\/\//i.test(server)) {
    const def = definitionFromUrl(server, 'url');
    if ('message' in def) throw new CliError(`SERVER: ${def.message}`, EXIT.usage);
    return def;
  }
  const loaded = await loadConfig(opts);
  const def = loaded.servers.find((s) => s.name === server);
  if (!def) throw new CliError(`no server named "${server}" (see mcp-agent servers)`, EXIT.usage);
  if (def.transport === 'stdio' || !def.url) throw new CliError(`"${server}" is a stdio server; sign-in is for HTTP servers`, EXIT.usage);
  return def;
}

export async function runLogin(opts: CommonOptions, server: string, deps: LoginDeps = {}): Promise<number> {
  const def = await findServer(opts, server);
  const logger = new StderrLogger(opts.verbose);
  const out = deps.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const store = deps.store ?? new FileSecretStore(undefined, logger);
  const browser = deps.userAgent ?? new BrowserUserAgent();
  let browserSteps = 0;
  const counting: UserAgent = {
    authorize: (url: URL, redirectUrl: string): Promise<AuthorizationResponse> => {
      browserSteps++;
      return browser.authorize(url, redirectUrl);
    },
  };
  let auth: ServerAuth | undefined;
  try {
    auth = createServerAuth(def, { store, redirectUrl: loopbackRedirectUrl(), userAgent: counting, clientName: 'mcp-agent', logger });
  } catch (err) {
    throw new CliError(`server "${def.name}": ${(err as Error).message}`, EXIT.usage);
  }
  // A fresh sign-in: drop the tokens (the client registration is kept and reused).
  if (auth instanceof AuthorizationCodeProvider) await auth.invalidateCredentials('tokens');
  const agent = new McpAgent(def, { logger, clientInfo: { name: 'mcp-agent', version }, auth: () => auth, restart: { maxRetries: 0 } });
  try {
    await agent.start();
    const status = agent.status;
    if (status.state !== 'connected') throw new CliError(`server "${def.name}": ${status.lastError ?? status.state}`, EXIT.unreachable);
    if (browserSteps > 0) out(`signed in to "${def.name}" (${status.toolCount} tools)`);
    else if (auth instanceof AuthorizationCodeProvider) out(`"${def.name}" did not ask for sign-in (${status.toolCount} tools)`);
    else out(`"${def.name}" authorized with its configured client credentials (${status.toolCount} tools)`);
    return EXIT.ok;
  } finally {
    await agent.stop();
  }
}

export async function runLogout(opts: CommonOptions, server: string, deps: Pick<LoginDeps, 'store' | 'out'> = {}): Promise<number> {
  const def = await findServer(opts, server);
  const out = deps.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const store = deps.store ?? new FileSecretStore(undefined, new StderrLogger(opts.verbose));
  const key = oauthStoreKey(def.url ?? '', def.oauth?.clientId);
  const had = (await store.get(key)) !== undefined;
  if (had) await store.delete(key);
  out(had ? `signed out of "${def.name}"` : `"${def.name}" had no stored sign-in`);
  return EXIT.ok;
}
