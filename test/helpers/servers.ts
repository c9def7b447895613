/** Real MCP servers for tests: the reference `everything` server over stdio, Streamable HTTP and SSE, and our fault fixture. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import type { ServerDefinition } from '../../src/core/mcp/serverConfig';

export const ROOT = path.resolve(__dirname, '../..');
export const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js', { paths: [ROOT] });
export const FAULT_SERVER = path.join(ROOT, 'test/fixtures/servers/fault-server.mjs');
export const CLI = path.join(ROOT, 'dist/cli.js');

export function stdioDef(name: string, args: string[], extra: Partial<ServerDefinition> = {}): ServerDefinition {
  return { name, transport: 'stdio', command: process.execPath, args, env: {}, headers: {}, timeoutMs: 10_000, disabled: false, source: 'test', ...extra };
}

export function faultDef(name = 'fault', flags: string[] = [], extra: Partial<ServerDefinition> = {}): ServerDefinition {
  return stdioDef(name, [FAULT_SERVER, '--name', name, ...flags], extra);
}

export function everythingDef(name = 'everything', extra: Partial<ServerDefinition> = {}): ServerDefinition {
  return stdioDef(name, [EVERYTHING, 'stdio'], extra);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `everything` over `streamableHttp` (url .../mcp) or `sse` (url .../sse) and waits until it listens. */
export async function startEverythingHttp(mode: 'streamableHttp' | 'sse'): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, mode], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`everything ${mode} did not start`)), 15_000);
    const onData = (d: Buffer) => {
      if (/listening|running/i.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`everything ${mode} exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}/${mode === 'sse' ? 'sse' : 'mcp'}`;
  return {
    url,
    child,
    stop: () => killAndWait(child),
  };
}

/** SIGKILL a server process and resolve once it has exited. */
function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export function textOf(result: { content?: Array<{ type: string; text?: string }> }): string {
  return (result.content ?? []).map((c) => c.text ?? '').join('');
}

export const HTTP_FIXTURE = path.join(ROOT, 'test/fixtures/servers/http-server.mjs');

/** Starts the stateful HTTP fixture on `port` (0: any) and resolves with its URL once it listens. */
export async function startHttpFixture(port = 0): Promise<RunningServer & { port: number }> {
  const child = spawn(process.execPath, [HTTP_FIXTURE], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  const actual = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('http fixture did not start')), 15_000);
    child.stderr?.on('data', (d: Buffer) => {
      const m = /listening on (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`http fixture exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${actual}/mcp`,
    port: actual,
    child,
    stop: () => killAndWait(child),
  };
}
