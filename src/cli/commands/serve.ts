/**
 * `mcp-agent serve`: the HTTP API, until SIGTERM or SIGINT; then it drains: no new turns, running ones finish
 * within --drain-timeout (then are stopped, their partial answers saved), the store is flushed and closed, exit 0.
 * Instances keep no state of their own beyond running turns, so several can share one store behind a balancer.
 */
import { unattendedApprover } from '../../core/ports';
import { CliError, EXIT, StderrLogger, type CommonOptions } from '../context';
import { createRuntime } from '../runtime';
import { KeyRing, KeysFileError } from '../keys';
import { DEFAULT_TURN_TIMEOUT_MS, isLoopback, normalizeOrigin, startApiServer, type ApiServer } from '../server';
import { keysFileOf } from './keys';

export interface ServeOptions extends CommonOptions {
  host: string;
  port: number;
  token?: string;
  /** The keys file (--keys, MCP_AGENT_KEYS_FILE): named users. */
  keys?: string;
  yes: boolean;
  model?: string;
  /** Web origins allowed to call the API from a browser (--allow-origin, MCP_AGENT_ALLOW_ORIGINS). */
  allowOrigins?: string[];
  /** Turns that may run at once (--max-turns). */
  maxTurns?: number;
  /** Seconds running turns get to finish after SIGTERM (--drain-timeout). */
  drainTimeout?: number;
  /** Seconds one turn may run (--turn-timeout). */
  turnTimeout?: number;
  /** GET /metrics without credentials (--metrics-public). */
  metricsPublic?: boolean;
}

export const DEFAULT_DRAIN_TIMEOUT_S = 30;

function seconds(value: number | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < min) throw new CliError(`${flag} must be a number of seconds, at least ${min}`, EXIT.usage);
  return value;
}

export async function runServe(opts: ServeOptions): Promise<number> {
  const token = opts.token ?? process.env.MCP_AGENT_TOKEN;
  const logger = new StderrLogger(opts.verbose, 'info');
  const keysFile = keysFileOf(opts.keys);
  let keys: KeyRing | undefined;
  if (keysFile) {
    try {
      keys = new KeyRing(keysFile, logger);
    } catch (err) {
      if (err instanceof KeysFileError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
  }
  if (!isLoopback(opts.host) && !token && !keys) {
    throw new CliError(`refusing to listen on ${opts.host} without a token: pass --token T (or set MCP_AGENT_TOKEN) or --keys FILE, or bind 127.0.0.1`, EXIT.usage);
  }
  const allowOrigins: string[] = [];
  const given = [...(opts.allowOrigins ?? []), ...(process.env.MCP_AGENT_ALLOW_ORIGINS ?? '').split(',')].map((o) => o.trim()).filter(Boolean);
  for (const o of given) {
    const origin = normalizeOrigin(o);
    if (!origin) throw new CliError(`--allow-origin "${o}" is not an origin: write it as scheme://host[:port], e.g. http://localhost:3000`, EXIT.usage);
    allowOrigins.push(origin);
  }
  if (opts.maxTurns !== undefined && (!Number.isInteger(opts.maxTurns) || opts.maxTurns < 1)) throw new CliError('--max-turns must be a whole number of at least 1', EXIT.usage);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new CliError(`--port must be a number from 0 to 65535`, EXIT.usage);
  const drainS = seconds(opts.drainTimeout, '--drain-timeout', 0) ?? DEFAULT_DRAIN_TIMEOUT_S;
  const turnS = seconds(opts.turnTimeout, '--turn-timeout', 1);
  // No one is at a terminal to ask: only --yes, the allow-list and read-only tools run.
  const runtime = await createRuntime({ ...opts, approver: unattendedApprover(opts.yes), interactive: false, logger });
  let api: ApiServer;
  try {
    api = await startApiServer({
      host: opts.host,
      port: opts.port,
      token,
      keys,
      agent: runtime.agent,
      manager: runtime.manager,
      toolbox: runtime.toolbox,
      store: runtime.store,
      logger,
      allowOrigins,
      maxTurns: opts.maxTurns,
      turnTimeoutMs: turnS === undefined ? DEFAULT_TURN_TIMEOUT_MS : turnS * 1000,
      metricsPublic: opts.metricsPublic,
      processMetrics: true,
      secrets: () => [token ?? '', runtime.llm.apiKey ?? '', process.env.OPENAI_API_KEY ?? ''],
    });
  } catch (err) {
    await runtime.dispose();
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'EADDRINUSE' ? `port ${opts.port} is already in use` : `cannot listen on ${opts.host}:${opts.port} (${code ?? (err as Error).message})`, EXIT.usage);
  }
  const addr = api.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const who = keys ? `${keys.size} keys from ${keysFile}${token ? ' and --token' : ''}` : token ? 'one token' : 'no credentials (loopback only)';
  process.stderr.write(`mcp-agent: listening on http://${shown}:${port} (POST /chat, POST /chat/stream, GET /health, /ready, /metrics, /conversations, /servers, /tools, /resources, /prompts; ${who})\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`mcp-agent: ${signal}: shutting down; running turns get up to ${drainS} s to finish (a second signal stops them now)\n`);
  // A second signal: stop the running turns now (they still save what they have).
  const again = () => void api.drain(0);
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  const { stopped } = await api.drain(drainS * 1000);
  if (stopped) process.stderr.write(`mcp-agent: stopped ${stopped} turns still running after ${drainS} s; their partial answers are saved\n`);
  await api.close();
  // Servers stopped, the store flushed and closed.
  await runtime.dispose();
  process.stderr.write('mcp-agent: stopped\n');
  return EXIT.ok;
}
