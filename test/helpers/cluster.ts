/**
 * The deployment of docs/DEPLOY.md on one machine: N `mcp-agent serve` instances (the built CLI, each on its own
 * port, all on one conversation store and one Redis) behind nginx with deploy/nginx.conf. Used by the multi-instance
 * tests, the load benchmark and `scripts/cluster.ts` (the same topology by hand).
 *
 * nginx runs unprivileged-friendly: its own prefix, pid, logs and temp paths in a temp directory; `daemon off` so
 * the process is ours to stop.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from './servers';
import { freePort } from './redis';
import { request } from './api';

const REPO = path.resolve(__dirname, '..', '..');
export const NGINX_CONF = path.join(REPO, 'deploy', 'nginx.conf');

export function nginxBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return undefined;
}

export interface ClusterOptions {
  instances: number;
  /** The workspace (cwd of each instance: config.yaml with its servers and settings). */
  cwd: string;
  /** Environment of each instance (model, store, cache, data dirs, keys). */
  env: NodeJS.ProcessEnv;
  /** More arguments for every `serve`. */
  args?: string[];
  /** Where nginx listens (default: a free port). */
  port?: number;
}

export interface Instance {
  readonly index: number;
  readonly port: number;
  child?: ChildProcess;
  log: string;
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Cluster {
  /** nginx's base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  readonly instances: Instance[];
  /** Starts instance i (again) on its port and waits until /ready answers 200. */
  start(i: number): Promise<void>;
  /** Sends `signal` to instance i and waits for its exit. */
  stop(i: number, signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops every instance and nginx. */
  close(): Promise<void>;
  /** nginx's error log so far. */
  nginxLog(): string;
}

/** deploy/nginx.conf with the cluster's ports: the upstream's servers and the listen port replaced. */
export function renderNginxConf(template: string, listen: number, ports: number[]): string {
  const servers = template.match(/^\s*server 127\.0\.0\.1:\d+[^\n]*$/gm);
  if (!servers?.length) throw new Error('deploy/nginx.conf: no "server 127.0.0.1:PORT" lines in the upstream');
  const line = servers[0].replace(/:\d+/, ':PORT');
  const block = ports.map((p) => line.replace('PORT', String(p))).join('\n');
  let out = template.replace(/^\s*server 127\.0\.0\.1:\d+[^\n]*\n/gm, '');
  out = out.replace(/(upstream mcp_agent \{[^\n]*\n(?:\s*#[^\n]*\n)*\s*least_conn;\n)/, `$1${block}\n`);
  out = out.replace(/listen \d+;/, `listen 127.0.0.1:${listen};`);
  return out;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const nginx = nginxBinary();
  if (!nginx) throw new Error('nginx is not installed (apt-get install nginx)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-cluster-'));
  chmodSync(dir, 0o755);
  const ports: number[] = [];
  for (let i = 0; i < opts.instances; i++) ports.push(await freePort());
  const listen = opts.port ?? (await freePort());
  const instances: Instance[] = ports.map((port, index) => ({ index, port, log: '' }));

  async function start(i: number): Promise<void> {
    const inst = instances[i];
    const child = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', String(inst.port), ...(opts.args ?? [])], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    inst.child = child;
    inst.log = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      inst.log += d;
      if (inst.log.length > 1_000_000) inst.log = inst.log.slice(-500_000);
    });
    inst.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`instance ${i} exited before it was ready:\n${inst.log}`);
      try {
        if ((await request(inst.port, '/ready', { timeoutMs: 2_000 })).status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`instance ${i} was not ready within 60 s:\n${inst.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(i: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000) {
    const inst = instances[i];
    const child = inst.child;
    if (!child || !inst.exited) return { code: null, signal: null };
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        inst.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`instance ${i} did not exit within ${timeoutMs} ms of ${signal}`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  await Promise.all(instances.map((_, i) => start(i)));

  // nginx: the deployment's server block inside a minimal main config, everything under `dir`.
  const temp = path.join(dir, 'temp');
  mkdirSync(temp, { mode: 0o777 });
  chmodSync(temp, 0o777);
  const site = renderNginxConf(readFileSync(NGINX_CONF, 'utf8'), listen, ports);
  writeFileSync(path.join(dir, 'mcp-agent.conf'), site);
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'error.log')} warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${temp}/body;`,
      `  proxy_temp_path ${temp}/proxy;`,
      `  fastcgi_temp_path ${temp}/fastcgi;`,
      `  uwsgi_temp_path ${temp}/uwsgi;`,
      `  scgi_temp_path ${temp}/scgi;`,
      `  include ${path.join(dir, 'mcp-agent.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const proxy = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let proxyLog = '';
  proxy.stderr.setEncoding('utf8').on('data', (d: string) => (proxyLog += d));
  const proxyExit = new Promise<void>((resolve) => proxy.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proxy.exitCode !== null) throw new Error(`nginx exited: ${proxyLog}`);
    try {
      if ((await request(listen, '/health', { timeoutMs: 2_000 })).status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 20 s: ${proxyLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url: `http://127.0.0.1:${listen}`,
    port: listen,
    instances,
    start,
    stop,
    nginxLog: () => {
      try {
        return proxyLog + readFileSync(path.join(dir, 'error.log'), 'utf8');
      } catch {
        return proxyLog;
      }
    },
    async close() {
      await Promise.all(instances.map((_, i) => stop(i, 'SIGTERM', 30_000).catch(() => undefined)));
      if (proxy.exitCode === null) proxy.kill('SIGQUIT');
      await Promise.race([proxyExit, new Promise((r) => setTimeout(r, 5_000))]);
      if (proxy.exitCode === null) proxy.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
