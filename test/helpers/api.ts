/**
 * Helpers for tests that drive the built CLI (`mcp-agent chat`, `mcp-agent serve`) as real child processes:
 * a temp workspace with a config.yaml naming the fault server, the environment pointing the agent at a scripted
 * OpenAI server, `serve` started on a free port (port 0; the port is read back from its "listening on" line), and
 * plain node:http requests (custom Host headers, chunked bodies, SSE frames parsed strictly).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type ClientRequest } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, FAULT_SERVER } from './servers';

export interface TestWorkspace {
  /** The workspace and the cwd of the CLI (config.yaml and .env are found there). */
  dir: string;
  dataDir: string;
  cacheDir: string;
}

export interface WorkspaceOptions {
  /** `tools.approval.allowCommands` in config.yaml. */
  allowCommands?: string[];
  /** More YAML appended to config.yaml (top-level sections). */
  extraYaml?: string;
}

/** A temp workspace whose config.yaml defines the fault server as `fault`, plus separate data and cache dirs. */
export async function makeWorkspace(opts: WorkspaceOptions = {}): Promise<TestWorkspace> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-e2e-'));
  const dir = path.join(root, 'ws');
  const dataDir = path.join(root, 'data');
  const cacheDir = path.join(root, 'cache');
  await Promise.all([mkdir(dir), mkdir(dataDir), mkdir(cacheDir)]);
  let yaml = `mcp_servers:\n  - name: fault\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(FAULT_SERVER)}]\n`;
  if (opts.allowCommands) yaml += `tools:\n  approval:\n    allowCommands: ${JSON.stringify(opts.allowCommands)}\n`;
  if (opts.extraYaml) yaml += opts.extraYaml;
  await writeFile(path.join(dir, 'config.yaml'), yaml);
  return { dir, dataDir, cacheDir };
}

/** Variables that would point the child somewhere else; `undefined` removes them (spawn skips undefined values). */
const FOREIGN_ENV = ['OPENAI_BASE_URL', 'OPENAI_API_BASE', 'OPENAI_API_KEY', 'OPENAI_MODEL', 'MCP_AGENT_TOKEN', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/**
 * The child's environment additions: the scripted server as the LLM, the temp data and cache dirs, and nothing
 * inherited that could redirect it. Pass `{ OPENAI_MODEL: undefined }` etc. in `extra` to remove a variable.
 */
export function agentEnv(ws: TestWorkspace, llmUrl: string | undefined, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of FOREIGN_ENV) env[k] = undefined;
  if (llmUrl !== undefined) {
    env.OPENAI_API_BASE = llmUrl;
    env.OPENAI_API_KEY = 'sk-test-key';
    env.OPENAI_MODEL = 'test-model';
  }
  env.MCP_AGENT_DATA_DIR = ws.dataDir;
  // The workspace's config.yaml is the test's own: trusted for the run (the trust gate has its own tests).
  env.MCP_AGENT_TRUST_WORKSPACE = '1';
  env.MCP_AGENT_CACHE_DIR = ws.cacheDir;
  return { ...env, ...extra };
}

export interface ServeProcess {
  child: ChildProcess;
  /** The port it listens on (read from its "listening on" line). */
  port: number;
  pid: number;
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit; SIGKILLs after `timeoutMs` and rejects. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `mcp-agent serve --port 0 ...args` and waits for its "listening on" line. */
export async function startServe(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-agent serve did not report listening\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    const onData = () => {
      const m = /listening on http:\/\/\S+?:(\d+) /.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mcp-agent serve exited (${code ?? signal}) before listening\nstderr: ${stderr}`));
    });
  });
  return {
    child,
    port,
    pid: child.pid ?? -1,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`mcp-agent serve did not exit within ${timeoutMs} ms of ${signal}\nstderr: ${stderr}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string or object (sent as JSON) or a Buffer. */
  body?: string | Buffer | object;
  /** Sent without Content-Length (Transfer-Encoding: chunked). */
  chunked?: boolean;
  timeoutMs?: number;
}

/** One HTTP request to 127.0.0.1:port; `headers.host` replaces the Host header. */
export function request(port: number, pathname: string, opts: RequestOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? Buffer.from(opts.body) : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...(body && typeof opts.body === 'object' && !Buffer.isBuffer(opts.body) ? { 'content-type': 'application/json' } : {}), ...opts.headers };
    if (body && !opts.chunked) headers['content-length'] = String(body.length);
    const req = httpRequest({ host: '127.0.0.1', port, path: pathname, method: opts.method ?? (body ? 'POST' : 'GET'), headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${opts.method ?? 'GET'} ${pathname} did not finish`));
    }, opts.timeoutMs ?? 30_000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (body && opts.chunked) {
      // Several writes so the server sees the body arrive in pieces.
      const step = 64 * 1024;
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
    } else if (body) req.write(body);
    req.end();
  });
}

export function parseJson<T>(r: HttpResult): T {
  assertJson(r);
  return JSON.parse(r.text) as T;
}

function assertJson(r: HttpResult): void {
  if (!/^application\/json/.test(r.headers['content-type'] ?? '')) throw new Error(`expected JSON, got ${r.headers['content-type']}: ${r.text}`);
}

export interface SseEvent {
  type: string;
  [key: string]: unknown;
}

/**
 * Splits an SSE body into frames and parses each; throws unless every frame is exactly `data: <one-line JSON>`
 * followed by a blank line. A trailing incomplete frame is returned as `rest`.
 */
export function parseSse(raw: string): { events: SseEvent[]; rest: string } {
  const parts = raw.split('\n\n');
  const rest = parts.pop() ?? '';
  const events = parts.map((frame) => {
    const m = /^data: (.*)$/.exec(frame);
    if (!m || frame.includes('\n')) throw new Error(`malformed SSE frame: ${JSON.stringify(frame)}`);
    const value = JSON.parse(m[1]) as unknown;
    if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') throw new Error(`SSE frame without a type: ${m[1]}`);
    return value as SseEvent;
  });
  return { events, rest };
}

export interface SseStream {
  /** Events parsed so far. */
  events: SseEvent[];
  status: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** Resolves when the response ended (the raw body); rejects on a connection error unless destroyed by us. */
  done: Promise<{ raw: string; events: SseEvent[] }>;
  /** Resolves with the first event matching `pred` (also one that already arrived). */
  waitForEvent(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Drops the connection, as a client going away does. */
  destroy(): void;
  req: ClientRequest;
}

/** POSTs `body` to a streaming endpoint and parses the SSE frames as they arrive. */
export function openStream(port: number, pathname: string, body: object, headers: Record<string, string> = {}): SseStream {
  const data = Buffer.from(JSON.stringify(body));
  const events: SseEvent[] = [];
  const waiters: Array<{ pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  let destroyed = false;
  let raw = '';
  let pending = '';
  let resolveStatus!: (s: { status: number; headers: IncomingHttpHeaders }) => void;
  let resolveDone!: (d: { raw: string; events: SseEvent[] }) => void;
  let rejectDone!: (err: Error) => void;
  const status = new Promise<{ status: number; headers: IncomingHttpHeaders }>((r) => (resolveStatus = r));
  const done = new Promise<{ raw: string; events: SseEvent[] }>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const req = httpRequest(
    { host: '127.0.0.1', port, path: pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers }, agent: false },
    (res) => {
      resolveStatus({ status: res.statusCode ?? 0, headers: res.headers });
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        raw += d;
        pending += d;
        try {
          const parsed = parseSse(pending);
          pending = parsed.rest;
          for (const e of parsed.events) {
            events.push(e);
            for (const w of [...waiters]) {
              if (w.pred(e)) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve(e);
              }
            }
          }
        } catch (err) {
          rejectDone(err as Error);
          req.destroy();
        }
      });
      res.on('end', () => resolveDone({ raw, events }));
      res.on('error', (err) => {
        if (!destroyed) rejectDone(err);
      });
    },
  );
  req.on('error', (err) => {
    if (!destroyed) rejectDone(err);
  });
  req.end(data);
  // Callers that never await `done` (a stream they drop) must not see an unhandled rejection.
  done.catch(() => undefined);
  return {
    events,
    status,
    done,
    req,
    waitForEvent(pred, timeoutMs = 30_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching SSE event in time; got ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    destroy() {
      destroyed = true;
      req.destroy();
    },
  };
}

/** Linux: the pids of every live descendant of `pid` (read from /proc). Empty elsewhere. */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const parent = new Map<number, number>();
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // The command name (field 2) may contain spaces and parentheses; the fields after the last ')' are fixed.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (after[0] === 'Z') continue; // a zombie is already dead
      parent.set(Number(e), Number(after[1]));
    } catch {
      // Gone while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** Whether `pid` is a live process; a zombie (exited, not yet reaped) counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux), or it exited just now.
    return process.platform !== 'linux';
  }
}
