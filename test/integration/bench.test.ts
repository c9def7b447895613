/**
 * Keeps the benchmark from rotting: every scenario runs once with tiny counts, and the record it yields must have
 * every key with a finite number wherever a figure is expected. No thresholds: timings here mean nothing.
 */
import * as assert from 'node:assert/strict';
import { REQUIRED_KEYS, runBench, type BenchResult } from '../../bench/bench';
import { PROFILES } from '../../bench/lib/common';
import { consoleTable, markdownTable } from '../../bench/report';

/**
 * Not measured by the smoke profile, each with a note: activation needs code-server (30 to 60 s a start, full profile
 * only) and the webview figures Chromium and a webview build (10 to 25 s here; --quick and full).
 */
const NOT_IN_SMOKE = new Set(['activation_ms', 'activation_min_ms', 'activation_code_loading_ms', 'activation_activate_ms', 'activation_total_ms', 'webview_long_tasks', 'webview_longest_task_ms', 'webview_renders_per_s']);
/** Diagnostics a smoke profile skips. */
const OPTIONAL = new Set(['startup_raw_parallel_ms', 'startup_ratio_vs_raw_parallel', 'bundle_host_bytes', 'bundle_webview_bytes']);

describe('bench: smoke run of every scenario', function () {
  this.timeout(120_000);
  let result: BenchResult;
  const lines: string[] = [];

  before(async () => {
    result = await runBench(PROFILES.smoke, { log: (l) => lines.push(l) });
  });

  it('runs every scenario without a failure', () => {
    assert.deepEqual(result.failed, [], lines.join('\n'));
  });

  it('has every required key, and the JSON line round-trips', () => {
    const parsed = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    for (const key of REQUIRED_KEYS) assert.ok(key in parsed, `missing ${key}`);
    assert.ok(Array.isArray(parsed.notes));
  });

  it('gives a finite number for every figure it can measure here', () => {
    const record = result as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'string' || (typeof value === 'object' && value !== null) || typeof value === 'boolean') continue;
      if (value === null) {
        if (key === 'vscode_version' || key === 'webview_priority' || key === 'webview_tokens_complete') continue;
        if (NOT_IN_SMOKE.has(key) || OPTIONAL.has(key)) continue;
        if (key === 'turn_ratio_vs_openai_agents' || key === 'turn_openai_agents_p50_ms') {
          assert.ok(result.notes.some((n) => n.includes('@openai/agents')), `${key} is null without a note saying why`);
          continue;
        }
        assert.fail(`${key} is null`);
      }
      assert.ok(typeof value === 'number' && Number.isFinite(value), `${key} = ${JSON.stringify(value)}`);
    }
    for (const key of NOT_IN_SMOKE) {
      if (record[key] === null) assert.ok(result.notes.some((n) => n.includes(key.replace(/_(min|code_loading|activate|total)_ms$/, '_ms').replace('longest_task_ms', 'long_tasks'))), `${key} is null without a note`);
    }
  });

  it('renders the table', () => {
    assert.match(markdownTable(result), /\| mcp_call_overhead_ratio|`mcp_call_overhead_ratio`/);
    assert.match(consoleTable(result), /startup_ratio/);
  });
});
