/** `mcp-agent serve`: the HTTP API, until SIGINT/SIGTERM. */
import { unattendedApprover } from '../../core/ports';
import { CliError, EXIT, StderrLogger, type CommonOptions } from '../context';
import { createRuntime } from '../runtime';
import { isLoopback, normalizeOrigin, startApiServer } from '../server';

export interface ServeOptions extends CommonOptions {
  host: string;
  port: number;
  token?: string;
  yes: boolean;
  model?: string;
  /** Web origins allowed to call the API from a browser (--allow-origin, MCP_AGENT_ALLOW_ORIGINS). */
  allowOrigins?: string[];
  /** Turns that may run at once (--max-turns). */
  maxTurns?: number;
}

export async function runServe(opts: ServeOptions): Promise<number> {
  const token = opts.token ?? process.env.MCP_AGENT_TOKEN;
  if (!isLoopback(opts.host) && !token) {
    throw new CliError(`refusing to listen on ${opts.host} without a token: pass --token T (or set MCP_AGENT_TOKEN), or bind 127.0.0.1`, EXIT.usage);
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
  // No one is at a terminal to ask: only --yes, the allow-list and read-only tools run.
  const runtime = await createRuntime({ ...opts, approver: unattendedApprover(opts.yes), interactive: false });
  const logger = new StderrLogger(opts.verbose);
  let server;
  try {
    server = await startApiServer({ host: opts.host, port: opts.port, token, agent: runtime.agent, manager: runtime.manager, toolbox: runtime.toolbox, logger, allowOrigins, maxTurns: opts.maxTurns, secrets: () => [token ?? '', runtime.llm.apiKey ?? '', process.env.OPENAI_API_KEY ?? ''] });
  } catch (err) {
    await runtime.dispose();
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'EADDRINUSE' ? `port ${opts.port} is already in use` : `cannot listen on ${opts.host}:${opts.port} (${code ?? (err as Error).message})`, EXIT.usage);
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  process.stderr.write(`mcp-agent: listening on http://${shown}:${port} (POST /chat, POST /chat/stream, GET /health, /servers, /tools, /resources, /prompts)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('mcp-agent: shutting down\n');
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await runtime.dispose();
  return EXIT.ok;
}
