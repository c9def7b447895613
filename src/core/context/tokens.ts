/**
 * Token counts for budgeting requests. OpenAI's model families are counted with their real tokenizer (o200k_base,
 * from `gpt-tokenizer`, loaded on first use from its own bundle); everything else is estimated with a margin and
 * calibrated against the `usage.prompt_tokens` the endpoint reports. Counts are memoized per text, so budgeting a
 * conversation that grows by one turn costs the new turn, not the whole history again.
 */
import * as path from 'node:path';
import type { ChatMessage, FunctionSpec } from '../llm/types';

/** Per-message wire overhead (role, separators), as OpenAI's own accounting adds. */
const MESSAGE_OVERHEAD = 4;
/** Texts shorter than this are counted, not memoized (cheaper than the map). */
const MEMO_MIN_CHARS = 64;
const MEMO_MAX_ENTRIES = 20_000;

type Counter = (text: string) => number;

let openaiCounter: Counter | null | undefined;

/** The real tokenizer, or null where it cannot be loaded (then estimates are used). */
function loadOpenAICounter(): Counter | null {
  if (openaiCounter !== undefined) return openaiCounter;
  const candidates = [
    // Built CLI and extension: a bundle of its own beside this one (esbuild.mjs), so it is read only when used.
    path.join(__dirname, 'tokenizer.js'),
    // From source (tests, tsx): the package itself. A variable, so the main bundles do not inline 2 MB of ranks.
    'gpt-tokenizer/encoding/o200k_base',
  ];
  for (const id of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(id) as { countTokens?: (text: string, options?: { disallowedSpecial?: Set<string> }) => number };
      if (typeof mod.countTokens === 'function') {
        const count = mod.countTokens;
        openaiCounter = (text) => count(text, { disallowedSpecial: new Set() });
        return openaiCounter;
      }
    } catch {
      // next candidate
    }
  }
  openaiCounter = null;
  return null;
}

/** Whether `model` is one OpenAI's o200k tokenizer counts exactly (GPT-4o, 4.1, 5, o-series, gpt-oss). */
export function usesOpenAITokenizer(model: string): boolean {
  return /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o[1345](-|$)|gpt-oss|codex)/i.test(model.replace(/^.*\//, ''));
}

/**
 * An estimate that errs high: CJK and other wide characters count one token each, the rest about three characters
 * per token (English prose is nearer four; code and JSON nearer three).
 */
export function estimateTokens(text: string): number {
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x2e80) wide++;
  return Math.ceil(wide + (text.length - wide) / 3);
}

export class TokenCounter {
  readonly exact: boolean;
  private readonly count: Counter;
  private readonly memo = new Map<string, number>();
  private readonly toolMemo = new WeakMap<object, { name: string; description: string | undefined; n: number }>();
  /** Texts actually tokenized (not answered from the memo): what budgeting a request really cost. */
  tokenized = 0;
  /** actual / estimated, from the endpoint's own counts; 1 until it reports any. */
  private factor = 1;

  /** `countReasoning`: stored reasoning is sent back on assistant messages with tool calls, so it is counted there. */
  constructor(
    model: string,
    private readonly opts: { countReasoning?: boolean } = {},
  ) {
    const real = usesOpenAITokenizer(model) ? loadOpenAICounter() : null;
    this.exact = real !== null;
    this.count = real ?? estimateTokens;
  }

  text(text: string): number {
    return Math.ceil(this.raw(text) * this.factor);
  }

  /** Tokens before calibration: what the memos keep, so a new calibration factor does not empty them. */
  private raw(text: string): number {
    if (text.length < MEMO_MIN_CHARS) return this.count(text);
    let n = this.memo.get(text);
    if (n === undefined) {
      this.tokenized++;
      n = this.count(text);
      if (this.memo.size >= MEMO_MAX_ENTRIES) this.memo.delete(this.memo.keys().next().value as string);
      this.memo.set(text, n);
    }
    return n;
  }

  message(m: ChatMessage): number {
    let n = MESSAGE_OVERHEAD;
    if (m.content) n += this.text(m.content);
    if (m.role === 'assistant') {
      for (const c of m.tool_calls ?? []) n += this.text(c.name) + this.text(c.arguments) + 3;
      if (this.opts.countReasoning && m.reasoning && m.tool_calls?.length) n += this.text(m.reasoning);
    }
    // A picture costs what a 512x512 tile costs at high detail, roughly; counted so images cannot overflow silently.
    if (m.role === 'user' || m.role === 'tool') n += (m.images?.length ?? 0) * 765;
    return n;
  }

  tools(specs: FunctionSpec[]): number {
    let n = 0;
    for (const s of specs) n += this.tool(s) + 8;
    return n;
  }

  /**
   * One tool definition. Counted on every request (several times), so remembered by its schema object, which the
   * toolbox keeps for as long as the tool is unchanged: no JSON.stringify of every schema on every request. The raw
   * count is kept: the endpoint's usage recalibrates the factor after every request.
   */
  private tool(s: FunctionSpec): number {
    const key = s.parameters as object | undefined;
    const known = key ? this.toolMemo.get(key) : undefined;
    if (known && known.name === s.name && known.description === s.description) return Math.ceil(known.n * this.factor);
    const n = this.raw(JSON.stringify(s));
    if (key) this.toolMemo.set(key, { name: s.name, description: s.description, n });
    return Math.ceil(n * this.factor);
  }

  /**
   * The endpoint counted `actual` prompt tokens where we counted `counted`: estimates move towards its count
   * (never below it, and never when the real tokenizer is in use).
   */
  calibrate(counted: number, actual: number): void {
    if (this.exact || counted <= 0 || actual <= 0) return;
    const raw = counted / this.factor;
    const observed = actual / raw;
    // Smoothed, and kept at least a little above what the endpoint reports: an estimate must not undercount.
    this.factor = Math.max(0.5, Math.min(3, 0.7 * this.factor + 0.3 * observed * 1.05));
  }
}
