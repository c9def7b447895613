/**
 * The public shape of a turn's events: what `POST /chat/stream` sends as SSE `data:` lines and what
 * `mcp-agent chat --json` prints, one JSON object per line. Internal events (AgentEvent) may change freely; these
 * may not without a note in the changelog, and test/unit/publicEvents.test.ts pins every field. The README's
 * "Events" section documents them.
 *
 * A new internal event type fails to compile here until it is given a public shape (or deliberately kept private).
 */
import type { ApprovalRequest } from '../ports';
import type { ContextReport } from '../context/manager';
import type { Usage } from '../llm/types';
import type { ConversationTotals } from '../llm/usage';
import type { AgentEvent, StopReason } from './ChatSession';

export type PublicEvent =
  | { type: 'text'; delta: string }
  | { type: 'reasoning'; delta: string }
  | { type: 'tool_call'; id: string; name: string; server?: string; arguments: unknown }
  | { type: 'approval'; id: string; request: { kind: ApprovalRequest['kind']; tool: string; server?: string; summary: string; args: unknown; diff?: string } }
  | { type: 'progress'; id: string; progress: number; total?: number; message?: string }
  | { type: 'tool_result'; id: string; name: string; server?: string; isError: boolean; content: string; truncated?: boolean; durationMs: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'context'; report?: PublicContext; note?: string }
  | { type: 'checkpoint'; id: string }
  | { type: 'error'; message: string; kind?: string }
  | { type: 'done'; text: string; conversation_id?: string; stopReason: StopReason; usage: Usage; totals?: PublicTotals; context?: PublicContext };

/** The conversation's tokens so far (every stored turn), and its cost in US dollars when `llm.pricing` is set. */
export interface PublicTotals {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  totalTokens: number;
  turns: number;
  cost?: number;
}

export function publicTotals(t: ConversationTotals): PublicTotals {
  const { promptTokens, completionTokens, cachedTokens, totalTokens, turns, cost } = t;
  return { promptTokens, completionTokens, cachedTokens, totalTokens, turns, ...opt('cost', cost) };
}

/** How full the model's window is: the request about to be sent, in tokens. */
export interface PublicContext {
  window: number;
  windowSource: string;
  budget: number;
  used: number;
  breakdown: { system: number; tools: number; history: number; results: number };
  exact: boolean;
  stubbed: number;
  dropped: number;
  shortened: number;
  summarized: number;
}

export function publicContext(r: ContextReport): PublicContext {
  const { window, windowSource, budget, used, breakdown, exact, stubbed, dropped, shortened, summarized } = r;
  return { window, windowSource, budget, used, breakdown: { system: breakdown.system, tools: breakdown.tools, history: breakdown.history, results: breakdown.results }, exact, stubbed, dropped, shortened, summarized };
}

/** The public form of `e`, or undefined for events that are not part of the API. */
export function publicEvent(e: AgentEvent): PublicEvent | undefined {
  switch (e.type) {
    case 'text':
      return { type: 'text', delta: e.delta };
    case 'reasoning':
      return { type: 'reasoning', delta: e.delta };
    case 'tool_call':
      return { type: 'tool_call', id: e.id, name: e.name, ...opt('server', e.server), arguments: e.arguments };
    case 'approval':
      return { type: 'approval', id: e.id, request: { kind: e.request.kind, tool: e.request.tool, ...opt('server', e.request.server), summary: e.request.summary, args: e.request.args, ...opt('diff', e.request.change?.diff) } };
    case 'progress':
      return { type: 'progress', id: e.id, progress: e.progress, ...opt('total', e.total), ...opt('message', e.message) };
    case 'tool_result':
      // The structured result stays private: it can hold megabytes of base64 the text already describes.
      return { type: 'tool_result', id: e.id, name: e.name, ...opt('server', e.server), isError: e.isError, content: e.content, ...opt('truncated', e.truncated), durationMs: e.durationMs };
    case 'usage':
      return { type: 'usage', usage: { ...e.usage } };
    case 'context':
      return { type: 'context', ...opt('report', e.report && publicContext(e.report)), ...opt('note', e.note) };
    case 'checkpoint':
      return { type: 'checkpoint', id: e.id };
    case 'error':
      return { type: 'error', message: e.message, ...opt('kind', e.kind) };
    case 'done':
      return { type: 'done', text: e.text, ...opt('conversation_id', e.conversation_id), stopReason: e.stopReason, usage: { ...e.usage }, ...opt('totals', e.totals && publicTotals(e.totals)), ...opt('context', e.context && publicContext(e.context)) };
    default:
      return unknownEvent(e);
  }
}

function unknownEvent(e: never): undefined {
  void e;
  return undefined;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
