/**
 * Messages between the extension host and the chat webview, both directions, one doc comment each.
 * The host validates every message from the webview with `parseWebviewMessage` (the webview is less trusted:
 * it renders model output); messages to the webview are typed only.
 */
import { IMAGE_MIME_TYPES, type ImageMimeType } from './images';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes

export interface ServerSummary {
  name: string;
  /** `untrusted`: defined by the workspace and held back until the user trusts its definition. */
  state: 'idle' | 'starting' | 'connected' | 'error' | 'stopped' | 'untrusted';
  transport?: string;
  toolCount: number;
  lastError?: string;
  /** The server's tools, as the model sees them (`server__tool`), each switched on or off (`tools.disabled`). */
  tools?: Array<{ name: string; tool: string; disabled: boolean; byPattern?: boolean }>;
}

export interface ConversationListItem {
  id: string;
  title: string;
  updatedAt: string;
  messageCount: number;
}

/** A message of a stored conversation, reduced to what the panel shows again when a conversation is reopened. */
export type TranscriptItem =
  | { kind: 'user'; text: string; images?: Picture[] }
  /** `reasoning`: what a reasoning model thought before this message (shown folded). */
  | { kind: 'assistant'; text: string; reasoning?: string }
  | { kind: 'tool'; id: string; name: string; arguments: string; result?: string; isError?: boolean }
  /** A marker: from here on the model's view was compacted (the messages above summarized for it). */
  | { kind: 'note'; text: string };

/** The context meter: tokens of the last request against what the window leaves for it, by part. */
export interface ContextMeter {
  used: number;
  budget: number;
  window: number;
  /** Where the window figure came from: setting, learned, endpoint, provider, table, default. */
  source: string;
  system: number;
  tools: number;
  history: number;
  results: number;
  /** Messages the current summary stands for. */
  summarized: number;
}

/** A picture for the view: base64 data of an image type. */
export interface Picture {
  mimeType: string;
  data: string;
}

/** The conversation's tokens so far, and its cost in US dollars when `llm.pricing` is set. */
export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  totalTokens: number;
  turns: number;
  cost?: number;
}

export type BannerAction = 'setApiKey' | 'openSettings' | 'showLogs' | 'showServers' | 'restartServers' | 'retry';

/** One event of a running turn (mirrors core AgentEvent, with tool results as full text). */
export type TurnEvent =
  | { type: 'text'; delta: string }
  /** A reasoning model's thinking, streamed into the turn's "Thinking" block. */
  | { type: 'reasoning'; delta: string }
  | { type: 'tool_call'; id: string; name: string; server?: string; arguments: string }
  | { type: 'progress'; id: string; progress: number; total?: number; message?: string }
  /** `images`: the result's pictures (a few, bounded), shown as thumbnails on the card. */
  | { type: 'tool_result'; id: string; name: string; isError: boolean; content: string; truncated?: boolean; durationMs: number; change?: { path: string; diff: string }; images?: Array<{ mimeType: string; data: string }> }
  /** The workspace was checkpointed before this turn's first change: its user message can restore it. */
  | { type: 'checkpoint'; id: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number; totalTokens: number }
  /** How full the model's window is for the request about to go (tokens), or a note (compacted, window learned). */
  | { type: 'context'; meter?: ContextMeter; note?: string }
  | { type: 'error'; message: string; actions?: BannerAction[] }
  | { type: 'done'; stopReason: 'completed' | 'cancelled' | 'round-cap' | 'error'; conversationId?: string; totals?: UsageTotals };


// ---------------------------------------------------------------------------------------------------------------
// Server-initiated requests (sampling, elicitation) and "beyond tools" (resources, prompts)

/** One part of a sampling message: text, or an image/audio (images carry their data for a thumbnail, capped). */
export type SamplingPart = { type: 'text'; text: string } | { type: 'image'; mimeType: string; data?: string; bytes: number } | { type: 'audio'; mimeType: string; bytes: number } | { type: 'other'; label: string };

/** A field of an elicitation form, as the host's form model built it from the requested schema. */
export interface FormFieldView {
  name: string;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'multi-enum';
  title: string;
  description?: string;
  required: boolean;
  default?: string | number | boolean | string[];
  options?: Array<{ value: string; label: string }>;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** What a server asks of the user, as the panel shows it. */
export type ServerRequestView =
  | {
      kind: 'sampling';
      server: string;
      messages: Array<{ role: 'user' | 'assistant'; parts: SamplingPart[] }>;
      systemPrompt?: string;
      maxTokens: number;
      temperature?: number;
      /** The configured model the request goes to, and the server's hints / priorities. */
      model: string;
      modelHints: string[];
      priorities?: { cost?: number; speed?: number; intelligence?: number };
      includeContext?: string;
    }
  | { kind: 'samplingReview'; server: string; model: string; text: string; stopReason: string }
  | { kind: 'elicitation'; server: string; message: string; fields: FormFieldView[] }
  | { kind: 'elicitationUrl'; server: string; message: string; url: string; host: string; openable: boolean };

export type ServerRequestOutcome = 'approved' | 'trusted' | 'denied' | 'sent' | 'discarded' | 'accepted' | 'declined' | 'cancelled' | 'opened' | 'failed';

/** A resource or template the `@` picker offers. */
export interface ResourceItem {
  server: string;
  /** The URI, or the URI template for a template. */
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  template?: boolean;
  /** A template's variables, in order. */
  variables?: string[];
}

/** A server prompt the `/` menu offers. */
export interface PromptItem {
  server: string;
  name: string;
  title?: string;
  description?: string;
  arguments: Array<{ name: string; description?: string; required: boolean }>;
  /** The server answers `completion/complete`. */
  completions: boolean;
}

/** A resource attached to a message (a template with its variables filled in is sent with them). */
export interface AttachmentRef {
  server: string;
  uri: string;
  name: string;
  template?: boolean;
  variables?: Record<string, string>;
}

/** A picture the user pasted, dropped or picked in the composer (scaled down there), sent with the message. */
export interface ImageAttachment {
  kind: 'image';
  name: string;
  mimeType: ImageMimeType;
  /** Base64. */
  data: string;
}

/** What a composer chip stands for: a server's resource (`@`) or a picture. */
export type ComposerAttachment = AttachmentRef | ImageAttachment;

export function isImageAttachment(a: ComposerAttachment): a is ImageAttachment {
  return (a as ImageAttachment).kind === 'image';
}

// ---------------------------------------------------------------------------------------------------------------
// Host -> webview

export type HostMessage =
  /** Host -> webview, once after `ready` and when things change: what the header and status strip show. */
  | {
      type: 'state';
      provider: string;
      model: string;
      servers: ServerSummary[];
      conversations: ConversationListItem[];
      restricted: boolean;
      locale: string;
      /** Instructions in the system prompt: file names (`AGENTS.md`, ...) and `settings` for the user's own. */
      instructions?: string[];
    }
  /** Host -> webview: server states changed. */
  | { type: 'servers'; servers: ServerSummary[] }
  /** Host -> webview: the stored conversations changed. */
  | { type: 'conversations'; conversations: ConversationListItem[] }
  /** Host -> webview: a turn began for this user text (also echoes prompts sent from commands). */
  /** `images`: the pictures that went with the message, shown in its bubble. */
  | { type: 'turnStart'; turnId: string; userText: string; images?: Picture[] }
  /** Host -> webview: something happened in the running turn. */
  | { type: 'turnEvent'; turnId: string; event: TurnEvent }
  /** Host -> webview: a tool call waits for the user's decision; answer with `approve`. */
  | { type: 'approval'; turnId: string; approvalId: string; callId: string; kind: 'command' | 'tool' | 'edit' | 'config-write'; tool: string; server?: string; summary: string; args: string; change?: { path: string; diff: string }; cwd?: string; reason?: string }
  /** Host -> webview: an approval was settled elsewhere (cancelled turn, timeout); remove its buttons. */
  | { type: 'approvalSettled'; approvalId: string; decision: 'allow' | 'deny' | 'always' | 'cancelled' }
  /** Host -> webview: show this conversation (New Chat sends an empty one). */
  | { type: 'conversation'; id?: string; items: TranscriptItem[]; totals?: UsageTotals }
  /** Host -> webview: a banner above the input, with buttons that come back as `action`. */
  | { type: 'banner'; level: 'error' | 'warning' | 'info'; message: string; actions: BannerAction[] }
  /** Host -> webview: put text into the input box (and send it when `send`). */
  | { type: 'prefill'; text: string; send: boolean }
  /** Host -> webview: translated UI strings for the webview's own labels. */
  | { type: 'strings'; strings: Record<string, string> }
  /** Host -> webview: a server asks something of the user (sampling approval or answer review, elicitation); answer with `serverRequestReply`. */
  | { type: 'serverRequest'; requestId: string; request: ServerRequestView }
  /** Host -> webview: a server request was settled (by the user, elsewhere, or cancelled by the server); remove its buttons. */
  | { type: 'serverRequestSettled'; requestId: string; outcome: ServerRequestOutcome; detail?: string }
  /** Host -> webview: the host rejected the values of an elicitation form; show these messages by field name. */
  | { type: 'serverRequestErrors'; requestId: string; errors: Record<string, string> }
  /** Host -> webview: every connected server's resources, templates and prompts (answers `catalog`). */
  | { type: 'catalog'; resources: ResourceItem[]; prompts: PromptItem[]; errors: string[] }
  /** Host -> webview: completion values for a prompt argument or template variable (answers `complete`). */
  | { type: 'completion'; requestId: string; values: string[] }
  /**
   * Host -> webview: the resources attached in this conversation that the host watches (subscribed where the server
   * supports it); `updated` ones changed since, and their current contents go with the next message.
   */
  | { type: 'watched'; resources: WatchedResourceItem[] };

/** A resource attached in this conversation and watched for changes. */
export interface WatchedResourceItem {
  server: string;
  uri: string;
  name: string;
  updated: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Webview -> host (validated)

const id = z.string().min(1).max(200);
const attachment = z.object({
  server: id,
  uri: z.string().min(1).max(4096),
  name: z.string().max(500),
  template: z.boolean().optional(),
  variables: z.record(z.string().max(200), z.string().max(4096)).optional(),
});
const formValue = z.union([z.string().max(100_000), z.number(), z.boolean(), z.array(z.string().max(10_000)).max(1000)]);

export const webviewMessageSchema = z.discriminatedUnion('type', [
  /** Webview -> host: the script loaded; send `state` and the current conversation. */
  z.object({ type: z.literal('ready') }),
  /** Webview -> host: the user sent a message, with resources attached from the `@` picker (read on send). */
  z.object({
    type: z.literal('send'),
    text: z.string().min(1).max(200_000),
    attachments: z.array(attachment).max(20).optional(),
    /** Pictures (base64, at most 8 of about 5 MB each; the core checks them again). */
    images: z.array(z.object({ name: z.string().max(500), mimeType: z.enum(IMAGE_MIME_TYPES), data: z.string().min(1).max(7_000_000) })).max(8).optional(),
  }),
  /** Webview -> host: stop the running turn (model and tool calls). */
  z.object({ type: z.literal('stop') }),
  /** Webview -> host: summarize the conversation so far for the model (Compact Conversation, `/compact`). */
  z.object({ type: z.literal('compact') }),
  /** Webview -> host: start a new conversation. */
  z.object({ type: z.literal('newChat') }),
  /** Webview -> host: the user's answer to an `approval`. */
  z.object({ type: z.literal('approve'), approvalId: id, decision: z.enum(['allow', 'deny', 'always']) }),
  /** Webview -> host: open an edit approval's change in the diff editor (Accept / Reject there answer the approval). */
  z.object({ type: z.literal('reviewChange'), approvalId: id }),
  /** Webview -> host: open a file an edit tool changed (a workspace-relative path; the host checks it). */
  z.object({ type: z.literal('openFile'), path: z.string().min(1).max(4096) }),
  /** Webview -> host: "Restore to here" on a user message (the host shows the files and asks first). */
  z.object({ type: z.literal('restoreCheckpoint'), id: z.string().regex(/^[0-9a-f]{40}$/) }),
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
  /** Webview -> host: restart one server, show its log, or review the workspace servers waiting for trust. */
  z.object({ type: z.literal('server'), name: id, op: z.enum(['restart', 'logs', 'trust']) }),
  /** Webview -> host: switch one tool on or off (its `server__tool` name in `tools.disabled`). */
  z.object({ type: z.literal('toggleTool'), name: z.string().min(1).max(200), enabled: z.boolean() }),
  /**
   * Webview -> host: the user's answer to a `serverRequest`: sampling `approve` / `trust` / `deny`, review `send` /
   * `discard`, elicitation `accept` (with `values`) / `decline` / `cancel`, URL elicitation `open` / `decline` / `cancel`.
   */
  z.object({
    type: z.literal('serverRequestReply'),
    requestId: id,
    action: z.enum(['approve', 'trust', 'deny', 'send', 'discard', 'accept', 'decline', 'cancel', 'open']),
    values: z.record(z.string().max(200), formValue).optional(),
  }),
  /** Webview -> host: list resources, templates and prompts of the connected servers (answered by `catalog`). */
  z.object({ type: z.literal('catalog') }),
  /** Webview -> host: completion suggestions for a prompt argument or template variable (answered by `completion`). */
  z.object({
    type: z.literal('complete'),
    requestId: id,
    server: id,
    ref: z.discriminatedUnion('type', [z.object({ type: z.literal('prompt'), name: z.string().min(1).max(500) }), z.object({ type: z.literal('resource'), uri: z.string().min(1).max(4096) })]),
    argument: z.object({ name: z.string().min(1).max(200), value: z.string().max(4096) }),
    context: z.record(z.string().max(200), z.string().max(4096)).optional(),
  }),
  /** Webview -> host: run a server prompt with these arguments; its messages become the user turn. */
  z.object({ type: z.literal('runPrompt'), server: id, name: z.string().min(1).max(500), arguments: z.record(z.string().max(200), z.string().max(100_000)) }),
  /** Webview -> host: stop watching an attached resource (its changes no longer go with messages). */
  z.object({ type: z.literal('unwatch'), server: id, uri: z.string().min(1).max(4096) }),
]);

export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

/** The message, or undefined when it is not one the host understands (logged and ignored by the caller). */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  const r = webviewMessageSchema.safeParse(raw);
  return r.success ? r.data : undefined;
}
