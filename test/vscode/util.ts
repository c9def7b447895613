// Small process/fs helpers for the harness (plain Node; never loaded into VS Code).
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CACHE_ROOT = path.join(REPO_ROOT, '.cache', 'vscode-test');
/** Screenshots, logs, results.json and metrics.json; MCP_AGENT_VSCODE_ARTIFACTS moves them (the bench uses a temp dir). */
export const ARTIFACTS_ROOT = process.env.MCP_AGENT_VSCODE_ARTIFACTS ? path.resolve(process.env.MCP_AGENT_VSCODE_ARTIFACTS) : path.join(REPO_ROOT, 'test-artifacts', 'vscode');

/** A prerequisite cannot be had here: the harness prints one SKIP line and exits 0. */
export class Skip extends Error {}

export function log(message: string): void {
  process.stdout.write(`[vscode-test] ${message}\n`);
}

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Run a command to completion, capturing stdout+stderr together (printed by the caller on failure). */
export function run(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          output += `\n[vscode-test] timed out after ${options.timeoutMs} ms\n`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

export async function runOrThrow(what: string, command: string, args: string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${what} failed (${result.signal ?? `exit ${result.code}`}): ${command} ${args.join(' ')}\n${tail(result.output, 60)}`);
  }
  return result.output;
}

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

let aptUpdated = false;

/**
 * Install Debian packages when we are root on a Debian-like machine; otherwise (or when apt-get
 * says no) throw Skip with `why`, so the harness skips rather than fails.
 */
export async function aptInstall(packages: string[], why: string): Promise<void> {
  if (!isRoot() || !which('apt-get')) throw new Skip(`${why} (not root with apt-get: install ${packages.join(' ')} yourself)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const started = Date.now();
  log(`apt-get install ${packages.join(' ')} ...`);
  if (!aptUpdated) {
    const update = await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
    if (update.code !== 0) throw new Skip(`${why} (apt-get update failed: ${tail(update.output.trim(), 1)})`);
    aptUpdated = true;
  }
  const install = await run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env, timeoutMs: 900_000 });
  if (install.code !== 0) throw new Skip(`${why} (apt-get install ${packages.join(' ')} failed: ${tail(install.output.trim(), 1)})`);
  log(`apt-get install ${packages.join(' ')}: done in ${seconds(started)}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolve when `check` returns a value, polling; reject after timeoutMs or when `abort` says why. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, abort?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const reason = abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

export function rmrf(target: string): void {
  fs.rmSync(target, { recursive: true, force: true, maxRetries: 3 });
}
