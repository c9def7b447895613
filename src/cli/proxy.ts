/**
 * An HTTP proxy for the CLI and `serve`, from the environment as curl and npm read it: `HTTPS_PROXY` for https URLs,
 * `HTTP_PROXY` for http ones (either case), `NO_PROXY` for the hosts that are reached directly. Node 20 reads none of
 * them. VS Code has its own proxy support, so the extension does not use this.
 *
 * Two paths: the model's streamed requests go out on Node's `http`/`https` (src/core/llm/eventStream.ts), which take
 * an agent per request (`modelAgentFromEnv`); everything on `fetch` (MCP servers over HTTP, OAuth, embeddings) goes
 * through undici's global dispatcher (`installFetchProxyFromEnv`).
 */
import type { Agent } from 'node:http';
import path from 'node:path';

type ProxyLibraries = typeof import('./proxyAgents');
let libraries: ProxyLibraries | undefined;

/**
 * undici and the two agents, about 1 MB of code: a bundle of their own beside cli.js (esbuild.mjs), read only when a
 * proxy is set, so a CLI start without one does not parse them.
 */
function loadLibraries(): ProxyLibraries {
  if (libraries) return libraries;
  // The built CLI: dist/proxyAgents.js. From source (tests, tsx): src/cli/proxyAgents.ts. A variable, so cli.js does
  // not inline it.
  const id = path.join(__dirname, 'proxyAgents');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  libraries = require(id) as ProxyLibraries;
  return libraries;
}

type Env = Record<string, string | undefined>;

const read = (env: Env, name: string): string | undefined => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;

/** Whether the environment names a proxy at all. */
export function proxyConfigured(env: Env = process.env): boolean {
  return !!(read(env, 'https_proxy') || read(env, 'http_proxy'));
}

/** The proxy URL for `url`, or undefined when it is reached directly (no proxy for its scheme, or NO_PROXY names it). */
export function proxyFor(url: URL, env: Env = process.env): string | undefined {
  const proxy = url.protocol === 'https:' ? read(env, 'https_proxy') : url.protocol === 'http:' ? read(env, 'http_proxy') : undefined;
  if (!proxy) return undefined;
  return bypassed(url, read(env, 'no_proxy') ?? '') ? undefined : proxy.includes('://') ? proxy : `http://${proxy}`;
}

/**
 * NO_PROXY as curl reads it: entries separated by commas or spaces; `*` matches every host; an entry matches its host
 * and every subdomain (a leading `.` or `*.` is the same); `host:port` matches that port only. IP addresses match
 * exactly (no CIDR ranges).
 */
function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    if (m[2] && m[2] !== port) continue;
    const name = m[1].replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * The agent for each model request: through the proxy the environment names for its URL, or none (Node's default).
 */
export function modelAgentFromEnv(env: Env = process.env): ((url: URL) => Agent | undefined) | undefined {
  if (!proxyConfigured(env)) return undefined;
  const { HttpProxyAgent, HttpsProxyAgent } = loadLibraries();
  // One agent per proxy and scheme, kept alive like Node's default agent, so a conversation reuses its connection.
  const agents = new Map<string, Agent>();
  return (url) => {
    const proxy = proxyFor(url, env);
    if (!proxy) return undefined;
    const key = `${url.protocol} ${proxy}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = url.protocol === 'https:' ? new HttpsProxyAgent(proxy, { keepAlive: true }) : new HttpProxyAgent(proxy, { keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}

/** Routes this process's `fetch` through the environment's proxy (undici reads the same three variables). */
export function installFetchProxyFromEnv(env: Env = process.env): void {
  if (!proxyConfigured(env)) return;
  const { EnvHttpProxyAgent, setGlobalDispatcher } = loadLibraries();
  setGlobalDispatcher(new EnvHttpProxyAgent({ httpProxy: read(env, 'http_proxy'), httpsProxy: read(env, 'https_proxy'), noProxy: read(env, 'no_proxy') }));
}
