// Shared between the harness (plain Node), the runner extension (inside the extension host)
// and the in-host suites. Types and constants only: nothing here may import `vscode`.

/** Env var holding the path of the run's RunnerConfig JSON; the extension host inherits it. */
export const CONFIG_ENV = 'MCP_AGENT_VSCODE_TEST_CONFIG';
/** Fallback when the env var does not reach the extension host: a RunnerConfig JSON in the workspace root. */
export const MARKER_FILE = '.mcp-agent-vscode-test.json';
/** Where the runner publishes the suite-facing API (see suite/helpers.ts). */
export const HOST_API_GLOBAL = '__mcpAgentVscodeTest';

export const OUR_EXTENSION_ID = 'mcp-agent.mcp-agent';
export const RUNNER_EXTENSION_ID = 'mcp-agent.mcp-agent-test-runner';

export interface RunnerConfig {
  runId: string;
  /** The compiled (CJS) suite bundles to load into mocha, in order; relative paths resolve against the runner extension's folder. */
  suiteFiles: string[];
  /** Directory the runner writes `mocha.log` (streamed) and `results.json` (at the end) into. */
  outDir: string;
  /** Harness control server (loopback), for screenshots; absent when the launcher cannot take them. */
  controlUrl?: string;
  grep?: string;
  /** Mocha per-test timeout. */
  timeoutMs: number;
  color: boolean;
  /** Which launcher started this host: lets a suite skip what one launcher cannot do. */
  launcher: 'code-server' | 'test-electron';
}

export interface TestResult {
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface RunResults {
  runId: string;
  vscodeVersion: string;
  stats: { tests: number; passes: number; failures: number; pending: number; durationMs: number };
  tests: TestResult[];
  /** Numbers the suites recorded with `metric()` (e.g. activation_ms). */
  metrics: Record<string, number>;
  /** Set when the runner itself failed (a suite file did not load, mocha threw). */
  error?: string;
}

export interface ScreenshotRequest {
  name: string;
  fullPage?: boolean;
}

export interface ScreenshotResponse {
  path?: string;
  error?: string;
}

/** What the runner hangs on globalThis[HOST_API_GLOBAL] for the suites. */
export interface HostApi {
  config: RunnerConfig;
  screenshot(name: string): Promise<string | undefined>;
  metric(name: string, value: number): void;
}
