/**
 * The context budget of one model service: knows its window, counts tokens, fits every request, stores and stubs
 * large tool results, compacts, and learns from a context-length error. ChatSession asks it before every request.
 */
import { capHeadTail } from '../tools/truncate';
import type { ChatMessage, ChatProvider, FunctionSpec } from '../llm/types';
import type { Logger } from '../ports';
import { compactionCut, fit, isSummaryRecord, type Breakdown, type SummaryRecord } from './budget';
import { alreadySummarized, summarize } from './compaction';
import type { ResultStore } from './resultStore';
import { TokenCounter } from './tokens';
import { memoryKey, resolveWindow, windowFromError, type ContextWindow, type EndpointInfo, type WindowMemory } from './window';

export interface ContextSettings {
  /** Tokens the model takes (input + output); unset: found out (window.ts). */
  contextWindow?: number;
  /** Tokens kept free for the answer; unset: an eighth of the window, from 512 to 8192. */
  maxOutputTokens?: number;
  /** Share of the budget at which older turns are summarized. */
  compactAt?: number;
  /** Upper bound on one tool result's characters (the share of the window usually decides). */
  maxResultChars: number;
}

/** What the last request used, for the panel's meter, `--verbose`, the `context` event and the API. */
export interface ContextReport {
  window: number;
  windowSource: ContextWindow['source'];
  /** Tokens the request may use (window less the output reserve and a margin). */
  budget: number;
  /** Tokens of this request, as counted (exactly for OpenAI models, else estimated). */
  used: number;
  breakdown: Breakdown;
  exact: boolean;
  /** Older tool results stubbed, messages left out and results cut in this request. */
  stubbed: number;
  dropped: number;
  shortened: number;
  /** Messages the current summary stands in for (0: none). */
  summarized: number;
}

export interface ContextManagerOptions {
  provider: ChatProvider;
  model: string;
  endpoint?: EndpointInfo;
  settings: ContextSettings;
  memory?: WindowMemory;
  results: ResultStore;
  logger: Logger;
}

export class ContextManager {
  readonly counter: TokenCounter;
  private windowPromise?: Promise<ContextWindow>;
  private lastTotal = 0;
  last?: ContextReport;

  constructor(private readonly opts: ContextManagerOptions) {
    // Reasoning takes room only where it goes back to the model.
    this.counter = new TokenCounter(opts.model, { countReasoning: opts.provider.sendsReasoning === true });
  }

  get results(): ResultStore {
    return this.opts.results;
  }

  window(): Promise<ContextWindow> {
    this.windowPromise ??= resolveWindow({
      setting: this.opts.settings.contextWindow,
      memory: this.opts.memory,
      endpoint: this.opts.endpoint,
      providerWindow: this.opts.provider.contextWindow ? () => this.opts.provider.contextWindow!() : undefined,
      model: this.opts.model,
      logger: this.opts.logger,
    }).then((w) => {
      this.opts.logger.info(`context window of ${this.opts.model}: ${w.note}`);
      return w;
    });
    return this.windowPromise;
  }

  reserve(window: number): number {
    return this.opts.settings.maxOutputTokens ?? Math.min(8192, Math.max(512, Math.round(window / 8)));
  }

  budget(window: number): number {
    // Estimates carry a margin; the real tokenizer only a little for the wire format's own tokens.
    const margin = Math.ceil(window * (this.counter.exact ? 0.02 : 0.08));
    return Math.max(256, window - this.reserve(window) - margin);
  }

  /** Characters one tool result may take in the request: a quarter of the budget, within maxResultChars. */
  async resultChars(): Promise<number> {
    const w = await this.window();
    return Math.min(this.opts.settings.maxResultChars, Math.max(2000, Math.floor(this.budget(w.tokens) * 0.25 * 3)));
  }

  /** The text the model gets for a result: whole when it fits its share, else head and tail plus its handle. */
  async forModel(callId: string, full: string): Promise<string> {
    const max = await this.resultChars();
    if (full.length <= max) return full;
    const id = this.opts.results.put(callId, full);
    return `${capHeadTail(full, max - 300)}\n[The whole result has ${full.length} characters and is stored as ${id}. Read more with read_result {"id": "${id}", "offset": N}, or search it with read_result {"id": "${id}", "pattern": "..."}.]`;
  }

  /** The request's messages, fitted into the window. `over`: it cannot be made to fit (never send it). */
  async prepare(systemPrompt: string | undefined, history: ChatMessage[], tools: FunctionSpec[]): Promise<{ messages: ChatMessage[]; report: ContextReport; over: boolean }> {
    const w = await this.window();
    const budget = this.budget(w.tokens);
    const r = fit({
      systemPrompt,
      history,
      toolTokens: this.counter.tools(tools),
      budget,
      counter: this.counter,
      stub: (m) => {
        const id = this.opts.results.put(m.tool_call_id, m.content);
        return `[Result of ${m.name ?? 'a tool'} (${m.content.length} characters) left out to fit the context window; read_result {"id": "${id}"} reads it.]`;
      },
      shorten: (m, maxChars) => {
        const id = this.opts.results.put(m.tool_call_id, m.content);
        return `${capHeadTail(m.content, maxChars)}\n[Cut to fit the context window; the whole result is stored as ${id}: read_result {"id": "${id}", "offset": N} reads more.]`;
      },
    });
    this.lastTotal = r.total;
    const report: ContextReport = { window: w.tokens, windowSource: w.source, budget, used: r.total, breakdown: r.breakdown, exact: this.counter.exact, stubbed: r.stubbed, dropped: r.dropped, shortened: r.shortened, summarized: r.summarized };
    this.last = report;
    return { messages: r.messages, report, over: r.over };
  }

  /** The endpoint's own count of the last request: estimates are calibrated with it. */
  observe(promptTokens: number): void {
    if (this.lastTotal > 0 && promptTokens > 0) this.counter.calibrate(this.lastTotal, promptTokens);
  }

  /** Whether the history (as the model would see it now) is past the compaction threshold. */
  async needsCompaction(systemPrompt: string | undefined, history: ChatMessage[], tools: FunctionSpec[]): Promise<boolean> {
    const w = await this.window();
    let total = this.counter.tools(tools) + (systemPrompt ? this.counter.text(systemPrompt) : 0);
    let from = 0;
    for (const m of history) if (isSummaryRecord(m)) from = Math.max(from, m.summaryOf);
    for (let i = from; i < history.length; i++) if (!isSummaryRecord(history[i])) total += this.counter.message(history[i]);
    return total > this.budget(w.tokens) * (this.opts.settings.compactAt ?? 0.85);
  }

  /**
   * A summary of the older turns of `history` (the recent ones, about a third of the budget, stay verbatim), or
   * undefined when there is nothing worth summarizing. Throws when the model fails; the caller then prunes.
   */
  async compact(history: ChatMessage[], signal?: AbortSignal, keepTokens?: number): Promise<SummaryRecord | undefined> {
    const provider = this.opts.provider;
    const w = await this.window();
    const budget = this.budget(w.tokens);
    const cut = compactionCut(history, this.counter, keepTokens ?? Math.floor(budget / 3));
    if (cut <= 0 || alreadySummarized(history, cut)) return undefined;
    return summarize({ provider, counter: this.counter, history, cut, budget, maxSummaryTokens: Math.min(2048, this.reserve(w.tokens)), signal });
  }

  /**
   * The endpoint said the request was too long: take the window it states (or three quarters of the one assumed),
   * remember it, and let the caller retry. False when there is nothing left to shrink.
   */
  async learn(message: string): Promise<boolean> {
    const w = await this.window();
    const stated = windowFromError(message);
    const next = stated && stated < w.tokens ? stated : Math.floor(w.tokens * 0.75);
    if (next < 512) return false;
    this.windowPromise = Promise.resolve({ tokens: next, source: 'learned', note: `${next} tokens (learned from the endpoint's context-length error)` });
    this.opts.logger.warn(`context window of ${this.opts.model}: the endpoint refused ${w.tokens}; using ${next} from now on`);
    await this.opts.memory?.set(memoryKey({ baseUrl: this.opts.endpoint?.baseUrl, model: this.opts.model }), next).catch(() => undefined);
    return true;
  }
}
