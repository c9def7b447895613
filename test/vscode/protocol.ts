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
/** The test extension that registers a scripted chat model (test/vscode/lm-provider-extension). */
export const LM_EXTENSION_ID = 'mcp-agent.mcp-agent-test-lm';
/** Its `languageModelChatProviders` vendor and the one model it offers. */
export const LM_VENDOR = 'mcp-agent-test';
export const LM_MODEL_ID = 'scripted-lm';

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
  /** The repository the harness runs from: fixtures and node_modules (e.g. MCP test servers) live there. */
  repoRoot?: string;
  /** VS Code's --user-data-dir: logs/ and User/globalStorage/ are under it. */
  userDataDir?: string;
  /** The folder the window opened. */
  workspace?: string;
  theme?: 'dark' | 'light';
  /** Whether workspace trust is on (`--trust`): the workspace then opens in Restricted Mode. */
  workspaceTrust?: boolean;
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

/**
 * One UI step the harness performs with Playwright in the browser showing the workbench (POST /ui): what an
 * in-host test cannot do through the `vscode` API, like clicking a button inside a webview or reading its text.
 */
export interface UiRequest {
  /** `workbench`: the workbench page; `chat`: the content frame of our chat view's webview. */
  target: 'workbench' | 'chat';
  /**
   * text/texts: innerText (what is rendered); content: textContent of the first match (collapsed sections too);
   * html: outerHTML of the first match (for debugging a selector); attr/attrs: an attribute of the first/every match.
   */
  /** `setInputFiles`: `value` holds the files' paths, one per line (a file input, as a file picker would fill it). */
  action: 'click' | 'rightClick' | 'fill' | 'press' | 'type' | 'text' | 'texts' | 'content' | 'html' | 'count' | 'waitFor' | 'attr' | 'attrs' | 'setInputFiles';
  /** A Playwright selector (CSS pierces open shadow roots; `text=`, `:has-text()` work). Optional for press/type (keyboard). */
  selector?: string;
  /** Only elements containing this text (case-insensitive substring). */
  hasText?: string;
  /** fill/type: the text; press: the key (`Enter`, `Escape`, `F1`, `Control+a`); attr/attrs: the attribute name. */
  value?: string;
  /** waitFor: the state to wait for (default visible). */
  state?: 'attached' | 'detached' | 'visible' | 'hidden';
  /** Default 10 s. */
  timeoutMs?: number;
}

export interface UiResponse {
  text?: string;
  texts?: string[];
  count?: number;
  error?: string;
}

/** What the runner hangs on globalThis[HOST_API_GLOBAL] for the suites. */
export interface HostApi {
  config: RunnerConfig;
  screenshot(name: string): Promise<string | undefined>;
  metric(name: string, value: number): void;
  /** A UI step through the harness (undefined where the launcher has no browser page to drive). */
  ui?(request: UiRequest): Promise<UiResponse>;
}
