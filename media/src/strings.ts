/** The webview's labels: the English defaults (src/shared/strings.ts) with the host's translations over them. */
import { DEFAULT_STRINGS, type StringKey } from '../../src/shared/strings';

export type { StringKey };

let overrides: Record<string, string> = {};

/** Takes the host's translated strings; only string values for known keys are kept. */
export function setStrings(strings: Record<string, unknown>): void {
  const next: Record<string, string> = {};
  for (const [key, value] of Object.entries(strings)) {
    if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(DEFAULT_STRINGS, key)) next[key] = value;
  }
  overrides = next;
}

/** The label for `key`, with `{0}`, `{1}`... replaced by `args`. */
export function t(key: StringKey, ...args: Array<string | number>): string {
  const template = overrides[key] ?? DEFAULT_STRINGS[key];
  return args.length ? template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m)) : template;
}

/** Translated labels the host put in the page (`chatHtml`), applied before any component draws one. */
function embeddedStrings(): void {
  const text = typeof document === 'undefined' ? null : document.getElementById('mcp-agent-strings')?.textContent;
  if (!text) return;
  try {
    setStrings(JSON.parse(text) as Record<string, unknown>);
  } catch {
    // A malformed block: the English labels stay.
  }
}
embeddedStrings();
