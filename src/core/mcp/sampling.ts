/**
 * Sampling (`sampling/createMessage`): a server asks the client's model for a completion. The request is shown
 * to the user (unless the server is trusted for sampling), rate-limited per server, mapped onto the agent's
 * ChatProvider, and, optionally, the answer is shown before it goes back to the server.
 *
 * ```ts
 * const handlers: ClientHandlers = {
 *   sampling: createSamplingHandler({ provider, approve: async (req) => (await ask(req)) ? 'approve' : 'decline' }),
 * };
 * ```
 *
 * Fronts only build the questions (`approve`, `reviewAnswer`); everything else lives here.
 */
import { McpError, type CreateMessageRequest, type CreateMessageResult } from '@modelcontextprotocol/sdk/types.js';
import { LlmError, type ChatMessage, type ChatProvider, type ImagePart } from '../llm/types';
import type { ClientHandlers } from './McpAgent';

type SamplingParams = CreateMessageRequest['params'];

/** The spec's error code for "user rejected sampling request". */
export const SAMPLING_REJECTED = -1;

/** A readable view of a sampling request, for approval prompts and cards. */
export interface SamplingRequestView {
  server: string;
  /** The messages as text; images and audio become a bracketed note (images in user messages go to the model as images). */
  messages: Array<{ role: 'user' | 'assistant'; text: string }>;
  systemPrompt?: string;
  maxTokens: number;
  temperature?: number;
  stopSequences?: string[];
  /** The model the request will go to (after the server's hints). */
  model: string;
  /** The server's hints, as sent (`modelPreferences.hints[].name`). */
  modelHints: string[];
  /** `thisServer` / `allServers` are not honoured (no other context is sent); shown so the user knows. */
  includeContext?: 'none' | 'thisServer' | 'allServers';
}

/** The model's answer, shown before it is returned when `reviewAnswer` is set. */
export interface SamplingAnswerView {
  model: string;
  text: string;
  stopReason: string;
}

/**
 * The user's decision: `approve` this request, `always` approve this server for the rest of the session, or
 * `decline` (the server gets the spec's "user rejected" error).
 */
export type SamplingDecision = 'approve' | 'always' | 'decline';

export interface SamplingOptions {
  /** The agent's model service. */
  provider: ChatProvider;
  /** Models a server may pick through `modelPreferences.hints` (matched by substring, first hint first). Default: the provider's model only. */
  models?: string[];
  /** Asked before every request from a server that is not trusted. */
  approve(req: SamplingRequestView, signal: AbortSignal): Promise<SamplingDecision>;
  /** Asked with the answer before it is returned (untrusted servers only); false rejects the request. */
  reviewAnswer?(req: SamplingRequestView, answer: SamplingAnswerView, signal: AbortSignal): Promise<boolean>;
  /** Servers whose requests run without asking. Rate limits still apply. */
  trusted?(server: string): boolean;
  /** Requests per server per minute (a token bucket as deep as the rate). Default 10; 0 refuses all. */
  rateLimit?: { perMinute: number };
  /** Caps the server's `maxTokens`. Default 4096. */
  maxTokensCap?: number;
  /** Clock for the rate limit (tests). */
  now?: () => number;
}

/** Builds the `sampling` entry of `ClientHandlers`. */
export function createSamplingHandler(opts: SamplingOptions): NonNullable<ClientHandlers['sampling']> {
  const limiter = new RateLimiter(opts.rateLimit?.perMinute ?? 10, opts.now ?? Date.now);
  const alwaysTrusted = new Set<string>();
  return async (server, params, signal) => {
    if (params.tools?.length || params.toolChoice) {
      throw new McpError(-32602, 'tools in sampling requests are not supported by this client (it does not declare sampling.tools)');
    }
    const waitMs = limiter.take(server);
    if (waitMs > 0) {
      throw new McpError(-32000, `sampling rate limit for server "${server}" reached (${limiter.perMinute} per minute); try again in ${Math.ceil(waitMs / 1000)} s`);
    }
    const view = samplingView(server, params, pickModel(params, opts.provider.model, opts.models));
    const trusted = alwaysTrusted.has(server) || opts.trusted?.(server) === true;
    if (!trusted) {
      const decision = await opts.approve(view, signal);
      if (decision === 'decline') throw new McpError(SAMPLING_REJECTED, 'User rejected sampling request');
      if (decision === 'always') alwaysTrusted.add(server);
    }
    const maxTokens = Math.max(1, Math.min(params.maxTokens, opts.maxTokensCap ?? 4096));
    const answer = await complete(opts.provider, toChatMessages(params), view.model, { maxTokens, temperature: params.temperature, stop: params.stopSequences }, signal);
    if (!trusted && opts.reviewAnswer && !(await opts.reviewAnswer(view, answer, signal))) {
      throw new McpError(SAMPLING_REJECTED, 'User rejected the sampled answer');
    }
    return { role: 'assistant', content: { type: 'text', text: answer.text }, model: answer.model, stopReason: answer.stopReason } satisfies CreateMessageResult;
  };
}

/** The model for a request: the first hint that is a substring of an allowed model (spec), else the default. */
export function pickModel(params: Pick<SamplingParams, 'modelPreferences'>, defaultModel: string, models: string[] = []): string {
  const allowed = [defaultModel, ...models.filter((m) => m !== defaultModel)];
  for (const hint of params.modelPreferences?.hints ?? []) {
    const name = hint.name?.trim().toLowerCase();
    if (!name) continue;
    const match = allowed.find((m) => m.toLowerCase() === name) ?? allowed.find((m) => m.toLowerCase().includes(name));
    if (match) return match;
  }
  return defaultModel;
}

export function samplingView(server: string, params: SamplingParams, model: string): SamplingRequestView {
  return {
    server,
    messages: params.messages.map((m) => ({ role: m.role, text: contentText(m.content) })),
    systemPrompt: params.systemPrompt,
    maxTokens: params.maxTokens,
    temperature: params.temperature,
    stopSequences: params.stopSequences,
    model,
    modelHints: (params.modelPreferences?.hints ?? []).map((h) => h.name ?? '').filter(Boolean),
    includeContext: params.includeContext,
  };
}

/**
 * The request as chat messages. Images in user messages go to the model as images (for models that take them; one
 * that does not answers with an error the server gets). Audio, and images in assistant messages (Chat Completions
 * has no place for them), stay bracketed notes in the text.
 */
function toChatMessages(params: SamplingParams): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (params.systemPrompt) out.push({ role: 'system', content: params.systemPrompt });
  for (const m of params.messages) {
    if (m.role === 'assistant') {
      out.push({ role: 'assistant', content: contentText(m.content, 'model') });
      continue;
    }
    const blocks = Array.isArray(m.content) ? m.content : [m.content];
    const images: ImagePart[] = blocks.flatMap((b) => (b.type === 'image' ? [{ mimeType: b.mimeType, data: b.data }] : []));
    const text = blocks.filter((b) => b.type !== 'image').map((b) => blockText(b, 'model')).join('\n');
    out.push(images.length ? { role: 'user', content: text, images } : { role: 'user', content: text });
  }
  return out;
}

type SamplingBlock = SamplingParams['messages'][number]['content'];

type Block = Extract<SamplingBlock, readonly unknown[]>[number] | Exclude<SamplingBlock, readonly unknown[]>;

/** Text for a person (`view`: media named by type and size) or for the model (media it is not given, as a note). */
function contentText(content: SamplingBlock, audience: 'view' | 'model' = 'view'): string {
  const blocks = Array.isArray(content) ? content : [content];
  return blocks.map((b: Block) => blockText(b, audience)).join('\n');
}

function blockText(b: Block, audience: 'view' | 'model'): string {
  if (b.type === 'text') return b.text;
  if (b.type === 'image' || b.type === 'audio') {
    const what = `${b.type} ${b.mimeType}, ${base64Bytes(b.data)} bytes`;
    return audience === 'view' ? `[${what}]` : `[${what}, not given to the model: it takes text and images in user messages only]`;
  }
  return `[${b.type}]`;
}

export function base64Bytes(data: string): number {
  const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - pad);
}

async function complete(
  provider: ChatProvider,
  messages: ChatMessage[],
  model: string,
  limits: { maxTokens: number; temperature?: number; stop?: string[] },
  signal: AbortSignal,
): Promise<SamplingAnswerView> {
  let text = '';
  let finish = 'stop';
  try {
    for await (const e of provider.stream({ messages, model, signal, ...limits })) {
      if (e.type === 'text') text += e.delta;
      else if (e.type === 'finish') finish = e.reason;
    }
  } catch (err) {
    if (signal.aborted) throw new McpError(-32800, 'sampling request cancelled');
    const message = err instanceof LlmError ? err.message : (err as Error)?.message ?? String(err);
    throw new McpError(-32603, `the model service failed: ${message}`);
  }
  return { model, text, stopReason: finish === 'length' ? 'maxTokens' : finish === 'stop' ? 'endTurn' : finish };
}

/** A token bucket per server: `perMinute` deep, refilled continuously. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token; returns 0 on success, else the milliseconds until one is available. */
  take(key: string): number {
    if (this.perMinute <= 0) return 60_000;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.at) * this.perMinute) / 60_000);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 60_000) / this.perMinute);
  }
}
