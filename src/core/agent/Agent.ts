/**
 * The agent as the fronts use it: a chat request (a prompt, or the original API's message list) on a stored
 * conversation, run by a ChatSession, with the conversation saved afterwards, partial answers included.
 */
import type { ChatMessage, ImagePart, Usage } from '../llm/types';
import { ConversationError, type ConversationStore as FullStore } from '../store/types';
import { checkImages, imageFromDataUrl } from '../llm/images';
import type { ContextReport } from '../context/manager';
import type { Approver, Logger } from '../ports';
import { conversationTotals, type ConversationTotals, type Pricing } from '../llm/usage';
import { redact } from '../util/redact';
import { silentLogger } from '../ports';
import type { AgentEvent, ChatSession, StopReason, ToolCallRecord } from './ChatSession';

/** The part of the conversation store the agent needs. */
export type ConversationStore = Pick<FullStore, 'load' | 'create' | 'append'>;

export interface ChatRequest {
  /** A new user message. */
  prompt?: string;
  /**
   * The original API's shape: the conversation so far, ending with the user's message. A user message's content may
   * also be OpenAI's list of parts: `{type: 'text', text}` and `{type: 'image_url', image_url: {url: 'data:…'}}`.
   */
  messages?: Array<{ role: string; content: string | unknown[] }>;
  conversationId?: string;
  /**
   * The user the request is for (the HTTP API's key name): a new conversation is theirs, and another user's
   * conversation reads as not found. Unset: conversations without an owner only.
   */
  owner?: string;
  signal?: AbortSignal;
  onEvent?: (e: AgentEvent) => void;
  /** Who answers this turn's approvals (the panel that started it); default, the runtime's. */
  approver?: Approver;
  /** Pictures that go with the new user message (checked: type, size, count), for a model that sees images. */
  images?: ImagePart[];
}

export interface ChatResponse {
  reply: string;
  tool_calls: ToolCallRecord[];
  usage: Usage;
  conversation_id?: string;
  stopReason: StopReason;
  error?: string;
  /** How full the model's window was on the last request. */
  context?: ContextReport;
  /** The whole conversation's tokens so far, and its cost when pricing is set. */
  totals: ConversationTotals;
}

/**
 * A request the caller got wrong (HTTP 400, CLI exit 2). `not-found`: the conversation named does not exist or is
 * another user's (HTTP 404); `unavailable`: the store could not be read just now (HTTP 503).
 */
export class ChatRequestError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'not-found' | 'unavailable' = 'invalid',
  ) {
    super(message);
    this.name = 'ChatRequestError';
  }
}

export class Agent {
  constructor(
    private readonly session: ChatSession,
    private readonly store?: ConversationStore,
    private readonly logger: Logger = silentLogger,
    private readonly model?: string,
    /** Exact secrets (the API key) to strip from stored conversations, besides the usual patterns. */
    private readonly secrets: () => string[] = () => [],
    /** `llm.pricing`: what a million tokens cost, for the conversation's running cost. */
    private readonly pricing?: Pricing,
  ) {}

  /**
   * Summarizes a stored conversation for the model now (all but its last turn); the summary is stored as its own
   * record and every message stays. Resolves with how many messages the summary stands for (0: nothing to do).
   */
  async compact(conversationId: string, signal?: AbortSignal, owner?: string): Promise<{ summarized: number }> {
    if (!this.store) throw new ChatRequestError('conversations are not stored here, so there is nothing to compact');
    const messages = await this.loadOwned(conversationId, owner);
    const record = await this.session.compactNow(messages, signal);
    if (!record) return { summarized: 0 };
    await this.store.append(conversationId, redactMessages([record], this.secrets()));
    return { summarized: record.summaryOf };
  }

  /** A stored conversation's messages, when it belongs to `owner`; another user's reads exactly as a missing one. */
  private async loadOwned(id: string, owner: string | undefined): Promise<ChatMessage[]> {
    let conv: { owner?: string; messages: ChatMessage[] };
    try {
      conv = await this.store!.load(id);
    } catch (err) {
      const kind = err instanceof ConversationError ? err.kind : undefined;
      throw new ChatRequestError(`conversation "${id}" cannot be loaded: ${(err as Error).message}`, kind === 'not-found' ? 'not-found' : kind === 'io' ? 'unavailable' : 'invalid');
    }
    if (conv.owner !== owner) throw new ChatRequestError(`conversation "${id}" cannot be loaded: conversation ${id} not found`, 'not-found');
    return conv.messages;
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const { history, prompt, images: sentImages } = splitRequest(req);
    const wanted = [...(req.images ?? []), ...sentImages];
    let images: ImagePart[] | undefined;
    if (wanted.length || history.some((m) => m.role === 'user' && m.images?.length)) {
      // Refused before anything is sent or stored: a model that does not see images would only get a note.
      if (!this.session.seesImages) throw new ChatRequestError(`the model ${this.model ?? ''} does not take images; use a vision model, or set llm.vision: true if this one does`.replace('  ', ' '));
      try {
        images = wanted.length ? checkImages(wanted) : undefined;
      } catch (err) {
        throw new ChatRequestError((err as Error).message);
      }
    }
    let conversationId = req.conversationId;
    let stored: ChatMessage[] = [];
    if (conversationId) {
      if (!this.store) throw new ChatRequestError('conversations are not stored here, so conversation_id cannot be used');
      stored = await this.loadOwned(conversationId, req.owner);
    }
    const emit = req.onEvent ?? (() => undefined);
    const result = await this.session.runTurn([...stored, ...history], images ? { text: prompt, images } : prompt, emit, req.signal, req.approver);

    if (this.store) {
      try {
        // What is stored never carries a key or token, even one the user pasted or a tool printed.
        const messages = redactMessages([...history, ...result.messages], this.secrets());
        // A new conversation is written once, with its first turn: one durable write per turn, not two.
        if (conversationId) await this.store.append(conversationId, messages);
        else conversationId = (await this.store.create({ title: titleOf(redact(prompt, this.secrets())), messages, model: this.model, ...(req.owner !== undefined ? { owner: req.owner } : {}) })).id;
      } catch (err) {
        // The answer is already out; losing the record is worth a warning, not a failed chat.
        this.logger.warn(`could not save the conversation: ${(err as Error).message}`);
      }
    }
    const totals = conversationTotals([...stored, ...result.messages], this.pricing);
    emit({ type: 'done', text: result.text, conversation_id: conversationId, stopReason: result.stopReason, usage: result.usage, totals, ...(result.context ? { context: result.context } : {}) });
    return { reply: result.text, tool_calls: result.toolCalls, usage: result.usage, totals, conversation_id: conversationId, stopReason: result.stopReason, error: result.error, ...(result.context ? { context: result.context } : {}) };
  }
}

function splitRequest(req: ChatRequest): { history: ChatMessage[]; prompt: string; images: ImagePart[] } {
  if (req.prompt !== undefined) {
    if (!req.prompt.trim()) throw new ChatRequestError('the prompt is empty');
    return { history: [], prompt: req.prompt, images: [] };
  }
  const msgs = req.messages ?? [];
  if (msgs.length === 0) throw new ChatRequestError('"messages" must hold at least one message');
  const lastAt = msgs.length - 1;
  const last = msgs[lastAt];
  const lastParts = last.role === 'user' ? contentParts(last.content, lastAt) : undefined;
  if (!lastParts || (!lastParts.text.trim() && lastParts.images.length === 0)) throw new ChatRequestError('the last message must be a non-empty user message');
  const history: ChatMessage[] = [];
  for (const [i, m] of msgs.slice(0, -1).entries()) {
    if (m.role === 'user') {
      const { text, images } = contentParts(m.content, i);
      history.push(images.length ? { role: 'user', content: text, images } : { role: 'user', content: text });
      continue;
    }
    if (typeof m.content !== 'string') throw new ChatRequestError(`messages[${i}].content must be a string`);
    if (m.role === 'system') history.push({ role: 'system', content: m.content });
    else if (m.role === 'assistant') history.push({ role: 'assistant', content: m.content });
    else throw new ChatRequestError(`messages[${i}].role must be "system", "user" or "assistant"`);
  }
  return { history, prompt: lastParts.text, images: lastParts.images };
}

/** A user message's content: a string, or OpenAI's parts (text, and images as data: URLs). */
function contentParts(content: unknown, i: number): { text: string; images: ImagePart[] } {
  if (typeof content === 'string') return { text: content, images: [] };
  if (!Array.isArray(content)) throw new ChatRequestError(`messages[${i}].content must be a string or a list of parts`);
  const text: string[] = [];
  const images: ImagePart[] = [];
  for (const [j, p] of content.entries()) {
    const part = p as { type?: unknown; text?: unknown; image_url?: { url?: unknown } };
    const where = `messages[${i}].content[${j}]`;
    if (part?.type === 'text' && typeof part.text === 'string') text.push(part.text);
    else if (part?.type === 'image_url' && typeof part.image_url?.url === 'string') {
      try {
        images.push(imageFromDataUrl(part.image_url.url, where));
      } catch (err) {
        throw new ChatRequestError((err as Error).message);
      }
    } else throw new ChatRequestError(`${where} must be {"type": "text", "text": …} or {"type": "image_url", "image_url": {"url": "data:image/png;base64,…"}}`);
  }
  try {
    return { text: text.join('\n'), images: checkImages(images) };
  } catch (err) {
    throw new ChatRequestError((err as Error).message);
  }
}

function redactMessages(messages: ChatMessage[], known: string[]): ChatMessage[] {
  return messages.map((m) => {
    if (m.role === 'assistant') {
      return {
        ...m,
        content: m.content === null ? null : redact(m.content, known),
        tool_calls: m.tool_calls?.map((c) => ({ ...c, arguments: redact(c.arguments, known) })),
        ...(m.reasoning === undefined ? {} : { reasoning: redact(m.reasoning, known) }),
      };
    }
    return { ...m, content: redact(m.content, known) };
  });
}

function titleOf(prompt: string): string {
  const line = prompt.trim().split('\n')[0];
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
