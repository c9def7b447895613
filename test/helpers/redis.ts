/**
 * A real, throwaway redis-server for integration tests: a free port, no persistence (`--save '' --appendonly no`),
 * stopped after. When redis-server is not installed and we are root, one `apt-get install` is attempted; otherwise
 * callers skip, and one line says why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RedisServer {
  port: number;
  url: string;
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: simulates a crash. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its socket open but stops answering. */
  pause(): void;
  resume(): void;
}

let binary: string | null | undefined;
let reportedMissing = false;

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined; // no sh, or not found
  const out = r.stdout.trim();
  return out !== '' ? out : undefined;
}

/** Path of redis-server, installing it once via apt-get when running as root; null when unavailable. */
export function redisServerBinary(): string | null {
  if (binary !== undefined) return binary;
  let found = which('redis-server');
  if (!found && process.getuid?.() === 0 && which('apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 180_000 });
    if (update.status === 0) spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'ignore', env, timeout: 300_000 });
    found = which('redis-server');
  }
  binary = found ?? null;
  return binary;
}

/** Skip message, printed once per run. */
export function reportRedisMissing(): void {
  if (reportedMissing) return;
  reportedMissing = true;
  console.log('    redis-server is missing (not on PATH and could not be installed): skipping the Redis tests');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(bin: string, port: number): Promise<RedisServer | undefined> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-redis-'));
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const onData = (b: Buffer): void => {
      log += b.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  if (!ready) {
    child.kill('SIGKILL');
    await waitExit(child);
    cleanup();
    return undefined;
  }
  // Keep draining output so a chatty server never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill(signal);
    }
    await waitExit(child);
    cleanup();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}

/** A server on a given port (to simulate a restart); undefined when the port cannot be bound or redis is missing. */
export async function startRedisOnPort(port: number): Promise<RedisServer | undefined> {
  const bin = redisServerBinary();
  return bin ? startOnce(bin, port) : undefined;
}

/** A running server, or undefined when redis-server is unavailable (after printing the skip line). */
export async function startRedis(): Promise<RedisServer | undefined> {
  const bin = redisServerBinary();
  if (!bin) {
    reportRedisMissing();
    return undefined;
  }
  // The free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await startOnce(bin, await freePort());
    if (server) return server;
  }
  throw new Error('redis-server is installed but would not start');
}
