// The code-server launcher: a real VS Code (server + web workbench) driven by headless Chromium.
// code-server's extension host starts only once a browser opens the workbench, so Chromium is not
// optional: it is what makes the runner extension (and our extension) load.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CodeServerInstall } from './provision';
import { log, runOrThrow, seconds, sleep, waitFor } from './util';

export interface CodeServerSession {
  url: string;
  page: Page;
  /** Why the session died, if it did (code-server exited). */
  died: () => string | undefined;
  close: () => Promise<void>;
}

export interface CodeServerOptions {
  install: CodeServerInstall;
  chromiumPath: string;
  tmp: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  port: number;
  viewport: { width: number; height: number };
  browserLog: string;
  /** Called with the teardown as soon as there is something to tear down (before any wait). */
  onTeardown: (close: () => Promise<void>) => void;
}

/** Env for every code-server process: keep it from writing to ~ (~/.config/code-server, ~/.local/share/code-server). */
export function isolatedEnv(tmp: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // A home of its own: the terminals the tests open start bash without this machine's ~/.bashrc (which may take
  // seconds: pyenv, nvm), and nothing the editor or its extensions write lands in the real home.
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    // No extension gallery: nothing is fetched (this machine has no network past the package
    // registries), and the workbench does not try to update built-in extensions.
    EXTENSIONS_GALLERY: '{}',
    ...extra,
  };
  // Do not let a surrounding VS Code/code-server session leak into ours, nor this machine's OpenAI settings into
  // the extension under test (it reads OPENAI_API_KEY/OPENAI_BASE_URL/OPENAI_MODEL as fallbacks).
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'CODE_SERVER_PARENT_PID' || /^OPENAI_/.test(key)) delete env[key];
  }
  return env;
}

export async function installExtensions(install: CodeServerInstall, vsixes: string[], extensionsDir: string, userDataDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const started = Date.now();
  const args = [install.entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
  for (const vsix of vsixes) args.push('--install-extension', vsix);
  const output = await runOrThrow('code-server --install-extension', install.node, args, { env, timeoutMs: 180_000 });
  const installed = output.match(/was successfully installed/g)?.length ?? 0;
  if (installed !== vsixes.length) throw new Error(`code-server installed ${installed} of ${vsixes.length} extensions:\n${output}`);
  log(`installed ${vsixes.map((v) => path.basename(v)).join(', ')} into code-server (${seconds(started)})`);
}

export async function startCodeServer(options: CodeServerOptions, playwright: typeof import('playwright-core')): Promise<CodeServerSession> {
  const { install, port } = options;
  const started = Date.now();
  const logPath = path.join(options.tmp, 'code-server.log');
  const logFd = fs.openSync(logPath, 'a');
  const args = [
    install.entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', options.userDataDir,
    '--extensions-dir', options.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--log', 'info',
    options.workspace,
  ];
  // detached: code-server leads its own process group, so one kill reaches its extension host,
  // pty host and file watchers too.
  const child: ChildProcess = spawn(install.node, args, { env: options.env, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `code-server exited (${signal ?? `exit ${code}`}); see ${logPath}`));

  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    if (browser) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([browser.close().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      browser = undefined;
    }
    await killGroup(child);
  };
  options.onTeardown(close);

  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor('code-server to listen', 60_000, () => httpOk(`${base}/healthz`), () => exited);
    log(`code-server ${install.version} listening on ${base} (${seconds(started)})`);

    browser = await playwright.chromium.launch({
      executablePath: options.chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      env: options.env, // its XDG dirs: keeps Chromium's crash-report database out of ~/.config
      // Playwright's own signal handlers would process.exit() before the harness has stopped
      // code-server: the harness handles signals and closes the browser itself.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const context = await browser.newContext({ viewport: options.viewport });
    const page = await context.newPage();
    const browserLog = fs.createWriteStream(options.browserLog, { flags: 'a' });
    page.on('console', (msg) => browserLog.write(`[${msg.type()}] ${msg.text()}\n`));
    page.on('pageerror', (err) => browserLog.write(`[pageerror] ${err.stack ?? err.message}\n`));
    const url = `${base}/?folder=${encodeURIComponent(options.workspace)}`;
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    log(`workbench loaded in Chromium (${seconds(started)} since code-server start)`);
    return { url, page, died: () => exited, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function httpOk(url: string): Promise<true | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? true : undefined);
    });
    req.setTimeout(2_000, () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * SIGTERM code-server's process group, then SIGKILL whatever is left of it after a grace period,
 * plus any descendant that left the group (VS Code runs its shell-environment probe detached, and
 * an extension may start detached servers): snapshot the process tree first, kill by pid.
 */
export async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const groupAlive = (): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const tree = descendants(pid);
  if (groupAlive()) {
    signal(-pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (groupAlive() && Date.now() < deadline) await sleep(100);
    if (groupAlive()) signal(-pid, 'SIGKILL');
  }
  for (const p of tree) signal(p, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Pids below `root` in the process tree right now (Linux /proc; empty elsewhere). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parens, so split after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent && !found.includes(pid)) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
}
