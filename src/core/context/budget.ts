/**
 * Fitting a request into the window (pure: no I/O, no model calls). In order, until it fits:
 * 1. the latest compaction's summary stands in for the messages it covers;
 * 2. older tool results become one-line stubs that keep their handle (read_result reads them back);
 * 3. the oldest whole turns are left out, with a notice (a tool result never loses its call);
 * 4. the newest tool results are cut to what is left, head and tail, still with their handle.
 * The latest user message and the newest tool results always stay; nothing here changes the stored conversation.
 */
import type { ChatMessage } from '../llm/types';
import type { TokenCounter } from './tokens';

/** A summary record in the stored conversation: it stands for messages [0, summaryOf) of that conversation. */
export type SummaryRecord = Extract<ChatMessage, { role: 'system' }> & { summaryOf: number };

export function isSummaryRecord(m: ChatMessage): m is SummaryRecord {
  return m.role === 'system' && typeof (m as { summaryOf?: unknown }).summaryOf === 'number';
}

export interface Breakdown {
  system: number;
  tools: number;
  /** User and assistant messages, the summary included. */
  history: number;
  /** Tool results. */
  results: number;
}

export interface FitInput {
  systemPrompt?: string;
  /** The stored conversation and this turn's messages, summary records included. */
  history: ChatMessage[];
  toolTokens: number;
  /** Tokens the request may use: the window less the output reserve and the margin. */
  budget: number;
  counter: TokenCounter;
  /** The stub for an older tool result (registers its text with the result store and names the handle). */
  stub(m: Extract<ChatMessage, { role: 'tool' }>): string;
  /** The newest tool results cut to `maxChars`, head and tail, with their handle. */
  shorten(m: Extract<ChatMessage, { role: 'tool' }>, maxChars: number): string;
}

export interface FitResult {
  messages: ChatMessage[];
  breakdown: Breakdown;
  total: number;
  /** Tool results replaced by stubs, messages left out, and results cut, in this request. */
  stubbed: number;
  dropped: number;
  shortened: number;
  /** Still over the budget after everything: the request must not be sent. */
  over: boolean;
  /** Where the current view starts in `history` (after the summary). */
  summarized: number;
}

/** The messages the model sees, before any fitting: the summary in place of what it covers. */
export function applySummary(systemPrompt: string | undefined, history: ChatMessage[]): { system?: string; rest: ChatMessage[]; from: number } {
  let last: SummaryRecord | undefined;
  for (const m of history) if (isSummaryRecord(m)) last = m;
  const from = last ? Math.min(last.summaryOf, history.length) : 0;
  const rest = history.slice(from).filter((m) => !isSummaryRecord(m));
  // The summary joins the system message: one system message (some chat templates take no other), and a prefix that
  // stays the same until the next compaction.
  const system = last ? `${systemPrompt ?? ''}\n\n<conversation_summary>\nThe earlier part of this conversation, summarized:\n${last.content}\n</conversation_summary>`.trim() : systemPrompt;
  return { system, rest, from };
}

export function fit(input: FitInput): FitResult {
  const { counter } = input;
  const { system, rest, from } = applySummary(input.systemPrompt, input.history);
  const msgs = rest.map((m) => ({ ...m }));
  const cost = msgs.map((m) => counter.message(m));
  let notice = '';
  const systemTokens = () => (system || notice ? counter.message({ role: 'system', content: `${system ?? ''}${notice}` }) : 0);
  const sum = () => systemTokens() + input.toolTokens + cost.reduce((a, b) => a + b, 0);

  // What always stays: the latest user message, and the results of the latest round of tool calls.
  const lastUser = findLastIndex(msgs, (m) => m.role === 'user');
  const lastCalls = findLastIndex(msgs, (m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
  // The results after this index answer the current turn's latest calls (none when the turn has made no call yet).
  const newestRound = lastCalls > lastUser ? lastCalls : msgs.length;

  let stubbed = 0;
  let dropped = 0;
  let shortened = 0;
  // 2. Older tool results, oldest first.
  for (let i = 0; i < msgs.length && sum() > input.budget; i++) {
    const m = msgs[i];
    if (m.role !== 'tool' || i > newestRound) continue;
    const text = input.stub(m);
    if (text.length >= m.content.length && !m.images?.length) continue;
    // A stub goes without the result's pictures too.
    const { images: _images, ...plain } = m;
    void _images;
    msgs[i] = { ...plain, content: text.length < m.content.length ? text : m.content };
    cost[i] = counter.message(msgs[i]);
    stubbed++;
  }
  // 3. The oldest whole turns (a user message and everything up to the next one), never the current one.
  let start = 0;
  while (sum() > input.budget) {
    const next = msgs.findIndex((m, i) => i > start && m.role === 'user');
    if (next < 0 || next > lastUser || start >= lastUser) break;
    dropped += next - start;
    start = next;
    notice = `\n\n[${dropped} earlier message${dropped === 1 ? ' was' : 's were'} left out here to fit the model's context window; the user still sees them.]`;
    for (let i = 0; i < next; i++) cost[i] = 0;
  }
  // 4. The newest tool results, cut to share what is left.
  if (sum() > input.budget) {
    const newest = msgs.map((m, i) => (m.role === 'tool' && i > newestRound ? i : -1)).filter((i) => i >= 0);
    if (newest.length) {
      const others = sum() - newest.reduce((a, i) => a + cost[i], 0);
      const each = Math.max(200, Math.floor((input.budget - others) / newest.length) - 40);
      for (const i of newest) {
        const m = msgs[i] as Extract<ChatMessage, { role: 'tool' }>;
        if (cost[i] <= each) continue;
        // Characters per token, as this text measures, to aim the cut.
        const perToken = m.content.length / Math.max(1, counter.text(m.content));
        msgs[i] = { ...m, content: input.shorten(m, Math.max(400, Math.floor(each * perToken * 0.9))) };
        cost[i] = counter.message(msgs[i]);
        shortened++;
      }
    }
  }
  const kept = msgs.slice(start);
  const keptCost = cost.slice(start);
  const breakdown: Breakdown = { system: systemTokens(), tools: input.toolTokens, history: 0, results: 0 };
  kept.forEach((m, i) => {
    if (m.role === 'tool') breakdown.results += keptCost[i];
    else breakdown.history += keptCost[i];
  });
  const sys = system || notice ? [{ role: 'system', content: `${system ?? ''}${notice}` } as ChatMessage] : [];
  const total = breakdown.system + breakdown.tools + breakdown.history + breakdown.results;
  return { messages: [...sys, ...kept], breakdown, total, stubbed, dropped, shortened, over: total > input.budget, summarized: from };
}

function findLastIndex<T>(a: T[], pred: (x: T) => boolean): number {
  for (let i = a.length - 1; i >= 0; i--) if (pred(a[i])) return i;
  return -1;
}

/**
 * Where a compaction may cut: the start of the turn from which the most recent turns, kept verbatim, fit `keepTokens`.
 * Returns an index into `history` (0: nothing worth summarizing).
 */
export function compactionCut(history: ChatMessage[], counter: TokenCounter, keepTokens: number): number {
  const users = history.map((m, i) => (m.role === 'user' ? i : -1)).filter((i) => i >= 0);
  if (users.length < 2) return 0;
  let kept = 0;
  let cut = users[users.length - 1];
  for (let u = users.length - 1; u >= 1; u--) {
    const end = u + 1 < users.length ? users[u + 1] : history.length;
    for (let i = users[u]; i < end; i++) if (!isSummaryRecord(history[i])) kept += counter.message(history[i]);
    if (kept > keepTokens) break;
    cut = users[u];
  }
  return cut;
}
