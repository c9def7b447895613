/**
 * Messages between the extension host and the chat webview, both directions, one doc comment each.
 * The host validates every message from the webview with `parseWebviewMessage` (the webview is less trusted:
 * it renders model output); messages to the webview are typed only.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes

export interface ServerSummary {
  name: string;
  state: 'idle' | 'starting' | 'connected' | 'error' | 'stopped';
  transport?: string;
  toolCount: number;
  lastError?: string;
}

export interface ConversationListItem {
  id: string;
  title: string;
  updatedAt: string;
  messageCount: number;
}

/** A message of a stored conversation, reduced to what the panel shows again when a conversation is reopened. */
export type TranscriptItem =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string }
  | { kind: 'tool'; id: string; name: string; arguments: string; result?: string; isError?: boolean };

export type BannerAction = 'setApiKey' | 'openSettings' | 'showLogs' | 'showServers' | 'restartServers' | 'retry';

/** One event of a running turn (mirrors core AgentEvent, with tool results as full text). */
export type TurnEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; id: string; name: string; server?: string; arguments: string }
  | { type: 'progress'; id: string; progress: number; total?: number; message?: string }
  | { type: 'tool_result'; id: string; name: string; isError: boolean; content: string; truncated?: boolean; durationMs: number }
  | { type: 'usage'; promptTokens: number; completionTokens: number; totalTokens: number }
  | { type: 'error'; message: string; actions?: BannerAction[] }
  | { type: 'done'; stopReason: 'completed' | 'cancelled' | 'round-cap' | 'error'; conversationId?: string };

// ---------------------------------------------------------------------------------------------------------------
// Host -> webview

export type HostMessage =
  /** Host -> webview, once after `ready` and when things change: what the header and status strip show. */
  | { type: 'state'; provider: string; model: string; servers: ServerSummary[]; conversations: ConversationListItem[]; restricted: boolean; locale: string }
  /** Host -> webview: server states changed. */
  | { type: 'servers'; servers: ServerSummary[] }
  /** Host -> webview: the stored conversations changed. */
  | { type: 'conversations'; conversations: ConversationListItem[] }
  /** Host -> webview: a turn began for this user text (also echoes prompts sent from commands). */
  | { type: 'turnStart'; turnId: string; userText: string }
  /** Host -> webview: something happened in the running turn. */
  | { type: 'turnEvent'; turnId: string; event: TurnEvent }
  /** Host -> webview: a tool call waits for the user's decision; answer with `approve`. */
  | { type: 'approval'; turnId: string; approvalId: string; callId: string; kind: 'command' | 'tool' | 'config-write'; tool: string; server?: string; summary: string; args: string }
  /** Host -> webview: an approval was settled elsewhere (cancelled turn, timeout); remove its buttons. */
  | { type: 'approvalSettled'; approvalId: string; decision: 'allow' | 'deny' | 'always' | 'cancelled' }
  /** Host -> webview: show this conversation (New Chat sends an empty one). */
  | { type: 'conversation'; id?: string; items: TranscriptItem[] }
  /** Host -> webview: a banner above the input, with buttons that come back as `action`. */
  | { type: 'banner'; level: 'error' | 'warning' | 'info'; message: string; actions: BannerAction[] }
  /** Host -> webview: put text into the input box (and send it when `send`). */
  | { type: 'prefill'; text: string; send: boolean }
  /** Host -> webview: translated UI strings for the webview's own labels. */
  | { type: 'strings'; strings: Record<string, string> };

// ---------------------------------------------------------------------------------------------------------------
// Webview -> host (validated)

const id = z.string().min(1).max(200);

export const webviewMessageSchema = z.discriminatedUnion('type', [
  /** Webview -> host: the script loaded; send `state` and the current conversation. */
  z.object({ type: z.literal('ready') }),
  /** Webview -> host: the user sent a message. */
  z.object({ type: z.literal('send'), text: z.string().min(1).max(200_000) }),
  /** Webview -> host: stop the running turn (model and tool calls). */
  z.object({ type: z.literal('stop') }),
  /** Webview -> host: start a new conversation. */
  z.object({ type: z.literal('newChat') }),
  /** Webview -> host: the user's answer to an `approval`. */
  z.object({ type: z.literal('approve'), approvalId: id, decision: z.enum(['allow', 'deny', 'always']) }),
  /** Webview -> host: open a stored conversation. */
  z.object({ type: z.literal('openConversation'), id }),
  /** Webview -> host: delete a stored conversation. */
  z.object({ type: z.literal('deleteConversation'), id }),
  /** Webview -> host: copy a code block to the clipboard. */
  z.object({ type: z.literal('copy'), text: z.string().max(5_000_000) }),
  /** Webview -> host: insert a code block at the cursor of the active editor. */
  z.object({ type: z.literal('insert'), text: z.string().max(5_000_000) }),
  /** Webview -> host: open a link from the conversation (http(s) only; the host checks). */
  z.object({ type: z.literal('openLink'), href: z.string().max(8192) }),
  /** Webview -> host: a banner or toolbar button. */
  z.object({ type: z.literal('action'), action: z.enum(['setApiKey', 'openSettings', 'showLogs', 'showServers', 'restartServers', 'retry']) }),
  /** Webview -> host: restart one server, or show its log. */
  z.object({ type: z.literal('server'), name: id, op: z.enum(['restart', 'logs']) }),
]);

export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

/** The message, or undefined when it is not one the host understands (logged and ignored by the caller). */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  const r = webviewMessageSchema.safeParse(raw);
  return r.success ? r.data : undefined;
}
