/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`) against a client
 * command, for the test suite. See docs/CONFORMANCE.md for what each client scenario expects.
 *
 * The suite needs Node >= 22 (it imports `globSync` from `node:fs`); this machine runs Node 20, so
 * `ensureConformance()` installs both the suite and a Node 24 binary (the npm package
 * `node-<platform>-<arch>`, which ships `bin/node`) from the npm registry into
 * `<repo>/.cache/conformance/<key>/`. The install is idempotent (a `.complete` marker), serialized
 * between processes with a lock directory, and published with an atomic rename, so concurrent test
 * processes never see a half-installed tree.
 *
 * Environment:
 * - `MCP_AGENT_CONFORMANCE=skip`      never install or run; `ensureConformance()` returns `{ skip }`.
 * - `MCP_AGENT_CONFORMANCE=required`  an install failure throws instead of returning `{ skip }`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { quote } from 'shell-quote';
import { z } from 'zod';

/** The suite version these helpers and docs/CONFORMANCE.md were written against. */
export const CONFORMANCE_VERSION = '0.1.16';
/** Major version of the Node binary installed for the suite when the host Node is older than 22. */
export const CONFORMANCE_NODE_MAJOR = 24;
const MIN_NODE_MAJOR = 22;

const REPO_ROOT = findRepoRoot();
export const CONFORMANCE_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'conformance');

const INSTALL_TIMEOUT_MS = 10 * 60_000;
const LOCK_STALE_MS = 15 * 60_000;
const LOCK_POLL_MS = 500;

export interface ConformanceToolchain {
  /** Absolute path of a Node >= 22 binary to run the suite with. */
  node: string;
  /** Absolute path of the suite's CLI entry (`.../@modelcontextprotocol/conformance/dist/index.js`). */
  runner: string;
}

export type ConformanceAvailability = ConformanceToolchain | { skip: string };

export class ConformanceUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`MCP conformance suite unavailable: ${reason}`);
    this.name = 'ConformanceUnavailableError';
  }
}

// ---------------------------------------------------------------------------------------------
// Provisioning
// ---------------------------------------------------------------------------------------------

interface InstallPlan {
  key: string;
  dependencies: Record<string, string>;
  /** Path of the Node binary relative to the install dir, or undefined to use the host Node. */
  nodeRelPath?: string;
}

function hostNodeMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

function installPlan(): InstallPlan | { skip: string } {
  const dependencies: Record<string, string> = { '@modelcontextprotocol/conformance': CONFORMANCE_VERSION };
  if (hostNodeMajor() >= MIN_NODE_MAJOR) {
    return { key: `conformance-${CONFORMANCE_VERSION}-hostnode`, dependencies };
  }
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  if (platform !== 'linux' && platform !== 'darwin' && platform !== 'win') {
    return { skip: `no npm-packaged Node ${CONFORMANCE_NODE_MAJOR} for platform ${process.platform}` };
  }
  const pkg = `node-${platform}-${process.arch}`;
  dependencies[pkg] = `^${CONFORMANCE_NODE_MAJOR}`;
  const bin = platform === 'win' ? path.join('node_modules', pkg, 'bin', 'node.exe') : path.join('node_modules', pkg, 'bin', 'node');
  return { key: `conformance-${CONFORMANCE_VERSION}-node${CONFORMANCE_NODE_MAJOR}-${platform}-${process.arch}`, dependencies, nodeRelPath: bin };
}

function toolchainIn(dir: string, plan: InstallPlan): ConformanceToolchain {
  return {
    node: plan.nodeRelPath ? path.join(dir, plan.nodeRelPath) : process.execPath,
    runner: path.join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js'),
  };
}

function isComplete(dir: string, plan: InstallPlan): boolean {
  const tc = toolchainIn(dir, plan);
  return existsSync(path.join(dir, '.complete')) && existsSync(tc.runner) && existsSync(tc.node);
}

let provisioning: Promise<ConformanceAvailability> | undefined;

/**
 * Makes sure the conformance suite and a Node >= 22 to run it are installed under
 * `.cache/conformance/`, installing them from the npm registry the first time (about 15 s on a
 * cold npm cache). Returns their paths, or `{ skip: reason }` when they cannot be had (no npm, no
 * registry, unsupported platform, or `MCP_AGENT_CONFORMANCE=skip`). Memoized per process.
 */
export function ensureConformance(): Promise<ConformanceAvailability> {
  provisioning ??= provision();
  return provisioning;
}

async function provision(): Promise<ConformanceAvailability> {
  const mode = process.env.MCP_AGENT_CONFORMANCE;
  if (mode === 'skip' || mode === 'off' || mode === '0') return { skip: `MCP_AGENT_CONFORMANCE=${mode}` };
  const plan = installPlan();
  if ('skip' in plan) return plan;
  const finalDir = path.join(CONFORMANCE_CACHE_DIR, plan.key);
  if (isComplete(finalDir, plan)) return toolchainIn(finalDir, plan);

  try {
    await mkdir(CONFORMANCE_CACHE_DIR, { recursive: true });
    await withLock(path.join(CONFORMANCE_CACHE_DIR, `${plan.key}.lock`), () => isComplete(finalDir, plan), async () => {
      if (isComplete(finalDir, plan)) return;
      await install(finalDir, plan);
    });
    if (!isComplete(finalDir, plan)) throw new Error(`install finished but ${finalDir} is incomplete`);
    return toolchainIn(finalDir, plan);
  } catch (err) {
    const reason = `could not install @modelcontextprotocol/conformance@${CONFORMANCE_VERSION}: ${errorText(err)}`;
    if (mode === 'required') throw new ConformanceUnavailableError(reason);
    return { skip: reason };
  }
}

async function install(finalDir: string, plan: InstallPlan): Promise<void> {
  const tmp = path.join(CONFORMANCE_CACHE_DIR, `${plan.key}.tmp-${process.pid}-${Date.now().toString(36)}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const pkgJson = { name: 'mcp-agent-conformance-cache', private: true, description: 'Installed by test/helpers/conformance.ts', dependencies: plan.dependencies };
    await writeFile(path.join(tmp, 'package.json'), `${JSON.stringify(pkgJson, null, 2)}\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const res = await runProcess(
      npm,
      ['install', '--prefix', tmp, '--no-audit', '--no-fund', '--no-package-lock', '--no-save', '--ignore-scripts', '--loglevel=error'],
      { cwd: tmp, env: npmEnv(), timeoutMs: INSTALL_TIMEOUT_MS },
    );
    if (res.error) throw new Error(`npm could not be started: ${res.error}`);
    if (res.timedOut) throw new Error(`npm install timed out after ${INSTALL_TIMEOUT_MS / 1000} s`);
    if (res.exitCode !== 0) throw new Error(`npm install exited ${String(res.exitCode)}: ${tail(res.stderr || res.stdout, 1500)}`);

    const tc = toolchainIn(tmp, plan);
    const probe = await runProcess(tc.node, ['--version'], { timeoutMs: 30_000 });
    const major = Number(/^v(\d+)/.exec(probe.stdout.trim())?.[1] ?? 'NaN');
    if (probe.exitCode !== 0 || !(major >= MIN_NODE_MAJOR)) throw new Error(`${tc.node} does not run as Node >= ${MIN_NODE_MAJOR}: ${probe.stdout}${probe.stderr}${probe.error ?? ''}`);
    if (!existsSync(tc.runner)) throw new Error(`the package has no ${path.relative(tmp, tc.runner)}`);

    await writeFile(path.join(tmp, '.complete'), `${JSON.stringify({ conformance: CONFORMANCE_VERSION, node: probe.stdout.trim(), installedAt: new Date().toISOString() })}\n`);
    try {
      await rename(tmp, finalDir);
    } catch (err) {
      // Lost a race (a stolen lock): keep the winner's tree if it is whole, else replace it.
      if (isComplete(finalDir, plan)) return;
      await rm(finalDir, { recursive: true, force: true });
      await rename(tmp, finalDir).catch((e: unknown) => {
        throw new Error(`could not publish ${finalDir}: ${errorText(e)} (after ${errorText(err)})`);
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The caller's env without the npm settings that `npm test` exports and that would redirect this install. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const drop = /^npm_config_(prefix|local_prefix|global|location|save.*|package_lock.*|dry_run|omit|include|production|only|workspaces?|include_workspace_root|install_links|ignore_scripts|offline|before)$/i;
  for (const key of Object.keys(env)) if (drop.test(key)) delete env[key];
  return env;
}

interface LockOwner {
  pid: number;
  host: string;
  at: number;
}

/**
 * Runs `fn` holding a lock directory. While another live process holds it, waits until `done()`
 * is true (that process finished the work) or the lock is released; steals a lock whose owner is
 * dead or that is older than LOCK_STALE_MS.
 */
async function withLock(lockDir: string, done: () => boolean, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_STALE_MS + INSTALL_TIMEOUT_MS;
  for (;;) {
    try {
      await mkdir(lockDir);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      if (done()) return;
      if (await lockIsStale(lockDir)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await sleep(LOCK_POLL_MS);
      continue;
    }
    try {
      const owner: LockOwner = { pid: process.pid, host: hostname(), at: Date.now() };
      await writeFile(path.join(lockDir, 'owner.json'), JSON.stringify(owner));
      await fn();
    } finally {
      await rm(lockDir, { recursive: true, force: true });
    }
    return;
  }
}

const LockOwnerSchema = z.object({ pid: z.number(), host: z.string(), at: z.number() });

async function lockIsStale(lockDir: string): Promise<boolean> {
  let owner: LockOwner | undefined;
  try {
    owner = LockOwnerSchema.parse(JSON.parse(await readFile(path.join(lockDir, 'owner.json'), 'utf8')));
  } catch {
    // The owner file is written right after mkdir: judge a lock without one by its age.
    try {
      return Date.now() - (await stat(lockDir)).mtimeMs > 60_000;
    } catch {
      return false; // vanished: not stale, just retry
    }
  }
  if (Date.now() - owner.at > LOCK_STALE_MS) return true;
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return !isErrno(err, 'EPERM');
  }
}

// ---------------------------------------------------------------------------------------------
// Running scenarios
// ---------------------------------------------------------------------------------------------

export const CheckStatusSchema = z.enum(['SUCCESS', 'FAILURE', 'WARNING', 'INFO', 'SKIPPED']);
export type CheckStatus = z.infer<typeof CheckStatusSchema>;

/** One entry of the suite's `checks.json` (the `ConformanceCheck` type of the suite). */
export const ConformanceCheckSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  status: CheckStatusSchema,
  timestamp: z.string(),
  errorMessage: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  specReferences: z.array(z.looseObject({ id: z.string(), url: z.string() })).optional(),
  logs: z.array(z.string()).optional(),
});
export type ConformanceCheck = z.infer<typeof ConformanceCheckSchema>;

export interface RunScenarioOptions {
  /** How long the client may run before the suite kills it and fails the scenario (`--timeout`). Default 30 000. */
  timeoutMs?: number;
  /** Extra environment for the suite and so for the client it spawns (which inherits the suite's env). */
  env?: Record<string, string | undefined>;
  /** Working directory for the suite, and so for the client command. Default: the repository root. */
  cwd?: string;
  /** Keep the suite's results (`checks.json`, `stdout.txt`, `stderr.txt`) under this directory instead of a deleted temp dir. */
  resultsDir?: string;
  /** A toolchain from `ensureConformance()`; resolved (and installed if needed) when omitted. */
  toolchain?: ConformanceToolchain;
}

export interface ScenarioResult {
  scenario: string;
  /**
   * The suite exited 0 (no FAILURE or WARNING check, no client timeout, and a zero client exit code
   * except in scenarios that expect the client to fail) and at least one check is SUCCESS (a client
   * that never connects would otherwise pass `initialize` with 0/0 checks).
   */
  passed: boolean;
  /** The suite's own exit code; null when it was killed by the outer watchdog. */
  exitCode: number | null;
  /** The suite's stdout and stderr, ANSI colours removed. Includes the pretty-printed checks. */
  output: string;
  /** Parsed `checks.json`; undefined when the suite wrote none (e.g. an unknown scenario). */
  checks?: ConformanceCheck[];
  /** Checks whose status is FAILURE or WARNING (both fail a scenario). */
  failures: ConformanceCheck[];
  /** What the client printed, as the suite captured it. */
  clientStdout?: string;
  clientStderr?: string;
  durationMs: number;
}

/**
 * Runs one client scenario: the suite starts its mock server(s), runs `clientCommand` with the
 * server URL appended as the last argument and `MCP_CONFORMANCE_SCENARIO` (plus, for some auth
 * scenarios, `MCP_CONFORMANCE_CONTEXT`) in its environment, then grades what the client did.
 *
 * `clientCommand` is an argv array (e.g. `[process.execPath, 'dist/cli.js', 'conformance']`); it is
 * POSIX-shell-quoted here because the suite runs its `--command` string through `/bin/sh`.
 * Throws ConformanceUnavailableError when the suite cannot be installed: call
 * `ensureConformance()` first and skip the test on `{ skip }`.
 */
export async function runClientScenario(scenario: string, clientCommand: readonly string[], opts: RunScenarioOptions = {}): Promise<ScenarioResult> {
  if (clientCommand.length === 0) throw new Error('clientCommand must not be empty');
  const toolchain = opts.toolchain ?? (await requireToolchain());
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const outDir = opts.resultsDir ?? (await mkdtemp(path.join(tmpdir(), 'mcp-conformance-')));
  if (opts.resultsDir) await mkdir(opts.resultsDir, { recursive: true });
  const before = new Set(await findFiles(outDir, 'checks.json'));

  const started = Date.now();
  try {
    const args = [
      '--no-deprecation',
      toolchain.runner,
      'client',
      '--command',
      // `exec`: the suite kills its `/bin/sh` on timeout; without exec (dash forks for `-c`) the
      // client would outlive it and hold the pipes open until it exits by itself.
      `exec ${quote([...clientCommand])}`,
      '--scenario',
      scenario,
      '--timeout',
      String(timeoutMs),
      '--output-dir',
      outDir,
    ];
    const res = await runProcess(toolchain.node, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: runnerEnv(opts.env),
      // The suite enforces timeoutMs on the client itself; this only guards against the suite hanging.
      timeoutMs: timeoutMs + 60_000,
    });
    const output = stripAnsi(res.stdout + (res.stdout && res.stderr ? '\n' : '') + res.stderr + (res.error ? `\n[harness] ${res.error}` : '') + (res.timedOut ? '\n[harness] the conformance runner hung and was killed' : ''));

    const fresh = (await findFiles(outDir, 'checks.json')).filter((f) => !before.has(f)).sort();
    const checksFile = fresh.at(-1);
    let checks: ConformanceCheck[] | undefined;
    let clientStdout: string | undefined;
    let clientStderr: string | undefined;
    let parseNote = '';
    if (checksFile) {
      try {
        checks = z.array(ConformanceCheckSchema).parse(JSON.parse(await readFile(checksFile, 'utf8')));
      } catch (err) {
        parseNote = `\n[harness] could not parse ${checksFile}: ${errorText(err)}`;
      }
      const dir = path.dirname(checksFile);
      clientStdout = await readFile(path.join(dir, 'stdout.txt'), 'utf8').catch(() => undefined);
      clientStderr = await readFile(path.join(dir, 'stderr.txt'), 'utf8').catch(() => undefined);
    }
    const failures = (checks ?? []).filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    const passed = res.exitCode === 0 && checks !== undefined && failures.length === 0 && checks.some((c) => c.status === 'SUCCESS');
    return { scenario, passed, exitCode: res.exitCode, output: output + parseNote, checks, failures, clientStdout, clientStderr, durationMs: Date.now() - started };
  } finally {
    if (!opts.resultsDir) await rm(outDir, { recursive: true, force: true });
  }
}

export interface ScenarioInfo {
  name: string;
  /** Spec versions the scenario belongs to: dates such as `2025-11-25`, or `draft` / `extension`. */
  specVersions: string[];
}

/** The client scenarios the installed suite knows (`conformance list --client`). */
export async function listClientScenarios(toolchain?: ConformanceToolchain): Promise<ScenarioInfo[]> {
  const tc = toolchain ?? (await requireToolchain());
  const res = await runProcess(tc.node, ['--no-deprecation', tc.runner, 'list', '--client'], { env: runnerEnv(), timeoutMs: 60_000 });
  if (res.exitCode !== 0) throw new Error(`conformance list failed (${String(res.exitCode)}): ${res.stderr}${res.error ?? ''}`);
  const scenarios: ScenarioInfo[] = [];
  for (const line of res.stdout.split('\n')) {
    const m = /^\s+-\s+(\S+)(?:\s+\[([^\]]*)\])?\s*$/.exec(line);
    if (m) scenarios.push({ name: m[1], specVersions: m[2] ? m[2].split(',').map((s) => s.trim()) : [] });
  }
  return scenarios;
}

/** A short multi-line report for assertion messages: failed checks, then the tail of the output. */
export function describeResult(result: ScenarioResult, maxOutput = 4000): string {
  const lines = [`conformance scenario ${result.scenario}: ${result.passed ? 'PASSED' : 'FAILED'} (exit ${String(result.exitCode)}, ${result.durationMs} ms)`];
  for (const c of result.failures) lines.push(`  ${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
  if (result.checks && !result.checks.some((c) => c.status === 'SUCCESS')) lines.push('  no check succeeded (did the client reach the server?)');
  if (result.clientStderr) lines.push('--- client stderr (tail) ---', tail(result.clientStderr, maxOutput / 2));
  lines.push('--- runner output (tail) ---', tail(result.output, maxOutput));
  return lines.join('\n');
}

async function requireToolchain(): Promise<ConformanceToolchain> {
  const tc = await ensureConformance();
  if ('skip' in tc) throw new ConformanceUnavailableError(tc.skip);
  return tc;
}

/** The suite's env (inherited by the client): the caller's, minus NODE_OPTIONS meant for this Node 20 process. */
function runnerEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.MCP_CONFORMANCE_SCENARIO;
  delete env.MCP_CONFORMANCE_CONTEXT;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------

/**
 * The directory of this project's package.json, walking up from this file (then from the cwd).
 * Not plain `__dirname/../..`: when an ES module imports this file, tsx compiles it as ESM and
 * `__dirname` is then not this file's directory.
 */
function findRepoRoot(): string {
  const starts = [typeof __dirname === 'string' && path.isAbsolute(__dirname) ? __dirname : undefined, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir; ) {
      const pkg = path.join(dir, 'package.json');
      if (existsSync(pkg) && existsSync(path.join(dir, 'test', 'helpers', 'conformance.ts'))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return process.cwd();
}

interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error?: string;
}

function runProcess(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const detached = process.platform !== 'win32';
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached, windowsHide: true });
    const killTree = (): void => {
      try {
        if (detached && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const finish = (r: ProcessResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    child.on('error', (err) => finish({ exitCode: null, stdout, stderr, timedOut, error: err.message }));
    child.on('close', (code) => {
      // The suite leaves nothing behind on its own; reap any straggler of the group all the same.
      if (detached && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // group already empty
        }
      }
      finish({ exitCode: code, stdout, stderr, timedOut });
    });
  });
}

async function findFiles(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...(await findFiles(p, name)));
    else if (e.name === name) found.push(p);
  }
  return found;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;]*m/g;
function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, '');
}

function tail(s: string, max: number): string {
  return s.length <= max ? s : `…${s.slice(-max)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
