// What an in-host suite can ask of the harness. Bundled into each suite; talks to the runner
// through the API it hangs on globalThis (protocol.ts), so suites never import the runner.
import { HOST_API_GLOBAL, type HostApi } from '../protocol';

function hostApi(): HostApi {
  const api = (globalThis as Record<string, unknown>)[HOST_API_GLOBAL] as HostApi | undefined;
  if (!api) throw new Error('not running under the mcp-agent test runner (test/vscode/README.md)');
  return api;
}

export function launcher(): HostApi['config']['launcher'] {
  return hostApi().config.launcher;
}

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
