// The in-host test runner. Bundled (with mocha) by the harness into one CJS file that is
//  - an extension (`activate`), installed beside ours into code-server: it wakes on
//    onStartupFinished, and runs only when the harness left it a RunnerConfig (env var or
//    marker file in the workspace); otherwise it stays dormant;
//  - an `extensionTestsPath` module (`run`) for @vscode/test-electron.
// Either way it runs mocha over the compiled suite bundles inside the extension host, streams
// mocha's output to <outDir>/mocha.log and writes <outDir>/results.json when done.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { findSourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import {
  CONFIG_ENV,
  HOST_API_GLOBAL,
  MARKER_FILE,
  type HostApi,
  type RunResults,
  type RunnerConfig,
  type ScreenshotResponse,
  type TestResult,
  type UiRequest,
  type UiResponse,
} from '../../protocol';

export function activate(_context: vscode.ExtensionContext): void {
  const configPath = findConfigPath();
  if (!configPath) return; // not a test run: stay out of the way
  // Do not hold up activation (and thus the workbench) with the whole suite.
  setTimeout(() => {
    runFromConfigFile(configPath).catch((err: unknown) => {
      console.error('[mcp-agent-test-runner]', err);
    });
  }, 0);
}

export function deactivate(): void {}

/** @vscode/test-electron entry point (extensionTestsPath): reject on any failure. */
export async function run(): Promise<void> {
  const configPath = findConfigPath();
  if (!configPath) throw new Error(`${CONFIG_ENV} is not set and no ${MARKER_FILE} in the workspace`);
  const results = await runFromConfigFile(configPath);
  if (!results) throw new Error('the suite was already run for this runId');
  if (results.error) throw new Error(results.error);
  if (results.stats.failures > 0) throw new Error(`${results.stats.failures} test(s) failed`);
}

function findConfigPath(): string | undefined {
  const fromEnv = process.env[CONFIG_ENV];
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const candidate = path.join(folder.uri.fsPath, MARKER_FILE);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function runFromConfigFile(configPath: string): Promise<RunResults | undefined> {
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as RunnerConfig;
  fs.mkdirSync(config.outDir, { recursive: true });
  // A reloaded window re-activates the runner: run each runId once.
  const startedMarker = path.join(config.outDir, 'started');
  try {
    fs.writeFileSync(startedMarker, String(process.pid), { flag: 'wx' });
  } catch {
    return undefined;
  }

  const logPath = path.join(config.outDir, 'mocha.log');
  const log = (text: string): void => fs.appendFileSync(logPath, text);
  const metrics: Record<string, number> = {};
  const api: HostApi = {
    config,
    screenshot: (name) => requestScreenshot(config, name),
    ...(config.controlUrl ? { ui: (request: UiRequest) => postControl<UiResponse>(config, '/ui', request, (request.timeoutMs ?? 10_000) + 30_000) } : {}),
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  (globalThis as Record<string, unknown>)[HOST_API_GLOBAL] = api;

  let results: RunResults;
  try {
    results = await runMocha(config, log, metrics);
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`\n[runner] ${message}\n`);
    results = {
      runId: config.runId,
      vscodeVersion: vscode.version,
      stats: { tests: 0, passes: 0, failures: 0, pending: 0, durationMs: 0 },
      tests: [],
      metrics,
      error: message,
    };
  }
  const resultsPath = path.join(config.outDir, 'results.json');
  fs.writeFileSync(`${resultsPath}.tmp`, JSON.stringify(results, null, 2));
  fs.renameSync(`${resultsPath}.tmp`, resultsPath); // the harness polls for it: publish atomically
  return results;
}

function runMocha(config: RunnerConfig, log: (text: string) => void, metrics: Record<string, number>): Promise<RunResults> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    timeout: config.timeoutMs,
    color: config.color,
    ...(config.grep ? { grep: config.grep } : {}),
  });
  // The reporters print through Base.consoleLog: send it to the log the harness tails.
  const originalConsoleLog = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = (...data: unknown[]) => log(`${format(...data)}\n`);
  const extensionRoot = path.resolve(__dirname, '..'); // this file is <extension>/dist/runner.js
  // The suites carry inline source maps: have stack traces point at the .ts sources.
  process.setSourceMapsEnabled(true);
  for (const file of config.suiteFiles) mocha.addFile(path.resolve(extensionRoot, file));

  const tests: TestResult[] = [];
  const started = Date.now();
  return new Promise<RunResults>((resolve, reject) => {
    try {
      const runner = mocha.run(() => {
        Mocha.reporters.Base.consoleLog = originalConsoleLog;
        const passes = tests.filter((t) => t.state === 'passed').length;
        const failures = tests.filter((t) => t.state === 'failed').length;
        const pending = tests.filter((t) => t.state === 'pending').length;
        resolve({
          runId: config.runId,
          vscodeVersion: vscode.version,
          stats: { tests: tests.length, passes, failures, pending, durationMs: Date.now() - started },
          tests,
          metrics,
        });
      });
      // Before the reporter prints it: drop the (bundled) mocha frames, as mocha does for its own.
      runner.prependListener('fail', (_test, err: unknown) => {
        if (err instanceof Error && err.stack) err.stack = cleanStack(err.stack);
      });
      runner.on('pass', (test) => {
        tests.push({ fullTitle: test.fullTitle(), file: test.file, state: 'passed', durationMs: test.duration });
      });
      runner.on('pending', (test) => {
        tests.push({ fullTitle: test.fullTitle(), file: test.file, state: 'pending' });
      });
      // 'fail' also fires for hooks (before/after): count those as failures too.
      runner.on('fail', (test, err: unknown) => {
        const error = err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
        tests.push({ fullTitle: test.fullTitle(), file: test.file, state: 'failed', durationMs: test.duration, error });
      });
    } catch (err) {
      Mocha.reporters.Base.consoleLog = originalConsoleLog;
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/**
 * Drops the bundled runner's (mocha's) frames and maps suite-bundle frames back to the .ts
 * sources. Node would do the mapping itself, but the extension host installs its own
 * Error.prepareStackTrace, which bypasses Node's source-map support: so map by hand.
 */
function cleanStack(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !line.includes(__filename))
    .map((line) =>
      line.replace(/(\/[^():]+\.js):(\d+):(\d+)/, (whole, file: string, lineNo: string, column: string) => {
        const entry = findSourceMap(file)?.findEntry(Number(lineNo) - 1, Number(column) - 1);
        if (!entry || !('originalSource' in entry) || !entry.originalSource) return whole;
        const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(file), entry.originalSource);
        return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      }),
    )
    .join('\n');
}

async function requestScreenshot(config: RunnerConfig, name: string): Promise<string | undefined> {
  if (!config.controlUrl) return undefined;
  const reply = await postControl<ScreenshotResponse>(config, '/screenshot', { name }, 60_000);
  if (reply.error) throw new Error(`screenshot '${name}': ${reply.error}`);
  return reply.path;
}

/** POSTs JSON to the harness's control server and resolves with its JSON answer (errors included, as `error`). */
function postControl<T extends { error?: string }>(config: RunnerConfig, route: string, payload: unknown, timeoutMs: number): Promise<T> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${config.controlUrl}${route}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${route} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
