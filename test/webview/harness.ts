/**
 * The chat webview outside VS Code: builds media/src like esbuild.mjs does (production, into a temp dir), serves
 * a page made by `chatHtml()` from a loopback server, and opens it in Debian Chromium with a fake
 * `acquireVsCodeApi` that records what the webview posts. Host messages are sent with `window.postMessage`, as
 * VS Code delivers them. Used by chat.test.ts and reusable by the benchmark.
 */
import * as esbuild from 'esbuild';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { chatHtml } from '../../src/shared/chatHtml';
import type { HostMessage, WebviewMessage } from '../../src/shared/protocol';

const execFileAsync = promisify(execFile);

export const ROOT = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

export type Theme = 'dark' | 'light';

/** A few of VS Code's Dark Modern / Light Modern colours, as the workbench sets them on the webview's <html>. */
const COMMON: Record<string, string> = {
  '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", "DejaVu Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '12px',
  '--vscode-editor-font-weight': 'normal',
};

export const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    ...COMMON,
    '--vscode-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-disabledForeground': 'rgba(204, 204, 204, 0.5)',
    '--vscode-errorForeground': '#f85149',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-icon-foreground': '#cccccc',
    '--vscode-sideBar-background': '#181818',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-widget-border': '#313131',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-sideBarSectionHeader-border': '#2b2b2b',
    '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.36)',
    '--vscode-toolbar-hoverBackground': 'rgba(90, 93, 94, 0.31)',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-border': 'rgba(255, 255, 255, 0.07)',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-input-background': '#313131',
    '--vscode-input-foreground': '#cccccc',
    '--vscode-input-border': '#3c3c3c',
    '--vscode-input-placeholderForeground': '#989898',
    '--vscode-textLink-foreground': '#4daafc',
    '--vscode-textLink-activeForeground': '#4daafc',
    '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-textPreformat-foreground': '#d0d0d0',
    '--vscode-textBlockQuote-background': '#2b2b2b',
    '--vscode-textBlockQuote-border': '#616161',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-editorWidget-border': '#454545',
    '--vscode-quickInput-background': '#222222',
    '--vscode-quickInput-foreground': '#cccccc',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-list-inactiveSelectionBackground': '#37373d',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-progressBar-background': '#0078d4',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-editorWarning-foreground': '#cca700',
    '--vscode-editorInfo-foreground': '#3794ff',
    '--vscode-inputValidation-errorBackground': '#5a1d1d',
    '--vscode-inputValidation-errorBorder': '#be1100',
    '--vscode-inputValidation-warningBackground': '#352a05',
    '--vscode-inputValidation-warningBorder': '#b89500',
    '--vscode-inputValidation-infoBackground': '#063b49',
    '--vscode-inputValidation-infoBorder': '#007acc',
    '--vscode-chat-requestBackground': 'rgba(31, 31, 31, 0.62)',
    '--vscode-chat-requestBorder': 'rgba(255, 255, 255, 0.1)',
    '--vscode-debugTokenExpression-name': '#c586c0',
    '--vscode-debugTokenExpression-string': '#ce9178',
    '--vscode-debugTokenExpression-boolean': '#4e94ce',
    '--vscode-debugTokenExpression-number': '#b5cea8',
    '--vscode-symbolIcon-functionForeground': '#b180d7',
    '--vscode-symbolIcon-classForeground': '#ee9d28',
    '--vscode-symbolIcon-variableForeground': '#75beff',
    '--vscode-gitDecoration-addedResourceForeground': '#81b88b',
    '--vscode-gitDecoration-deletedResourceForeground': '#c74e39',
    '--vscode-diffEditor-insertedTextBackground': 'rgba(156, 204, 44, 0.2)',
    '--vscode-diffEditor-removedTextBackground': 'rgba(255, 0, 0, 0.2)',
    '--vscode-keybindingTable-headerBackground': 'rgba(204, 204, 204, 0.04)',
  },
  light: {
    ...COMMON,
    '--vscode-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-disabledForeground': 'rgba(97, 97, 97, 0.5)',
    '--vscode-errorForeground': '#f85149',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-icon-foreground': '#3b3b3b',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-editor-background': '#ffffff',
    '--vscode-widget-border': '#e5e5e5',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-sideBarSectionHeader-border': '#e5e5e5',
    '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.16)',
    '--vscode-toolbar-hoverBackground': 'rgba(184, 184, 184, 0.31)',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#0258a8',
    '--vscode-button-border': 'rgba(0, 0, 0, 0.1)',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b',
    '--vscode-input-border': '#cecece',
    '--vscode-input-placeholderForeground': '#767676',
    '--vscode-textLink-foreground': '#005fb8',
    '--vscode-textLink-activeForeground': '#005fb8',
    '--vscode-textCodeBlock-background': 'rgba(220, 220, 220, 0.4)',
    '--vscode-textPreformat-foreground': '#3b3b3b',
    '--vscode-textBlockQuote-background': '#f2f2f2',
    '--vscode-textBlockQuote-border': '#e5e5e5',
    '--vscode-editorWidget-background': '#ffffff',
    '--vscode-editorWidget-border': '#c8c8c8',
    '--vscode-quickInput-background': '#f8f8f8',
    '--vscode-quickInput-foreground': '#3b3b3b',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-progressBar-background': '#005fb8',
    '--vscode-testing-iconPassed': '#388a34',
    '--vscode-editorWarning-foreground': '#bf8803',
    '--vscode-editorInfo-foreground': '#1a85ff',
    '--vscode-inputValidation-errorBackground': '#f2dede',
    '--vscode-inputValidation-errorBorder': '#be1100',
    '--vscode-inputValidation-warningBackground': '#f6f5d2',
    '--vscode-inputValidation-warningBorder': '#b89500',
    '--vscode-inputValidation-infoBackground': '#d6ecf2',
    '--vscode-inputValidation-infoBorder': '#007acc',
    '--vscode-chat-requestBackground': 'rgba(255, 255, 255, 0.62)',
    '--vscode-chat-requestBorder': 'rgba(0, 0, 0, 0.1)',
    '--vscode-debugTokenExpression-name': '#9b46b0',
    '--vscode-debugTokenExpression-string': '#a31515',
    '--vscode-debugTokenExpression-boolean': '#0000ff',
    '--vscode-debugTokenExpression-number': '#098658',
    '--vscode-symbolIcon-functionForeground': '#652d90',
    '--vscode-symbolIcon-classForeground': '#d67e00',
    '--vscode-symbolIcon-variableForeground': '#007acc',
    '--vscode-gitDecoration-addedResourceForeground': '#587c0c',
    '--vscode-gitDecoration-deletedResourceForeground': '#ad0707',
    '--vscode-diffEditor-insertedTextBackground': 'rgba(156, 204, 44, 0.25)',
    '--vscode-diffEditor-removedTextBackground': 'rgba(255, 0, 0, 0.2)',
    '--vscode-keybindingTable-headerBackground': 'rgba(0, 0, 0, 0.04)',
  },
};

/** Builds the webview bundle with the options of esbuild.mjs's webview entry (production) into `outDir`. */
export async function buildWebview(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'media/src/main.ts')],
    outfile: path.join(outDir, 'chat.js'),
    bundle: true,
    mainFields: ['module', 'main'],
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const f of ['codicon.css', 'codicon.ttf']) await copyFile(path.join(ROOT, 'node_modules/@vscode/codicons/dist', f), path.join(outDir, f));
}

export interface Harness {
  browser: Browser;
  origin: string;
  /** A fresh page with the chat view loaded (it has posted `ready`). */
  open(options?: OpenOptions): Promise<ChatPage>;
  close(): Promise<void>;
}

export interface OpenOptions {
  theme?: Theme;
  width?: number;
  height?: number;
  /** What `getState()` returns at load (e.g. a saved draft). */
  state?: unknown;
  /** Translated labels the host puts in the page (`chatHtml`'s `strings`). */
  strings?: Record<string, string>;
}

export interface ChatPage {
  page: Page;
  /** Sends host -> webview messages in order (each its own `message` event, as from VS Code). */
  send(...messages: HostMessage[]): Promise<void>;
  /** Everything the webview posted so far. */
  posted(): Promise<WebviewMessage[]>;
  /** Waits until the webview posted a message matching `pred`; returns it. */
  waitForPosted(pred: (m: WebviewMessage) => boolean, timeoutMs?: number): Promise<WebviewMessage>;
  clearPosted(): Promise<void>;
  /** What the webview last gave `setState`. */
  savedState(): Promise<unknown>;
  /** Resolves after `n` animation frames. */
  frames(n?: number): Promise<void>;
  /** Scheduling priority of the whole browser (see `setPriority`); false when it could not be changed. */
  setPriority(level: Priority): Promise<boolean>;
}

export type Priority = 'realtime' | 'normal';

/**
 * Scheduling of every thread of the browser started by the harness (renderers, compositor, raster...).
 * 'realtime' (SCHED_RR 1, needs root; the kernel still keeps 5% of each second for everything else) takes the
 * browser out of the competition with other work on a busy machine, so a long-task measurement measures this code
 * rather than the machine's load. Returns whether the change was applied.
 */
async function setPriority(pidFile: string, level: Priority): Promise<boolean> {
  try {
    const root = Number((await readFile(pidFile, 'utf8')).trim());
    const { stdout } = await execFileAsync('ps', ['-eo', 'pid=,ppid=']);
    const children = new Map<number, number[]>();
    for (const line of stdout.trim().split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    }
    const pids: number[] = [];
    const stack = [root];
    while (stack.length) {
      const p = stack.pop()!;
      pids.push(p);
      stack.push(...(children.get(p) ?? []));
    }
    // Scheduling policy is per thread on Linux.
    const tids: string[] = [];
    for (const p of pids) tids.push(...(await readdir(`/proc/${p}/task`).catch(() => [])));
    if (!tids.length) return false;
    const args = level === 'realtime' ? '-r -p 1' : '-o -p 0';
    const script = `ok=0; for t in ${tids.join(' ')}; do chrt ${args} $t 2>/dev/null && ok=1; done; [ $ok = 1 ]`;
    await execFileAsync('sh', ['-c', script]);
    return true;
  } catch {
    return false;
  }
}

function contentType(file: string): string {
  if (file.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (file.endsWith('.css')) return 'text/css; charset=utf-8';
  if (file.endsWith('.ttf')) return 'font/ttf';
  return 'text/html; charset=utf-8';
}

/** Builds the bundle, starts the server and Chromium. Throws when Chromium or playwright-core is missing. */
export async function startHarness(): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  const playwright = await import('playwright-core');
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-agent-webview-'));
  const dist = path.join(dir, 'dist');
  await buildWebview(dist);

  let origin = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/' || url.pathname === '/index.html') {
        // Like VS Code: a fresh nonce per document.
        const nonce = randomBytes(16).toString('base64');
        const html = chatHtml({
          cspSource: origin,
          nonce,
          scriptUri: `${origin}/dist/chat.js`,
          styleUri: `${origin}/dist/chat.css`,
          codiconsUri: `${origin}/dist/codicon.css`,
          lang: url.searchParams.get('lang') ?? 'en',
          strings: url.searchParams.has('strings') ? (JSON.parse(url.searchParams.get('strings') ?? '{}') as Record<string, string>) : undefined,
        });
        res.writeHead(200, { 'content-type': contentType('index.html'), 'cache-control': 'no-store' });
        res.end(html);
        return;
      }
      const name = path.basename(url.pathname);
      if (!url.pathname.startsWith('/dist/') || !/^[\w.-]+$/.test(name)) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(path.join(dist, name));
        res.writeHead(200, { 'content-type': contentType(name) });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The wrapper records the browser's pid, for `setPriority`.
  const pidFile = path.join(dir, 'chromium.pid');
  const launcher = path.join(dir, 'chromium.sh');
  await writeFile(launcher, `#!/bin/sh\necho $$ > ${JSON.stringify(pidFile)}\nexec ${JSON.stringify(CHROMIUM)} "$@"\n`, { mode: 0o755 });
  const browser = await playwright.chromium.launch({
    executablePath: launcher,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'],
  });

  const open = async (options: OpenOptions = {}): Promise<ChatPage> => {
    const theme = options.theme ?? 'dark';
    const context = await browser.newContext({ viewport: { width: options.width ?? 420, height: options.height ?? 760 }, deviceScaleFactor: 1, colorScheme: theme });
    // Outside @playwright/test actions wait forever by default: fail fast instead.
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    // tsx compiles functions handed to the page with esbuild's keepNames, which calls a `__name` helper.
    await page.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
    await page.addInitScript(
      ({ vars, theme: th, state }) => {
        const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
        w.__posted = [];
        w.__state = state;
        let acquired = false;
        w.acquireVsCodeApi = () => {
          if (acquired) throw new Error('acquireVsCodeApi called twice');
          acquired = true;
          return {
            postMessage: (m: unknown) => w.__posted.push(JSON.parse(JSON.stringify(m))),
            getState: () => w.__state,
            setState: (s: unknown) => {
              w.__state = s;
            },
          };
        };
        // What the workbench does for a webview: theme variables on <html>, theme classes on <body>.
        document.addEventListener('DOMContentLoaded', () => {
          const root = document.documentElement;
          for (const [k, v] of Object.entries(vars)) root.style.setProperty(k, v);
          root.style.setProperty('background-color', vars['--vscode-sideBar-background'] ?? '');
          document.body.classList.add(`vscode-${th}`);
          document.body.dataset.vscodeThemeKind = `vscode-${th}`;
        });
      },
      { vars: THEMES[theme], theme, state: options.state },
    );
    await page.goto(`${origin}/index.html${options.strings ? `?strings=${encodeURIComponent(JSON.stringify(options.strings))}` : ''}`);
    const chat: ChatPage = {
      page,
      send: async (...messages) => {
        await page.evaluate((ms) => {
          for (const m of ms) window.postMessage(m, '*');
        }, messages);
        // Messages are delivered as separate tasks; let them (and a frame) run.
        await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
        await chat.frames(2);
      },
      posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted),
      waitForPosted: async (pred, timeoutMs = 5000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = (await chat.posted()).find(pred);
          if (found) return found;
          if (Date.now() > deadline) throw new Error(`timed out waiting for a posted message; posted: ${JSON.stringify(await chat.posted()).slice(0, 2000)}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      },
      clearPosted: () =>
        page.evaluate(() => {
          (window as unknown as { __posted: unknown[] }).__posted = [];
        }),
      savedState: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
      setPriority: (level) => setPriority(pidFile, level),
      frames: (n = 1) =>
        page.evaluate(
          (count) =>
            new Promise<void>((resolve) => {
              let left = count;
              const step = (): void => {
                left -= 1;
                if (left <= 0) resolve();
                else requestAnimationFrame(step);
              };
              requestAnimationFrame(step);
            }),
          n,
        ),
    };
    await chat.waitForPosted((m) => m.type === 'ready');
    return chat;
  };

  return {
    browser,
    origin,
    open,
    close: async () => {
      await browser.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Mocha hooks for a suite on one harness: started before the suite (skipped without Chromium), closed after it;
 * pages opened through `open` are closed after each test.
 */
export function suiteHarness(): { readonly harness: Harness; readonly pages: ChatPage[]; open(options?: OpenOptions): Promise<ChatPage> } {
  let started: Harness | undefined;
  const pages: ChatPage[] = [];
  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    this.timeout(120_000);
    started = await startHarness();
  });
  after(async () => {
    await started?.close();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.page.context().close();
  });
  return {
    get harness(): Harness {
      if (!started) throw new Error('the webview harness has not started');
      return started;
    },
    pages,
    async open(options?: OpenOptions): Promise<ChatPage> {
      const chat = await this.harness.open(options);
      pages.push(chat);
      return chat;
    },
  };
}
