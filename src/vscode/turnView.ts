/**
 * The core's turn events and stored messages as the chat panel shows them (pure mappings; the controller posts them).
 */
import { isDrawableImage } from '../shared/images';
import * as vscode from 'vscode';
import type { AgentEvent } from '../core/agent/ChatSession';
import { isSummaryRecord } from '../core/context/budget';
import { LlmError, type ChatMessage } from '../core/llm/types';
import type { ToolResult } from '../core/tools/types';
import type { BannerAction, TranscriptItem, TurnEvent } from '../shared/protocol';
import { toolChange } from './changeReview';

export function toTurnEvent(e: AgentEvent, emit: (t: TurnEvent) => void): void {
  switch (e.type) {
    case 'text':
      return emit({ type: 'text', delta: e.delta });
    case 'reasoning':
      return emit({ type: 'reasoning', delta: e.delta });
    case 'tool_call':
      return emit({ type: 'tool_call', id: e.id, name: e.name, server: e.server, arguments: typeof e.arguments === 'string' ? e.arguments : JSON.stringify(e.arguments, null, 2) });
    case 'progress':
      return emit({ type: 'progress', id: e.id, progress: e.progress, total: e.total, message: e.message });
    case 'tool_result':
      return emit({ type: 'tool_result', id: e.id, name: e.name, isError: e.isError, content: e.content, truncated: e.truncated, durationMs: e.durationMs, change: toolChange(e), ...thumbnails(e.result) });
    case 'usage':
      return emit({ type: 'usage', ...e.usage });
    case 'checkpoint':
      return emit({ type: 'checkpoint', id: e.id });
    case 'context': {
      const r = e.report;
      return emit({ type: 'context', ...(e.note ? { note: e.note } : {}), ...(r ? { meter: { used: r.used, budget: r.budget, window: r.window, source: r.windowSource, ...r.breakdown, summarized: r.summarized } } : {}) });
    }
    case 'error':
      return emit({ type: 'error', message: e.message, actions: errorActions(e.message, e.kind) });
    case 'done':
      return emit({ type: 'done', stopReason: e.stopReason, conversationId: e.conversation_id, ...(e.totals ? { totals: e.totals } : {}) });
    case 'approval':
      return;
  }
}

/** A result's pictures for the card: the first few, each small enough to post to the webview. */
function thumbnails(result: ToolResult | undefined): { images?: Array<{ mimeType: string; data: string }> } {
  const images = (result?.content ?? [])
    .filter((c): c is Extract<typeof c, { type: 'image' }> => c.type === 'image' && isDrawableImage(c) && c.data.length <= 1_000_000)
    .slice(0, 4)
    .map((c) => ({ mimeType: c.mimeType, data: c.data }));
  return images.length ? { images } : {};
}

/**
 * What the user can do about an error, from its kind (LlmError's, carried on the error event). A message is only
 * read for errors thrown before the model was reached (a setting that does not resolve names the setting).
 */
export function errorActions(message: string, kindOrError?: unknown): BannerAction[] {
  const kind = typeof kindOrError === 'string' ? kindOrError : kindOrError instanceof LlmError ? kindOrError.kind : undefined;
  if (kind === 'auth') return ['setApiKey', 'openSettings'];
  if (kind === 'model' || kind === 'network') return ['openSettings', 'showLogs', 'retry'];
  if (kind === undefined && /API key/i.test(message)) return ['setApiKey', 'openSettings'];
  if (kind === undefined && /model|base URL|setting/i.test(message)) return ['openSettings', 'showLogs', 'retry'];
  return ['showLogs', 'retry'];
}

/** Stored messages as the panel shows them: user and assistant text, and a card per tool call with its result. */
export function transcript(messages: ChatMessage[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const cards = new Map<string, TranscriptItem & { kind: 'tool' }>();
  for (const m of messages) {
    if (isSummaryRecord(m)) items.push({ kind: 'note', text: vscode.l10n.t('From here on the model sees the {0} messages above as a summary; you still see them all.', m.summaryOf) });
    else if (m.role === 'user') items.push({ kind: 'user', text: m.content, ...(m.images?.length ? { images: m.images } : {}) });
    else if (m.role === 'assistant') {
      if (m.content || m.reasoning) items.push({ kind: 'assistant', text: m.content ?? '', ...(m.reasoning ? { reasoning: m.reasoning } : {}) });
      for (const c of m.tool_calls ?? []) {
        const card: TranscriptItem & { kind: 'tool' } = { kind: 'tool', id: c.id, name: c.name, arguments: c.arguments };
        cards.set(c.id, card);
        items.push(card);
      }
    } else if (m.role === 'tool') {
      const card = cards.get(m.tool_call_id);
      if (card) {
        card.result = m.content;
        // Stored since this version; older conversations are read by their wording.
        card.isError = m.isError ?? /^(Error|Not run):/.test(m.content);
      }
    }
  }
  return items;
}
