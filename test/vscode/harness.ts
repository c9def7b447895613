// Runs the in-host mocha suites (test/vscode/suite) inside a real VS Code and takes screenshots of
// its UI. See test/vscode/README.md. Entry point: `node test/vscode/run.mjs [options]`.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { buildLmProviderExtension, buildOurExtension, buildRunnerExtension, discoverSuites, packageOurExtension } from './build';
import { installExtensions, isolatedEnv, startCodeServer, type CodeServerSession } from './codeServer';
import { downloadVSCode, runInElectron } from './electron';
import { CONFIG_ENV, type RunResults, type RunnerConfig, type ScreenshotRequest, type ScreenshotResponse, type UiRequest, type UiResponse } from './protocol';
import { ensureChromium, ensureCodeServer, loadPlaywright } from './provision';
import { runUiRequest } from './ui';
import { ARTIFACTS_ROOT, CACHE_ROOT, REPO_ROOT, Skip, freePort, log, rmrf, seconds, sleep } from './util';

const THEMES = { dark: 'Default Dark Modern', light: 'Default Light Modern' } as const;
type Theme = keyof typeof THEMES;

const USAGE = `usage: node test/vscode/run.mjs [options] [suite.test.ts ...]
  --theme dark|light     workbench colour theme for the run and its screenshots (default dark;
                         env MCP_AGENT_VSCODE_THEME)
  --trust                keep workspace trust on (default: security.workspace.trust.enabled=false)
  --grep <pattern>       only tests whose full title matches
  --vsix <file>          install this .vsix instead of building and packaging the repo
  --workspace <dir>      open this folder (default: a fresh temp folder)
  --timeout <s>          give up on the whole in-host run after this long (default 600)
  --test-timeout <ms>    mocha's per-test timeout (default 60000)
  --electron             use @vscode/test-electron instead of code-server (= MCP_AGENT_TEST_ELECTRON=1)
  --provision-only       provision code-server + Node 24 + Chromium, then exit
  --keep                 keep the temp dir (user data, logs) and print where it is
Exit: 0 all passed (or SKIP: a prerequisite cannot be had here), 1 failures or errors.`;

interface Options {
  theme: Theme;
  trust: boolean;
  grep?: string;
  vsix?: string;
  workspace?: string;
  timeoutMs: number;
  testTimeoutMs: number;
  electron: boolean;
  provisionOnly: boolean;
  keep: boolean;
  suites: string[];
}

function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      theme: { type: 'string' },
      trust: { type: 'boolean', default: false },
      grep: { type: 'string' },
      vsix: { type: 'string' },
      workspace: { type: 'string' },
      timeout: { type: 'string', default: '600' },
      'test-timeout': { type: 'string', default: '60000' },
      electron: { type: 'boolean', default: false },
      'provision-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const theme = values.theme ?? process.env.MCP_AGENT_VSCODE_THEME ?? 'dark';
  if (theme !== 'dark' && theme !== 'light') throw new Error(`--theme must be dark or light, not ${theme}`);
  return {
    theme,
    trust: values.trust,
    grep: values.grep,
    vsix: values.vsix ? path.resolve(values.vsix) : undefined,
    workspace: values.workspace ? path.resolve(values.workspace) : undefined,
    timeoutMs: Number(values.timeout) * 1000,
    testTimeoutMs: Number(values['test-timeout']),
    electron: values.electron || process.env.MCP_AGENT_TEST_ELECTRON === '1',
    provisionOnly: values['provision-only'],
    keep: values.keep,
    suites: positionals,
  };
}

/** Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-vscode-test-'));
  const cleanups: (() => Promise<void> | void)[] = [];
  // Memoized: the signal handler and main's `finally` may both get here; the second waits for the first.
  let cleaning: Promise<void> | undefined;
  let interrupted = false;
  let skipped = false;
  const cleanup = (): Promise<void> => (cleaning ??= doCleanup());
  const doCleanup = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (options.keep) log(`kept ${tmp}`);
    else {
      try {
        rmrf(tmp);
      } catch (err) {
        log(`could not remove ${tmp}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    return options.electron ? await runElectron(options, tmp, cleanups) : await runCodeServer(options, tmp, cleanups);
  } catch (err) {
    if (interrupted) return 130; // whatever broke was us tearing it down
    if (err instanceof Skip) {
      skipped = true;
      process.stdout.write(`SKIP vscode in-host tests: ${err.message}\n`);
      return 0;
    }
    process.stderr.write(`[vscode-test] ERROR ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!skipped) log(`total ${seconds(started)}`);
  }
}

interface Prepared {
  config: RunnerConfig;
  configPath: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  screenshotDir: string;
}

function prepare(options: Options, tmp: string, suiteBundles: string[], launcher: RunnerConfig['launcher'], controlUrl?: string): Prepared {
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const workspace = options.workspace ?? path.join(tmp, 'workspace');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  if (!options.workspace) {
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'README.md'), '# Test workspace\n\nOpened by test/vscode/harness.ts.\n');
  }
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings(options), null, 2));

  const outDir = path.join(tmp, 'out');
  const config: RunnerConfig = {
    runId: `${Date.now()}-${process.pid}`,
    suiteFiles: suiteBundles,
    outDir,
    controlUrl,
    grep: options.grep,
    timeoutMs: options.testTimeoutMs,
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    launcher,
    repoRoot: REPO_ROOT,
    userDataDir,
    workspace,
    theme: options.theme,
    workspaceTrust: options.trust,
  };
  const configPath = path.join(tmp, 'runner-config.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  // A Restricted Mode run (--trust) keeps its own folder, so it does not replace the trusted run's pictures.
  const screenshotDir = path.join(ARTIFACTS_ROOT, options.trust ? `${options.theme}-restricted` : options.theme);
  rmrf(screenshotDir); // this run's screenshots only (the other theme's stay)
  return { config, configPath, workspace, userDataDir, extensionsDir, screenshotDir };
}

function userSettings(options: Options): Record<string, unknown> {
  return {
    'workbench.colorTheme': THEMES[options.theme],
    // With trust on, the folder opens in Restricted Mode; no modal "Do you trust the authors" in front of the tests.
    ...(options.trust ? { 'security.workspace.trust.startupPrompt': 'never' } : { 'security.workspace.trust.enabled': false }),
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'window.commandCenter': false,
    'git.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    // xterm's DOM renderer: what a terminal shows is then text a suite can read (and a screenshot looks the same).
    'terminal.integrated.gpuAcceleration': 'off',
    // The suites name their scripted models freely, and an endpoint that does not list a model gets the conservative
    // 8k default, which would compact (and spend a scripted reply on the summary) mid-test. Suites about the window
    // set their own.
    'mcpAgent.llm.contextWindow': 131072,
  };
}

async function runCodeServer(options: Options, tmp: string, cleanups: (() => Promise<void> | void)[]): Promise<number> {
  // Prerequisites first: a SKIP should come before minutes of building.
  let t = Date.now();
  const playwright = await loadPlaywright();
  const chromiumPath = await ensureChromium();
  const install = await ensureCodeServer();
  log(`prerequisites ready (${seconds(t)})`);
  if (options.provisionOnly) return 0;

  t = Date.now();
  const buildDir = path.join(tmp, 'build');
  const [ourVsix, runner, lm] = await Promise.all([
    options.vsix ?? packageOurExtension(buildDir),
    buildRunnerExtension(path.join(buildDir, 'runner-extension'), discoverSuites(options.suites), path.join(buildDir, 'mcp-agent-test-runner.vsix')),
    buildLmProviderExtension(path.join(buildDir, 'lm-provider-extension'), path.join(buildDir, 'mcp-agent-test-lm.vsix')),
  ]);
  log(`built runner extension with ${runner.suites.length} suite(s) (${seconds(t)})`);

  const control = await startControlServer();
  cleanups.push(() => control.close());
  const prepared = prepare(options, tmp, runner.suites, 'code-server', control.url);
  control.screenshotDir = prepared.screenshotDir;
  // The runner finds its config through the env (inherited by the extension host) or, failing
  // that, the marker file in the workspace: write only the env var; the marker is the fallback
  // documented for launchers that cannot pass env.
  const env = isolatedEnv(tmp, { [CONFIG_ENV]: prepared.configPath });
  await installExtensions(install, [ourVsix, runner.vsix!, lm.vsix!], prepared.extensionsDir, prepared.userDataDir, env);

  const session: CodeServerSession = await startCodeServer(
    {
      install,
      chromiumPath,
      tmp,
      userDataDir: prepared.userDataDir,
      extensionsDir: prepared.extensionsDir,
      workspace: prepared.workspace,
      env,
      port: await freePort(),
      viewport: { width: 1440, height: 900 },
      browserLog: path.join(tmp, 'browser-console.log'),
      onTeardown: (close) =>
        cleanups.push(async () => {
          const t0 = Date.now();
          await close();
          log(`code-server and Chromium stopped (${seconds(t0)})`);
        }),
    },
    playwright,
  );
  control.page = session.page;

  t = Date.now();
  let results: RunResults;
  try {
    results = await waitForResults(prepared.config, options.timeoutMs, session.died);
  } catch (err) {
    const shot = await control.capture('failure').catch(() => undefined);
    saveLogs(tmp, prepared.userDataDir);
    log(`logs: ${path.relative(REPO_ROOT, path.join(ARTIFACTS_ROOT, 'logs'))}/${shot ? `, screenshot: ${path.relative(REPO_ROOT, shot)}` : ''}`);
    throw err;
  }
  log(`in-host run finished (${seconds(t)})`);
  saveLogs(tmp, prepared.userDataDir);
  return report(results, prepared, control.saved);
}

async function runElectron(options: Options, tmp: string, cleanups: (() => Promise<void> | void)[]): Promise<number> {
  const executable = await downloadVSCode(); // SKIPs when VS Code cannot be downloaded
  if (options.provisionOnly) return 0;
  if (options.vsix) log('--vsix is ignored by the test-electron launcher: it loads the repo as the development extension');
  // Staged inside the repo (the development extension's folder), as test-electron setups keep
  // their compiled tests: VS Code then attributes the suites' require('vscode') to our extension.
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const stagingDir = fs.mkdtempSync(path.join(CACHE_ROOT, 'electron-run-'));
  cleanups.push(() => rmrf(stagingDir));
  const [, runner, lm] = await Promise.all([
    buildOurExtension(),
    buildRunnerExtension(stagingDir, discoverSuites(options.suites), undefined),
    buildLmProviderExtension(path.join(stagingDir, 'lm-provider-extension'), undefined),
  ]);
  let playwright: typeof import('playwright-core') | undefined;
  try {
    playwright = await loadPlaywright();
  } catch {
    playwright = undefined; // screenshots are best effort here
  }
  const control = await startControlServer();
  cleanups.push(() => control.close());
  const prepared = prepare(options, tmp, runner.suites, 'test-electron', playwright ? control.url : undefined);
  control.screenshotDir = prepared.screenshotDir;

  const t = Date.now();
  const exitCode = await runInElectron(executable, {
    runnerMain: runner.main,
    repoRoot: REPO_ROOT,
    extraExtensions: [lm.dir],
    workspace: prepared.workspace,
    userDataDir: prepared.userDataDir,
    extensionsDir: prepared.extensionsDir,
    configEnv: { [CONFIG_ENV]: prepared.configPath },
    playwright,
    onPage: (page) => (control.page = page),
  });
  saveLogs(tmp, prepared.userDataDir);
  const resultsPath = path.join(prepared.config.outDir, 'results.json');
  printNewLog(prepared.config.outDir, { offset: 0 });
  if (!fs.existsSync(resultsPath)) throw new Error(`VS Code exited (${exitCode}) without results; logs in ${path.relative(REPO_ROOT, ARTIFACTS_ROOT)}/logs`);
  log(`in-host run finished (${seconds(t)})`);
  const results = JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as RunResults;
  return report(results, prepared, control.saved) || (exitCode === 0 ? 0 : 1);
}

interface ControlServer {
  url: string;
  page?: Page;
  screenshotDir?: string;
  saved: string[];
  capture(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Loopback HTTP server the runner calls for what only the harness can do (screenshots, UI steps through Playwright). */
async function startControlServer(): Promise<ControlServer> {
  const control: ControlServer = {
    url: '',
    saved: [],
    capture: async (name) => {
      if (!control.page || !control.screenshotDir) throw new Error('no workbench page to screenshot');
      const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'screenshot';
      const file = path.join(control.screenshotDir, `${safe}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await sleep(300); // let the last layout/paint settle
      await control.page.screenshot({ path: file, animations: 'disabled' });
      control.saved.push(file);
      return file;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const reply = (status: number, payload: ScreenshotResponse | UiResponse): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'POST' && req.url === '/ui') {
        let step: UiRequest;
        try {
          step = JSON.parse(body) as UiRequest;
        } catch {
          return reply(400, { error: 'body must be a JSON UiRequest' });
        }
        // Failures come back as 200 with `error`: the suite decides whether a missing element is a failure.
        runUiRequest(control.page, step).then(
          (answer) => reply(200, answer),
          (err: unknown) => reply(500, { error: err instanceof Error ? err.message : String(err) }),
        );
        return;
      }
      if (req.method !== 'POST' || req.url !== '/screenshot') return reply(404, { error: `no ${req.method} ${req.url}` });
      let request: ScreenshotRequest;
      try {
        request = JSON.parse(body) as ScreenshotRequest;
      } catch {
        return reply(400, { error: 'body must be JSON {"name": ...}' });
      }
      control.capture(`${request.name}`).then(
        (file) => reply(200, { path: file }),
        (err: unknown) => reply(500, { error: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  control.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return control;
}

/** Streams mocha.log as it grows and resolves with results.json once the runner publishes it. */
async function waitForResults(config: RunnerConfig, timeoutMs: number, died: () => string | undefined): Promise<RunResults> {
  const resultsPath = path.join(config.outDir, 'results.json');
  const cursor = { offset: 0 };
  const deadline = Date.now() + timeoutMs;
  let sawStart = false;
  for (;;) {
    printNewLog(config.outDir, cursor);
    if (fs.existsSync(resultsPath)) {
      printNewLog(config.outDir, cursor);
      return JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as RunResults;
    }
    if (!sawStart && fs.existsSync(path.join(config.outDir, 'started'))) sawStart = true;
    const why = died();
    if (why) throw new Error(why);
    if (Date.now() > deadline) {
      throw new Error(
        sawStart
          ? `the in-host suites did not finish within ${timeoutMs / 1000} s`
          : `the runner extension never started within ${timeoutMs / 1000} s (extension host not up, or the runner did not find ${CONFIG_ENV})`,
      );
    }
    await sleep(200);
  }
}

function printNewLog(outDir: string, cursor: { offset: number }): void {
  const logPath = path.join(outDir, 'mocha.log');
  if (!fs.existsSync(logPath)) return;
  const size = fs.statSync(logPath).size;
  if (size <= cursor.offset) return;
  const fd = fs.openSync(logPath, 'r');
  try {
    const buffer = Buffer.alloc(size - cursor.offset);
    fs.readSync(fd, buffer, 0, buffer.length, cursor.offset);
    cursor.offset = size;
    process.stdout.write(buffer.toString('utf8'));
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies VS Code's and code-server's logs into test-artifacts/vscode/logs for after the fact. */
function saveLogs(tmp: string, userDataDir: string): void {
  const dest = path.join(ARTIFACTS_ROOT, 'logs');
  rmrf(dest);
  fs.mkdirSync(dest, { recursive: true });
  for (const file of ['code-server.log', 'browser-console.log']) {
    const src = path.join(tmp, file);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dest, file));
  }
  const logs = path.join(userDataDir, 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode'), { recursive: true });
  const outDir = path.join(tmp, 'out');
  if (fs.existsSync(path.join(outDir, 'mocha.log'))) fs.copyFileSync(path.join(outDir, 'mocha.log'), path.join(ARTIFACTS_ROOT, 'mocha.log'));
}

function report(results: RunResults, prepared: Prepared, screenshots: string[]): number {
  fs.mkdirSync(ARTIFACTS_ROOT, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS_ROOT, 'results.json'), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(ARTIFACTS_ROOT, 'metrics.json'), JSON.stringify({ vscodeVersion: results.vscodeVersion, launcher: prepared.config.launcher, ...results.metrics }, null, 2));
  if (results.error) process.stdout.write(`[vscode-test] runner error: ${results.error}\n`);
  for (const file of screenshots) log(`screenshot ${path.relative(REPO_ROOT, file)}`);
  const metrics = Object.entries(results.metrics);
  if (metrics.length > 0) log(`metrics (VS Code ${results.vscodeVersion}): ${metrics.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const { passes, failures, pending } = results.stats;
  // The plain closing line CI reads.
  process.stdout.write(`vscode: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
  return failures > 0 || results.error || results.stats.tests === 0 ? 1 : 0;
}
