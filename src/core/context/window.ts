/**
 * How many tokens a model takes, per base URL and model, from the most reliable source there is:
 * 1. the setting (`llm.contextWindow`);
 * 2. a window learned from the endpoint's own context-length error (it is what the endpoint enforces, so it beats
 *    anything it or a table claims), remembered in the cache;
 * 3. what the endpoint reports: vLLM (`max_model_len`), OpenRouter (`context_length`), llama.cpp (`meta.n_ctx`),
 *    LM Studio (`loaded_context_length`), Ollama (`/api/show`: the `num_ctx` it runs at, 4096 unless set);
 * 4. the provider's own figure (`maxInputTokens` of a VS Code chat model);
 * 5. a table of well-known families;
 * 6. a conservative default.
 */
import type { Logger } from '../ports';

export type WindowSource = 'setting' | 'learned' | 'endpoint' | 'provider' | 'table' | 'default';

export interface ContextWindow {
  tokens: number;
  source: WindowSource;
  /** One line for the log and the panel: which window and why. */
  note: string;
}

/** Where learned windows are kept across runs (the runtime's cache). */
export interface WindowMemory {
  get(key: string): Promise<number | undefined>;
  set(key: string, tokens: number): Promise<void>;
}

export const DEFAULT_WINDOW = 8192;
/** Ollama's default `num_ctx` when neither the model file nor OLLAMA_CONTEXT_LENGTH sets one. */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;

/** Families by name, most specific first. Windows are input + output, as vendors state them. */
const TABLE: Array<[RegExp, number]> = [
  [/gpt-4\.1/i, 1_047_576],
  [/gpt-5/i, 400_000],
  [/\bo[134](-|$)/i, 200_000],
  [/gpt-4o|chatgpt-4o|gpt-4-turbo|gpt-4\.5|gpt-oss/i, 128_000],
  [/gpt-4-32k/i, 32_768],
  [/gpt-4(\b|-0)/i, 8192],
  [/gpt-3\.5-turbo/i, 16_385],
  [/claude/i, 200_000],
  [/gemini-(1\.5|2|3)/i, 1_000_000],
  [/deepseek/i, 128_000],
  [/qwen(2\.5|3)/i, 32_768],
  [/llama-?3\.[1-3]|llama3\.[1-3]/i, 128_000],
  [/llama-?3|llama3/i, 8192],
  [/mistral-large|mistral-small|mistral-nemo|codestral/i, 128_000],
  [/mistral|mixtral/i, 32_768],
  [/gemma-?[23]/i, 8192],
  [/phi-?3\.5|phi-?4/i, 16_384],
];

export function windowFromTable(model: string): number | undefined {
  for (const [re, n] of TABLE) if (re.test(model)) return n;
  return undefined;
}

/**
 * The window a context-length error states, in any vendor's wording, or undefined when the error says none:
 * OpenAI "maximum context length is 16385 tokens", vLLM "This model's maximum context length is 4096 tokens",
 * llama.cpp "exceeds the available context size (4096 tokens)" / "n_ctx: 4096", Ollama "context length of 2048".
 */
export function windowFromError(message: string): number | undefined {
  const patterns = [/maximum context length (?:is|of) (\d+)/i, /context (?:size|window|length) (?:is |of )?\(?(\d+)(?: tokens)?/i, /n_ctx(?:_slot)?\s*[:=]\s*(\d+)/i, /(\d+) tokens? (?:context|limit)/i];
  for (const re of patterns) {
    const n = Number(re.exec(message)?.[1]);
    if (Number.isFinite(n) && n >= 256) return n;
  }
  return undefined;
}

/** Whether an error is the endpoint saying the request is too long for the model. */
export function isContextLengthError(message: string, status?: number): boolean {
  if (status !== undefined && status !== 400 && status !== 413 && status !== 422 && status !== 500) return false;
  return /context[_ ]length[_ ]exceeded|maximum context length|context (?:size|window)|exceeds? the (?:available )?context|too many tokens|prompt is too long|input is too long|reduce the length|n_ctx|request too large|string too long/i.test(message);
}

export interface EndpointInfo {
  baseUrl: string;
  model: string;
  apiKey?: string;
}

/** What the endpoint says about the model's window; undefined when it says nothing (or is not reachable quickly). */
export async function windowFromEndpoint(info: EndpointInfo, logger: Logger, timeoutMs = 2000): Promise<{ tokens: number; note: string } | undefined> {
  const headers: Record<string, string> = info.apiKey ? { Authorization: `Bearer ${info.apiKey}` } : {};
  const get = async (url: string, init: RequestInit = {}): Promise<unknown> => {
    const res = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return res.json();
  };
  const base = info.baseUrl.replace(/\/+$/, '');
  try {
    const list = (await get(`${base}/models`)) as { data?: Array<Record<string, unknown>> } | undefined;
    const entry = list?.data?.find((m) => m.id === info.model);
    // Ollama lists its models as owned by "library" (or the user); its /api/show says what it runs them at.
    if (new URL(base).port === '11434' || entry?.owned_by === 'library' || entry?.owned_by === 'ollama') {
      const ollama = await ollamaWindow(base, info.model, get);
      if (ollama) return ollama;
    }
    if (!entry) return undefined;
    const meta = (entry.meta ?? {}) as Record<string, unknown>;
    for (const [field, value] of [
      ['loaded_context_length', entry.loaded_context_length],
      ['max_model_len', entry.max_model_len],
      ['context_length', entry.context_length],
      ['meta.n_ctx', meta.n_ctx],
      ['max_context_length', entry.max_context_length],
      ['meta.n_ctx_train', meta.n_ctx_train],
    ] as const) {
      if (typeof value === 'number' && value >= 256) return { tokens: value, note: `${field} of ${info.model} at ${base}/models` };
    }
  } catch (err) {
    logger.debug(`context window: ${base} did not describe ${info.model}: ${(err as Error).message}`);
  }
  return undefined;
}

/** Ollama runs a model at its `num_ctx` (4096 unless set), whatever the model was trained for: that is the window. */
async function ollamaWindow(base: string, model: string, get: (url: string, init?: RequestInit) => Promise<unknown>): Promise<{ tokens: number; note: string } | undefined> {
  const root = base.replace(/\/v1$/, '');
  let shown: { parameters?: string; model_info?: Record<string, unknown> } | undefined;
  try {
    shown = (await get(`${root}/api/show`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model }) })) as typeof shown;
  } catch {
    return undefined;
  }
  if (!shown || (shown.model_info === undefined && shown.parameters === undefined)) return undefined;
  const numCtx = Number(/(?:^|\n)\s*num_ctx\s+(\d+)/.exec(shown.parameters ?? '')?.[1]);
  const trained = Object.entries(shown.model_info ?? {}).find(([k]) => k.endsWith('.context_length'))?.[1];
  const runsAt = Number.isFinite(numCtx) && numCtx > 0 ? numCtx : OLLAMA_DEFAULT_NUM_CTX;
  const hint = typeof trained === 'number' && trained > runsAt ? ` (the model takes ${trained}; raise num_ctx or OLLAMA_CONTEXT_LENGTH to use more)` : '';
  return { tokens: runsAt, note: `Ollama runs ${model} at num_ctx ${runsAt}${Number.isFinite(numCtx) && numCtx > 0 ? '' : ' (its default)'}${hint}` };
}

export interface ResolveWindowInputs {
  setting?: number;
  memory?: WindowMemory;
  endpoint?: EndpointInfo;
  /** The provider's own figure (vscode-lm's maxInputTokens). */
  providerWindow?: () => Promise<number | undefined>;
  model: string;
  logger: Logger;
}

export function memoryKey(info: { baseUrl?: string; model: string }): string {
  return `context-window:${info.baseUrl ?? ''}:${info.model}`;
}

export async function resolveWindow(i: ResolveWindowInputs): Promise<ContextWindow> {
  if (i.setting) return { tokens: i.setting, source: 'setting', note: `${i.setting} tokens (llm.contextWindow)` };
  const learned = await i.memory?.get(memoryKey({ baseUrl: i.endpoint?.baseUrl, model: i.model })).catch(() => undefined);
  if (learned) return { tokens: learned, source: 'learned', note: `${learned} tokens (learned from the endpoint's context-length error)` };
  if (i.endpoint) {
    const reported = await windowFromEndpoint(i.endpoint, i.logger);
    if (reported) return { tokens: reported.tokens, source: 'endpoint', note: `${reported.tokens} tokens (${reported.note})` };
  }
  const fromProvider = await i.providerWindow?.().catch(() => undefined);
  if (fromProvider) return { tokens: fromProvider, source: 'provider', note: `${fromProvider} tokens (the chat model's maxInputTokens)` };
  const table = windowFromTable(i.model);
  if (table) return { tokens: table, source: 'table', note: `${table} tokens (known for ${i.model}; set llm.contextWindow if your endpoint differs)` };
  return { tokens: DEFAULT_WINDOW, source: 'default', note: `${DEFAULT_WINDOW} tokens (a conservative default for an unknown model; set llm.contextWindow)` };
}
