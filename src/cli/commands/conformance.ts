/**
 * `mcp-agent conformance URL`: the adapter the official MCP conformance suite drives (`conformance client
 * --command "mcp-agent conformance"`). The suite names the scenario in MCP_CONFORMANCE_SCENARIO (and hands
 * credentials in MCP_CONFORMANCE_CONTEXT); this connects through the same AgentManager, McpAgent and OAuth code as
 * every other command and exercises what the scenario checks. See docs/CONFORMANCE.md.
 */
import { z } from 'zod';
import { AgentManager } from '../../core/mcp/AgentManager';
import { acceptWithDefaults } from '../../core/mcp/elicitationDefaults';
import type { McpAgentOptions } from '../../core/mcp/McpAgent';
import { CrossAppAccessProvider } from '../../core/mcp/oauth/crossAppAccessProvider';
import { MemorySecretStore } from '../../core/mcp/oauth/memorySecretStore';
import { RedirectFetchUserAgent } from '../../core/mcp/oauth/redirectFetchUserAgent';
import { createServerAuth } from '../../core/mcp/oauth/serverAuth';
import { definitionFromUrl, type OAuthSettings, type ServerDefinition } from '../../core/mcp/serverConfig';
import { CliError, EXIT, StderrLogger, type CommonOptions } from '../context';
import { version } from '../version';

/** The tool each scenario wants called, with arguments. */
const SCENARIO_CALLS: Record<string, { tool: string; args: Record<string, unknown> }> = {
  tools_call: { tool: 'add_numbers', args: { a: 5, b: 3 } },
  'elicitation-sep1034-client-defaults': { tool: 'test_client_elicitation_defaults', args: {} },
  'sse-retry': { tool: 'test_reconnection', args: {} },
};
/** Every auth/* scenario: `auth/scope-step-up` only escalates on tools/call. */
const AUTH_CALL = { tool: 'test-tool', args: {} };
const NO_CALL = new Set(['initialize']);

/** Nothing listens there: the mock authorization server redirects to it and the code is read from the Location. */
const REDIRECT_URL = 'http://localhost:3000/callback';
/** SEP-991: used only in auth/basic-cimd (elsewhere the suite would try to fetch it when the AS advertises CIMD). */
const CIMD_URL = 'https://conformance-test.local/client-metadata.json';

const ContextSchema = z.looseObject({
  name: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  private_key_pem: z.string().optional(),
  signing_algorithm: z.string().optional(),
  idp_client_id: z.string().optional(),
  idp_id_token: z.string().optional(),
  idp_issuer: z.string().optional(),
  idp_token_endpoint: z.string().optional(),
});
type Context = z.infer<typeof ContextSchema>;

function readContext(): Context {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  if (!raw) return {};
  try {
    return ContextSchema.parse(JSON.parse(raw));
  } catch {
    throw new CliError('MCP_CONFORMANCE_CONTEXT is not the JSON object the suite sends', EXIT.toolError);
  }
}

/** The OAuth settings the scenario's context stands for (docs/CONFORMANCE.md §3). */
function oauthFor(scenario: string, ctx: Context): OAuthSettings | undefined {
  if (!ctx.client_id) return undefined;
  const settings: OAuthSettings = { clientId: ctx.client_id, clientSecret: ctx.client_secret, privateKey: ctx.private_key_pem, signingAlgorithm: ctx.signing_algorithm };
  if (scenario.startsWith('auth/client-credentials-')) settings.grant = 'client_credentials';
  return settings;
}

/** OAuth for the scenario: in memory, with a user agent that follows the mock's redirect instead of a person. */
function authFor(scenario: string, ctx: Context, logger: StderrLogger): McpAgentOptions['auth'] {
  if (scenario === 'auth/cross-app-access-complete-flow') {
    const { client_id, client_secret, idp_token_endpoint, idp_id_token } = ctx;
    if (!client_id || !client_secret || !idp_token_endpoint || !idp_id_token) throw new CliError('the cross-app-access context lacks client or identity provider fields', EXIT.toolError);
    return (def) =>
      new CrossAppAccessProvider({ serverUrl: def.url ?? '', clientId: client_id, clientSecret: client_secret, idpTokenEndpoint: idp_token_endpoint, idpClientId: ctx.idp_client_id, idToken: () => idp_id_token });
  }
  const store = new MemorySecretStore();
  const userAgent = new RedirectFetchUserAgent();
  return (def) =>
    createServerAuth(def, {
      store,
      redirectUrl: REDIRECT_URL,
      userAgent,
      clientName: 'mcp-agent',
      clientMetadataUrl: scenario === 'auth/basic-cimd' ? CIMD_URL : undefined,
      logger,
    });
}

export async function runConformance(opts: CommonOptions, url: string): Promise<number> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const isAuth = scenario.startsWith('auth/');
  if (!scenario) throw new CliError('MCP_CONFORMANCE_SCENARIO is not set (this command is driven by the MCP conformance suite)', EXIT.toolError);
  if (!isAuth && !SCENARIO_CALLS[scenario] && !NO_CALL.has(scenario)) throw new CliError(`unknown conformance scenario "${scenario}"`, EXIT.toolError);
  const ctx = readContext();

  const parsed = definitionFromUrl(url, 'conformance');
  if ('message' in parsed) throw new CliError(`URL: ${parsed.message}`, EXIT.usage);
  const def: ServerDefinition = { ...parsed, transport: 'http', oauth: oauthFor(scenario, ctx) };

  const logger = new StderrLogger(opts.verbose);
  const manager = new AgentManager({
    logger,
    clientInfo: { name: 'mcp-agent', version },
    handlers: { elicitation: async (_server, params) => acceptWithDefaults(params) },
    auth: isAuth ? authFor(scenario, ctx, logger) : undefined,
  });
  manager.on('status', (s) => {
    if (s.state === 'error' && s.lastError) process.stderr.write(`mcp-agent: server "${s.name}": ${s.lastError}\n`);
  });
  try {
    await manager.apply([def]);
    const status = manager.servers()[0];
    if (status.state !== 'connected') throw new CliError(`could not connect to ${url}: ${status.lastError ?? status.state}`, EXIT.unreachable);
    const planned = isAuth ? AUTH_CALL : SCENARIO_CALLS[scenario];
    for (const c of planned ? [planned] : []) {
      const tool = manager.resolveTool(c.tool);
      if (!tool) throw new CliError(`the server has no tool "${c.tool}"`, EXIT.usage);
      const result = await manager.callServerTool(tool.server, tool.tool, c.args);
      if (opts.verbose) process.stderr.write(`${c.tool}: ${JSON.stringify(result)}\n`);
    }
    return EXIT.ok;
  } finally {
    await manager.dispose();
  }
}
