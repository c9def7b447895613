// What an in-host suite can ask of the harness. Bundled into each suite; talks to the runner
// through the API it hangs on globalThis (protocol.ts), so suites never import the runner.
import { HOST_API_GLOBAL, type HostApi, type RunnerConfig, type UiRequest, type UiResponse } from '../protocol';

function hostApi(): HostApi {
  const api = (globalThis as Record<string, unknown>)[HOST_API_GLOBAL] as HostApi | undefined;
  if (!api) throw new Error('not running under the mcp-agent test runner (test/vscode/README.md)');
  return api;
}

export function launcher(): HostApi['config']['launcher'] {
  return hostApi().config.launcher;
}

/** The run's configuration: repoRoot, userDataDir, workspace, theme, workspaceTrust (see protocol.ts). */
export function runConfig(): RunnerConfig {
  return hostApi().config;
}

/** Whether the harness can drive the UI here (a browser page: code-server, or Electron over CDP). */
export function canDriveUi(): boolean {
  return typeof hostApi().ui === 'function';
}

type UiTarget = UiRequest['target'];
interface UiOptions {
  hasText?: string;
  timeoutMs?: number;
}

async function uiStep(request: UiRequest): Promise<UiResponse> {
  const api = hostApi();
  if (!api.ui) throw new Error(`the ${api.config.launcher} launcher cannot drive the UI`);
  const answer = await api.ui(request);
  if (answer.error) {
    const what = `${request.action} ${request.target}${request.selector ? ` ${request.selector}` : ''}${request.hasText ? ` (text "${request.hasText}")` : ''}`;
    throw new Error(`UI step failed: ${what}: ${answer.error}`);
  }
  return answer;
}

/**
 * UI steps the harness performs with Playwright, in the workbench page or inside our chat view's webview
 * (`chat`): what the `vscode` API cannot do, like pressing a button in a webview. Selectors are Playwright's
 * (CSS piercing open shadow roots, `text=`, `:has-text()`); each step waits up to `timeoutMs` (default 10 s) for
 * its element and throws with Playwright's reason when it does not come.
 */
export const ui = {
  click: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<void> => {
    await uiStep({ target, action: 'click', selector, ...options });
  },
  rightClick: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<void> => {
    await uiStep({ target, action: 'rightClick', selector, ...options });
  },
  fill: async (target: UiTarget, selector: string, value: string, options: UiOptions = {}): Promise<void> => {
    await uiStep({ target, action: 'fill', selector, value, ...options });
  },
  /** A key (`Enter`, `Escape`, `F1`): to the element when a selector is given, else to the page's focus. */
  press: async (target: UiTarget, key: string, selector?: string, options: UiOptions = {}): Promise<void> => {
    await uiStep({ target, action: 'press', selector, value: key, ...options });
  },
  /** Types text key by key: into the element when a selector is given, else wherever the focus is. */
  type: async (target: UiTarget, text: string, selector?: string, options: UiOptions = {}): Promise<void> => {
    await uiStep({ target, action: 'type', selector, value: text, ...options });
  },
  /** innerText of the first match (waits for it). */
  text: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<string> => (await uiStep({ target, action: 'text', selector, ...options })).text ?? '',
  /** textContent of the first match (waits for it): includes collapsed sections' text. */
  content: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<string> => (await uiStep({ target, action: 'content', selector, ...options })).text ?? '',
  /** outerHTML of the first match (waits for it): for working out a selector. */
  html: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<string> => (await uiStep({ target, action: 'html', selector, ...options })).text ?? '',
  /** innerText of every match right now (no waiting). */
  texts: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<string[]> => (await uiStep({ target, action: 'texts', selector, ...options })).texts ?? [],
  count: async (target: UiTarget, selector: string, options: UiOptions = {}): Promise<number> => (await uiStep({ target, action: 'count', selector, ...options })).count ?? 0,
  waitFor: async (target: UiTarget, selector: string, options: UiOptions & { state?: UiRequest['state'] } = {}): Promise<void> => {
    await uiStep({ target, action: 'waitFor', selector, ...options });
  },
  attr: async (target: UiTarget, selector: string, name: string, options: UiOptions = {}): Promise<string | undefined> =>
    (await uiStep({ target, action: 'attr', selector, value: name, ...options })).text,
  /** An attribute of every match right now (no waiting; '' where it is missing). */
  setInputFiles: async (target: UiTarget, selector: string, files: string[], options: UiOptions = {}): Promise<void> => {
    await uiStep({ target, action: 'setInputFiles', selector, value: files.join('\n'), ...options });
  },
  attrs: async (target: UiTarget, selector: string, name: string, options: UiOptions = {}): Promise<string[]> =>
    (await uiStep({ target, action: 'attrs', selector, value: name, ...options })).texts ?? [],
};

/**
 * Screenshot of the whole workbench, saved by the harness as test-artifacts/vscode/<theme>/<name>.png.
 * Resolves to the saved path, or undefined when this launcher cannot take screenshots.
 */
export function screenshot(name: string): Promise<string | undefined> {
  return hostApi().screenshot(name);
}

/** Record a number in results.json `metrics` (the harness prints them and writes metrics.json). */
export function metric(name: string, value: number): void {
  hostApi().metric(name, value);
}

export interface ActivationTimes {
  /** require() of the extension's main module. */
  codeLoadingMs: number;
  /** activate() call until its promise settled. */
  activateMs: number;
  /** codeLoadingMs + activateMs: the number "Developer: Show Running Extensions" shows. */
  activationMs: number;
  /** From the start of code loading to activation done, including the extension context setup. */
  totalMs: number;
}

interface PerformanceMark {
  name: string;
  startTime: number;
}

/**
 * VS Code's own activation timing for an extension, read from the performance marks the
 * extension host sets around each activation (code/extHost/{will,did}{LoadExtensionCode,
 * ActivateExtension}/<id>), kept in globalThis.MonacoPerformanceMarks. Undefined when the
 * extension has not been activated (or this VS Code does not keep the marks).
 */
export function activationTimes(extensionId: string): ActivationTimes | undefined {
  const store = (globalThis as { MonacoPerformanceMarks?: { getMarks(): PerformanceMark[] } }).MonacoPerformanceMarks;
  if (!store) return undefined;
  const marks = store.getMarks();
  const at = (kind: string): number | undefined => {
    // Lower-cased ids: VS Code keys these by the identifier as declared.
    const wanted = `code/extHost/${kind}/${extensionId}`.toLowerCase();
    return marks.find((m) => m.name.toLowerCase() === wanted)?.startTime;
  };
  const willLoad = at('willLoadExtensionCode');
  const didLoad = at('didLoadExtensionCode');
  const willActivate = at('willActivateExtension');
  const didActivate = at('didActivateExtension');
  if (willLoad === undefined || didLoad === undefined || willActivate === undefined || didActivate === undefined) {
    return undefined;
  }
  const codeLoadingMs = didLoad - willLoad;
  const activateMs = didActivate - willActivate;
  return { codeLoadingMs, activateMs, activationMs: codeLoadingMs + activateMs, totalMs: didActivate - willLoad };
}
