// The @vscode/test-electron launcher (MCP_AGENT_TEST_ELECTRON=1): for machines that can download
// VS Code. Same runner, loaded as extensionTestsPath; our extension is the development extension.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProgressReporter } from '@vscode/test-electron';
import type { Page } from 'playwright-core';
import { CACHE_ROOT, Skip, aptInstall, freePort, isRoot, log, seconds, sleep, which } from './util';

export interface ElectronRunOptions {
  runnerMain: string;
  repoRoot: string;
  /** More unpackaged extension folders to load beside ours (e.g. the scripted chat model's). */
  extraExtensions?: string[];
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  configEnv: Record<string, string>;
  /** Called once the workbench window is reachable over CDP (for screenshots); best effort. */
  onPage?: (page: Page) => void;
  playwright?: typeof import('playwright-core');
}

export async function downloadVSCode(): Promise<string> {
  // A VS Code already on this machine (its executable), instead of a download.
  const local = process.env.MCP_AGENT_VSCODE_EXECUTABLE;
  if (local) {
    if (!fs.existsSync(local)) throw new Skip(`MCP_AGENT_VSCODE_EXECUTABLE=${local} does not exist`);
    return local;
  }
  const testElectron = await import('@vscode/test-electron');
  const version = process.env.MCP_AGENT_VSCODE_VERSION ?? 'stable';
  const started = Date.now();
  try {
    let lastStage = '';
    const reporter: ProgressReporter = {
      // One line per stage (the default reporter draws a spinner, which garbles CI logs).
      report: (report) => {
        const stage: string = report.stage;
        if (stage === lastStage) return;
        lastStage = stage;
        if ('version' in report) log(`test-electron: ${report.stage} ${report.version}`);
        else if ('url' in report) log(`test-electron: ${report.stage} ${report.url}`);
        else if ('downloadedPath' in report) log(`test-electron: ${report.stage} ${report.downloadedPath}`);
      },
      error: () => undefined, // the rejection carries it
    };
    const executable = await testElectron.downloadAndUnzipVSCode({ version, cachePath: path.join(CACHE_ROOT, 'electron'), timeout: 30_000, reporter });
    log(`VS Code ${version} ready at ${executable} (${seconds(started)})`);
    return executable;
  } catch (err) {
    throw new Skip(`@vscode/test-electron could not download VS Code ${version}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** Electron needs an X display: use $DISPLAY, else start Xvfb (installing it when root). */
export async function ensureDisplay(): Promise<{ display: string; stop(): void }> {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, stop: () => undefined };
  if (process.platform !== 'linux') return { display: '', stop: () => undefined };
  if (!which('Xvfb')) {
    if (!isRoot()) throw new Skip('no $DISPLAY and no Xvfb for VS Code (install xvfb)');
    await aptInstall(['xvfb'], 'no $DISPLAY and no Xvfb for VS Code');
  }
  const display = `:${90 + Math.floor(Math.random() * 400)}`;
  const xvfb: ChildProcess = spawn('Xvfb', [display, '-screen', '0', '1440x900x24', '-nolisten', 'tcp'], { stdio: 'ignore', detached: true });
  await sleep(500);
  if (xvfb.exitCode !== null) throw new Skip(`Xvfb ${display} did not start`);
  return {
    display,
    stop: () => {
      try {
        if (xvfb.pid !== undefined) process.kill(-xvfb.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

export async function runInElectron(executable: string, options: ElectronRunOptions): Promise<number> {
  const testElectron = await import('@vscode/test-electron');
  const display = await ensureDisplay();
  const cdpPort = await freePort();
  const launchArgs = [
    options.workspace,
    '--disable-extensions',
    '--user-data-dir', options.userDataDir,
    '--extensions-dir', options.extensionsDir,
    '--disable-gpu',
    `--remote-debugging-port=${cdpPort}`,
  ];
  // runTests adds --no-sandbox (which Electron needs as root), --disable-gpu-sandbox,
  // --disable-updates, --skip-welcome, --skip-release-notes and --disable-workspace-trust itself.
  let stopped = false;
  const attach = options.playwright && options.onPage ? attachOverCdp(options.playwright, cdpPort, options.onPage, () => stopped) : Promise.resolve();
  try {
    return await testElectron.runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: [options.repoRoot, ...(options.extraExtensions ?? [])],
      extensionTestsPath: options.runnerMain,
      launchArgs,
      extensionTestsEnv: { ...options.configEnv, ...(display.display ? { DISPLAY: display.display } : {}) },
    });
  } catch (err) {
    // runTests rejects with "Failed" on a non-zero exit: the results file tells the rest.
    log(`test-electron: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    stopped = true;
    await attach;
    display.stop();
  }
}

/** Screenshots under Electron: attach Playwright to the workbench window over CDP (best effort). */
async function attachOverCdp(playwright: typeof import('playwright-core'), port: number, onPage: (page: Page) => void, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    try {
      const browser = await playwright.chromium.connectOverCDP(`http://127.0.0.1:${port}`, { timeout: 5_000 });
      for (let i = 0; i < 120 && !stopped(); i++) {
        const page = browser.contexts().flatMap((c) => c.pages()).find((p) => p.url().includes('workbench'));
        if (page) {
          onPage(page);
          return;
        }
        await sleep(500);
      }
      return;
    } catch {
      await sleep(1_000);
    }
  }
}

