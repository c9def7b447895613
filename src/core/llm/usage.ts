/**
 * A conversation's tokens and cost. Each turn's usage is stored on its last assistant message (ChatSession), so the
 * totals are a sum over the stored messages: any store, any process, old conversations (without usage) count as 0.
 */
import type { ChatMessage, Usage } from './types';

/** US dollars per million tokens (`llm.pricing`). */
export interface Pricing {
  input: number;
  /** Prompt tokens read from the provider's cache; unset: billed as input. */
  cachedInput?: number;
  output: number;
}

export interface ConversationTotals {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  totalTokens: number;
  /** Turns whose usage the endpoint reported. */
  turns: number;
  /** US dollars, when pricing is set. */
  cost?: number;
}

export function costOf(u: Pick<Usage, 'promptTokens' | 'completionTokens' | 'cachedTokens'>, p: Pricing): number {
  const cached = Math.min(u.cachedTokens ?? 0, u.promptTokens);
  return ((u.promptTokens - cached) * p.input + cached * (p.cachedInput ?? p.input) + u.completionTokens * p.output) / 1_000_000;
}

export function conversationTotals(messages: readonly ChatMessage[], pricing?: Pricing): ConversationTotals {
  const t: ConversationTotals = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0, turns: 0 };
  for (const m of messages) {
    if (m.role !== 'assistant' || !m.usage) continue;
    t.promptTokens += m.usage.promptTokens;
    t.completionTokens += m.usage.completionTokens;
    t.cachedTokens += m.usage.cachedTokens ?? 0;
    t.totalTokens += m.usage.totalTokens;
    t.turns++;
  }
  if (pricing) t.cost = costOf(t, pricing);
  return t;
}

/** "12.3k in (4.1k cached), 1.2k out, $0.0123": one line for the CLI and logs. */
export function describeTotals(t: ConversationTotals): string {
  const n = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(x >= 100_000 ? 0 : 1)}k` : String(x));
  const cached = t.cachedTokens ? ` (${n(t.cachedTokens)} cached)` : '';
  const cost = t.cost === undefined ? '' : `, ${formatCost(t.cost)}`;
  return `${n(t.promptTokens)} in${cached}, ${n(t.completionTokens)} out${cost}`;
}

/** Dollars with enough digits to show a cheap turn: $0.0004, $0.12, $3.40. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(2)}`;
}
