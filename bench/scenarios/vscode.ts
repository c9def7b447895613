/**
 * Figures that need a browser or a real VS Code:
 *
 * - Activation: the in-editor harness (test/vscode/, code-server + headless Chromium) runs its smoke suite's
 *   `activates` test, which records VS Code's own activation timing for our extension (the extension host's
 *   performance marks: code loading + the `activate()` call, what "Developer: Show Running Extensions" shows) into
 *   metrics.json. Each run is a fresh code-server with a fresh user-data dir; the extension is packaged once. Full
 *   profile only (a run takes 30 to 60 s); the median over runs is the figure.
 * - Webview: the chat view's production bundle and HTML (media/src, with its CSP) in headless Chromium through the
 *   test/webview harness, streamed `webviewTokens` text deltas at `webviewTokensPerSecond` as the host posts them
 *   (test/webview/measure.ts): long tasks (> 50 ms, PerformanceObserver 'longtask'), renders per second, and whether
 *   every token arrived. When the bench runs as root the browser's threads get real-time priority for the
 *   measurement (chrt), which keeps other jobs on a small shared machine out of the figure; the JSON says which.
 *
 * A provider passed to `benchVsCode` replaces all of this (tests use that).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageOurExtension } from '../../test/vscode/build';
import { CHROMIUM, startHarness } from '../../test/webview/harness';
import { measureStreaming, type StreamMeasurement } from '../../test/webview/measure';
import { errorText, ROOT, type Ctx } from '../lib/common';
import { p50 } from '../lib/stats';

export interface VsCodeFigures {
  /** VS Code's activation time for the extension (code loading + activate call), ms; median over runs. */
  activation_ms: number | null;
  activation_code_loading_ms: number | null;
  activation_activate_ms: number | null;
  /** From the start of code loading to activated, including the extension context's set-up. */
  activation_total_ms: number | null;
  activation_runs: number;
  /** The fastest of the runs: what activation costs when the machine's load leaves the extension host alone. */
  activation_min_ms: number | null;
  vscode_version: string | null;
  /** Main-thread tasks over 50 ms in the chat webview while the answer streams: the worst run. */
  webview_long_tasks: number | null;
  webview_longest_task_ms: number | null;
  /** Renders (frames that changed the answer) per second while streaming; median over runs. */
  webview_renders_per_s: number | null;
  /** Every token arrived in every run (the answer's Markdown source equals the tokens joined). */
  webview_tokens_complete: boolean | null;
  webview_tokens: number;
  webview_tokens_per_s: number;
  webview_runs: number;
  /** 'realtime' when the browser ran at real-time priority (root), 'normal' otherwise. */
  webview_priority: 'realtime' | 'normal' | null;
}

export type VsCodeProvider = (ctx: Ctx) => Promise<VsCodeFigures | null>;

export function emptyVsCodeFigures(ctx: Ctx): VsCodeFigures {
  return {
    activation_ms: null,
    activation_code_loading_ms: null,
    activation_activate_ms: null,
    activation_total_ms: null,
    activation_runs: 0,
    activation_min_ms: null,
    vscode_version: null,
    webview_long_tasks: null,
    webview_longest_task_ms: null,
    webview_renders_per_s: null,
    webview_tokens_complete: null,
    webview_tokens: ctx.profile.webviewTokens,
    webview_tokens_per_s: ctx.profile.webviewTokensPerSecond,
    webview_runs: 0,
    webview_priority: null,
  };
}

/** One harness run: the `activates` test of the smoke suite; returns metrics.json, or a reason to skip. */
async function activationRun(ctx: Ctx, vsix: string): Promise<{ metrics: Record<string, unknown> } | { skip: string }> {
  const artifacts = await mkdtemp(path.join(tmpdir(), 'mcp-agent-bench-vscode-'));
  try {
    const args = [path.join(ROOT, 'test/vscode/run.mjs'), '--vsix', vsix, '--grep', 'activates', '--timeout', '300', path.join(ROOT, 'test/vscode/suite/smoke.test.ts')];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, MCP_AGENT_VSCODE_ARTIFACTS: artifacts },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const skip = /^SKIP vscode in-host tests: (.*)$/m.exec(output);
    if (skip) return { skip: skip[1] };
    if (code !== 0) throw new Error(`the VS Code harness failed (exit ${code}): ${output.trim().split('\n').slice(-8).join(' | ')}`);
    const metrics = JSON.parse(await readFile(path.join(artifacts, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    const total = /total ([\d.]+ ?s)/.exec(output)?.[1];
    ctx.log(`  code-server run: activation ${String(metrics.activation_ms)} ms${total ? ` (run ${total})` : ''}`);
    return { metrics };
  } finally {
    await rm(artifacts, { recursive: true, force: true });
  }
}

async function measureActivation(ctx: Ctx, f: VsCodeFigures): Promise<void> {
  const runs = ctx.profile.activationRuns;
  if (runs <= 0) {
    ctx.notes.push(
      `activation_ms: not measured in the ${ctx.profile.name} profile (each measurement starts a code-server and a browser, 30 to 60 s); ` +
        'the full `npm run bench` measures it, and `node test/vscode/run.mjs --grep activates test/vscode/suite/smoke.test.ts` prints it.',
    );
    return;
  }
  const build = await mkdtemp(path.join(tmpdir(), 'mcp-agent-bench-vsix-'));
  try {
    const vsix = await packageOurExtension(build);
    const samples: Array<Record<string, unknown>> = [];
    for (let i = 0; i < runs; i++) {
      const r = await activationRun(ctx, vsix);
      if ('skip' in r) {
        ctx.notes.push(`activation_ms: null, the VS Code harness cannot run here: ${r.skip}`);
        return;
      }
      samples.push(r.metrics);
    }
    const med = (k: string): number | null => {
      const xs = samples.map((m) => m[k]).filter((v): v is number => typeof v === 'number');
      return xs.length ? p50(xs) : null;
    };
    f.activation_ms = med('activation_ms');
    f.activation_code_loading_ms = med('activation_code_loading_ms');
    f.activation_activate_ms = med('activation_activate_ms');
    f.activation_total_ms = med('activation_total_ms');
    f.activation_runs = samples.length;
    const all = samples.map((m) => m.activation_ms).filter((v): v is number => typeof v === 'number');
    f.activation_min_ms = all.length ? Math.min(...all) : null;
    f.vscode_version = typeof samples[0]?.vscodeVersion === 'string' ? samples[0].vscodeVersion : null;
    if (f.activation_ms === null) ctx.notes.push('activation_ms: null, VS Code reported no activation marks for the extension (see test/vscode/README.md, Activation timing).');
  } finally {
    await rm(build, { recursive: true, force: true });
  }
}

async function measureWebview(ctx: Ctx, f: VsCodeFigures): Promise<void> {
  if (ctx.profile.webviewRuns <= 0) {
    ctx.notes.push(
      `webview_long_tasks, webview_renders_per_s: not measured in the ${ctx.profile.name} profile (building the webview and starting Chromium takes 10 to 25 s on this machine); ` +
        '`npm run bench -- --quick` streams 3,000 tokens, the full run 10,000, and `npm run test:webview` checks the same measurement.',
    );
    return;
  }
  if (!existsSync(CHROMIUM)) {
    ctx.notes.push(`webview_long_tasks, webview_renders_per_s: null, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
    return;
  }
  const harness = await startHarness();
  const runs: StreamMeasurement[] = [];
  let realtime = true;
  try {
    for (let i = 0; i < ctx.profile.webviewRuns; i++) {
      const chat = await harness.open();
      try {
        await chat.send({ type: 'state', provider: 'openai', model: 'bench-model', servers: [], conversations: [], restricted: false, locale: 'en' });
        await chat.page.waitForTimeout(300);
        const isolated = await chat.setPriority('realtime');
        realtime &&= isolated;
        try {
          const m = await measureStreaming(chat.page, { tokens: ctx.profile.webviewTokens, tokensPerSecond: ctx.profile.webviewTokensPerSecond, turnId: `bench-${i}` });
          runs.push(m);
          ctx.log(
            `  webview run ${i + 1}: ${m.longTasks} long tasks${m.longTasks ? ` (longest ${m.longestTaskMs.toFixed(0)} ms)` : ''}, ${m.rendersPerSecond.toFixed(1)} renders/s, ` +
              `${m.tokens} tokens in ${(m.durationMs / 1000).toFixed(1)} s, complete ${m.complete}, ${isolated ? 'real-time priority' : `normal priority, load ${loadavg()[0].toFixed(1)}`}`,
          );
        } finally {
          if (isolated) await chat.setPriority('normal');
        }
      } finally {
        await chat.page.context().close();
      }
    }
  } finally {
    await harness.close();
  }
  f.webview_runs = runs.length;
  f.webview_long_tasks = Math.max(...runs.map((r) => r.longTasks));
  f.webview_longest_task_ms = Math.round(Math.max(...runs.map((r) => r.longestTaskMs)));
  f.webview_renders_per_s = p50(runs.map((r) => r.rendersPerSecond));
  f.webview_tokens_complete = runs.every((r) => r.complete);
  f.webview_priority = realtime ? 'realtime' : 'normal';
  if (!realtime) {
    ctx.notes.push(
      `webview_long_tasks: the browser ran at normal priority (real-time needs root), so other jobs on this ${ctx.profile.name === 'smoke' ? '' : 'shared '}machine ` +
        `(load ${loadavg()[0].toFixed(1)}) can cause long tasks that are not the webview's; run as root to isolate it.`,
    );
  }
}

export async function measureInBrowsers(ctx: Ctx): Promise<VsCodeFigures> {
  const f = emptyVsCodeFigures(ctx);
  try {
    await measureWebview(ctx, f);
  } catch (err) {
    ctx.notes.push(`webview_long_tasks, webview_renders_per_s: null, the webview measurement failed: ${errorText(err)}`);
    ctx.log(`  webview measurement FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  try {
    await measureActivation(ctx, f);
  } catch (err) {
    ctx.notes.push(`activation_ms: null, the VS Code measurement failed: ${errorText(err)}`);
    ctx.log(`  activation measurement FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  return f;
}

export async function benchVsCode(ctx: Ctx, provider: VsCodeProvider = measureInBrowsers): Promise<VsCodeFigures> {
  return (await provider(ctx)) ?? emptyVsCodeFigures(ctx);
}
