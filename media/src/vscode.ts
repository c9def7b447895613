/** The webview side of the host bridge: typed `postMessage` and the state VS Code keeps while the view is hidden. */
import type { WebviewMessage } from '../../src/shared/protocol';

/** What survives the view being hidden (the host re-sends the conversation itself on `ready`). */
export interface PersistedState {
  draft?: string;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per document. */
const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : {
        // Opened outside VS Code (e.g. the file in a browser): keep working, talk to nobody.
        postMessage: () => undefined,
        getState: () => undefined,
        setState: () => undefined,
      };

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

export function loadState(): PersistedState {
  const raw = api.getState();
  if (raw && typeof raw === 'object') {
    const draft = (raw as { draft?: unknown }).draft;
    return typeof draft === 'string' ? { draft } : {};
  }
  return {};
}

export function saveState(state: PersistedState): void {
  api.setState(state);
}
