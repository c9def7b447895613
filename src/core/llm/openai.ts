/** The ChatProvider for OpenAI and every server that speaks its Chat Completions API (Ollama, vLLM, LM Studio, ...). */
import type { Agent } from 'node:http';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { Logger } from '../ports.js';
import { silentLogger } from '../ports.js';
import { DEFAULT_EMBEDDING_MODEL, isOpenAIPlatform, isOpenAIReasoningModel, sendsReasoning, type LlmConfig, type ReasoningEffort, type SendReasoning } from './config.js';
import { cancelledError, cutOffError, redactSecrets, StreamIdleError, toLlmError, type ErrorContext } from './errors.js';
import { fromWireUsage, reasoningDelta, toWireMessages, toWireTools, ToolCallAssembler } from './openaiWire.js';
import { openEventStream } from './eventStream.js';
import { DEFAULT_RETRY_POLICY, retryDecision, sleep, type RetryPolicy } from './retry.js';
import { LlmError, type ChatProvider, type ChatRequest, type StreamEvent, type Usage } from './types.js';

export interface OpenAIProviderOptions {
  baseUrl: string;
  model: string;
  /** Absent: fine for local servers; for api.openai.com the first request fails with an 'auth' error. */
  apiKey?: string;
  embeddingModel?: string;
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  /** How long to wait for the response headers. Default 10 minutes: local models can take long on big prompts. */
  requestTimeoutMs?: number;
  /** How long a started stream may stay silent before it counts as broken. Default 3 minutes. */
  idleTimeoutMs?: number;
  /** Whether reasoning goes back on assistant messages with tool calls (config.ts `sendsReasoning`). Default `auto`. */
  sendReasoning?: SendReasoning;
  /** `reasoning_effort` for reasoning models; unset: not sent. */
  reasoningEffort?: ReasoningEffort;
  /** The agent for a chat request to `url` (the CLI's proxy); unset: Node's default. */
  agentFor?: (url: URL) => Agent | undefined;
}

/** Inputs per embeddings request; OpenAI allows 2048, local servers often far fewer. */
const EMBED_BATCH = 256;

export class OpenAIProvider implements ChatProvider {
  readonly id = 'openai';
  readonly model: string;
  readonly baseUrl: string;
  readonly embeddingModel: string;
  private readonly client: OpenAI;
  private readonly apiKey: string | undefined;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private readonly idleTimeoutMs: number;
  private readonly sendReasoning: SendReasoning;
  private readonly reasoningEffort: ReasoningEffort | undefined;
  private readonly requestTimeoutMs: number;
  private readonly agentFor?: (url: URL) => Agent | undefined;
  /** The streamed chat request's headers, the ones the SDK would send: the key, and OpenAI's organization and project. */
  private readonly chatHeaders: Record<string, string>;
  /** Set once the endpoint showed it has no embeddings, so ranking does not ask again every turn. */
  private embeddingsUnavailable: LlmError | undefined;

  constructor(options: OpenAIProviderOptions) {
    this.model = options.model;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.embeddingModel = options.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
    this.apiKey = options.apiKey;
    this.logger = options.logger ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 180_000;
    this.sendReasoning = options.sendReasoning ?? 'auto';
    this.reasoningEffort = options.reasoningEffort;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 600_000;
    this.agentFor = options.agentFor;
    const platform = isOpenAIPlatform(this.baseUrl);
    this.client = new OpenAI({
      baseURL: this.baseUrl,
      // The SDK refuses to start without a key; with none we send no Authorization header at all (below).
      apiKey: options.apiKey ?? 'no-key',
      // Never pick up an admin key, or org/project ids meant for OpenAI, from the environment for other servers.
      adminAPIKey: null,
      ...(platform ? {} : { organization: null, project: null }),
      defaultHeaders: options.apiKey === undefined ? { Authorization: null } : undefined,
      maxRetries: 0,
      timeout: this.requestTimeoutMs,
      logger: sdkLogger(this.logger, options.apiKey),
      logLevel: 'warn',
    });
    this.chatHeaders = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'mcp-agent',
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
      ...(this.client.organization ? { 'openai-organization': this.client.organization } : {}),
      ...(this.client.project ? { 'openai-project': this.client.project } : {}),
    };
  }

  get sendsReasoning(): boolean {
    return sendsReasoning(this.sendReasoning, this.model, this.baseUrl);
  }

  stream(request: ChatRequest): AsyncIterable<StreamEvent> {
    return this.streamWithRetries(request);
  }

  private async *streamWithRetries(request: ChatRequest): AsyncGenerator<StreamEvent> {
    const model = request.model ?? this.model;
    const ctx: ErrorContext = { baseUrl: this.baseUrl, model, what: 'chat', ...(this.apiKey === undefined ? {} : { apiKey: this.apiKey }) };
    this.requireKey();
    const body: ChatCompletionCreateParamsStreaming = {
      model,
      messages: toWireMessages(request.messages, { sendReasoning: sendsReasoning(this.sendReasoning, model, this.baseUrl) }),
      stream: true,
      stream_options: { include_usage: true },
      ...(request.tools && request.tools.length > 0 ? { tools: toWireTools(request.tools) } : {}),
      // OpenAI's own API wants max_completion_tokens (its reasoning models refuse max_tokens, wherever they are
      // served); most other OpenAI-compatible servers (DeepSeek, Ollama, older vLLM) only know max_tokens.
      ...(request.maxTokens !== undefined
        ? isOpenAIPlatform(this.baseUrl) || isOpenAIReasoningModel(model)
          ? { max_completion_tokens: request.maxTokens }
          : { max_tokens: request.maxTokens }
        : {}),
      ...(this.reasoningEffort !== undefined ? { reasoning_effort: this.reasoningEffort } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.stop?.length ? { stop: request.stop.slice(0, 4) } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      const progress = { emitted: false };
      try {
        yield* this.streamOnce(body, request.signal, progress);
        return;
      } catch (err) {
        if (request.signal?.aborted) throw cancelledError();
        const decision = retryDecision(err, attempt, this.retry);
        const failure = toLlmError(err, { ...ctx, retries: attempt, ...(decision.retry ? {} : { retryAfterMs: decision.retryAfterMs }) });
        // Part of the answer is already on screen: a retry would repeat it, so the loop keeps what it has.
        if (progress.emitted) throw failure.kind === 'cancelled' ? failure : cutOffError(failure);
        if (!decision.retry) throw failure;
        this.logger.warn(`LLM request failed (${failure.message}); retry ${attempt + 1}/${this.retry.maxRetries} in ${(decision.delayMs / 1000).toFixed(1)} s.`);
        await sleep(decision.delayMs, request.signal);
      }
    }
  }

  /** One HTTP request and its stream. `progress.emitted` turns true with the first event handed to the caller. */
  private async *streamOnce(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal | undefined, progress: { emitted: boolean }): AsyncGenerator<StreamEvent> {
    if (signal?.aborted) throw cancelledError();
    // Our own controller, so both the caller's signal and the idle timer can stop this attempt.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const idle = new IdleTimer(this.idleTimeoutMs, () => controller.abort());
    let drained = false;
    try {
      const stream = await openEventStream({
        url: `${this.baseUrl}/chat/completions`,
        headers: this.chatHeaders,
        body: JSON.stringify(body),
        signal: controller.signal,
        headersTimeoutMs: this.requestTimeoutMs,
        ...(this.agentFor ? { agentFor: this.agentFor } : {}),
      });
      const calls = new ToolCallAssembler();
      let usage: Usage | undefined;
      let finishReason: string | undefined;
      idle.start();
      try {
        for await (const chunk of stream) {
          // The timer counts only while we wait on the network, not while the caller handles what we yielded.
          idle.pause();
          if (chunk.usage) usage = fromWireUsage(chunk.usage);
          const choice = chunk.choices?.[0];
          const thought = reasoningDelta(choice?.delta);
          if (thought) {
            progress.emitted = true;
            yield { type: 'reasoning', delta: thought };
          }
          const text = choice?.delta?.content;
          if (text) {
            progress.emitted = true;
            yield { type: 'text', delta: text };
          }
          if (choice?.delta?.tool_calls) calls.add(choice.delta.tool_calls);
          if (choice?.finish_reason) {
            finishReason = choice.finish_reason;
            for (const call of calls.take()) {
              progress.emitted = true;
              yield { type: 'tool_call', call };
            }
          }
          idle.start();
        }
        drained = true;
      } catch (err) {
        if (signal?.aborted) throw cancelledError();
        if (idle.fired) throw new StreamIdleError(this.idleTimeoutMs);
        // The answer was complete; only the trailing usage chunk or [DONE] got lost. Not worth failing the turn.
        if (finishReason === undefined) throw err;
        this.logger.debug(`LLM stream ended uncleanly after finish_reason=${finishReason}: ${redactSecrets(String(err), this.apiKey)}`);
      }
      // A stream that ended quietly may still have been stopped by the caller or the idle timer.
      if (signal?.aborted) throw cancelledError();
      if (idle.fired) throw new StreamIdleError(this.idleTimeoutMs);
      const pending = calls.take();
      for (const call of pending) {
        progress.emitted = true;
        yield { type: 'tool_call', call };
      }
      if (usage) yield { type: 'usage', usage };
      if (finishReason === undefined) this.logger.debug('LLM stream ended without a finish_reason.');
      yield { type: 'finish', reason: finishReason ?? (pending.length > 0 ? 'tool_calls' : 'stop') };
    } finally {
      idle.stop();
      signal?.removeEventListener('abort', onAbort);
      // Ends the HTTP body when the caller stopped iterating early; a drained stream has nothing left to end.
      if (!drained) controller.abort();
    }
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    this.requireKey();
    if (this.embeddingsUnavailable) throw this.embeddingsUnavailable;
    const ctx: ErrorContext = { baseUrl: this.baseUrl, model: this.embeddingModel, what: 'embeddings', ...(this.apiKey === undefined ? {} : { apiKey: this.apiKey }) };
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      // OpenAI rejects empty strings as input.
      const batch = texts.slice(i, i + EMBED_BATCH).map((t) => (t === '' ? ' ' : t));
      out.push(...(await this.embedBatch(batch, ctx, signal)));
    }
    return out;
  }

  private async embedBatch(input: string[], ctx: ErrorContext, signal: AbortSignal | undefined): Promise<number[][]> {
    for (let attempt = 0; ; attempt++) {
      try {
        // 'float' explicitly: the SDK's default (base64) is not understood by every compatible server.
        const res = await this.client.embeddings.create({ model: this.embeddingModel, input, encoding_format: 'float' }, signal ? { signal } : {});
        return readEmbeddings(res.data, input.length, this.baseUrl);
      } catch (err) {
        if (signal?.aborted) throw cancelledError();
        const decision = retryDecision(err, attempt, this.retry);
        const failure = toLlmError(err, { ...ctx, retries: attempt, ...(decision.retry ? {} : { retryAfterMs: decision.retryAfterMs }) });
        if (!decision.retry) {
          if (failure.kind === 'model') this.embeddingsUnavailable = failure;
          throw failure;
        }
        this.logger.debug(`Embeddings request failed (${failure.message}); retrying in ${(decision.delayMs / 1000).toFixed(1)} s.`);
        await sleep(decision.delayMs, signal);
      }
    }
  }

  private requireKey(): void {
    if (this.apiKey === undefined && isOpenAIPlatform(this.baseUrl)) {
      throw new LlmError('No API key is set for api.openai.com. Set the OPENAI_API_KEY environment variable (or put it in a .env file, or set llm.apiKey).', 'auth');
    }
  }
}

export function createOpenAIProvider(config: LlmConfig, logger?: Logger, extra: Partial<OpenAIProviderOptions> = {}): OpenAIProvider {
  return new OpenAIProvider({
    baseUrl: config.baseUrl,
    model: config.model,
    embeddingModel: config.embeddingModel,
    sendReasoning: config.sendReasoning,
    ...(config.reasoningEffort === undefined ? {} : { reasoningEffort: config.reasoningEffort }),
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    ...(logger ? { logger } : {}),
    ...extra,
  });
}

/** Accepts float arrays and, from servers that ignore `encoding_format`, base64 float32. */
function readEmbeddings(data: { index: number; embedding: unknown }[] | undefined, expected: number, baseUrl: string): number[][] {
  const bad = (why: string): LlmError => new LlmError(`${baseUrl} returned unusable embeddings (${why}).`, 'server');
  if (!Array.isArray(data) || data.length !== expected) throw bad(`expected ${expected} vectors, got ${Array.isArray(data) ? data.length : 'none'}`);
  return [...data]
    .sort((a, b) => a.index - b.index)
    .map((d) => {
      const e = d.embedding;
      if (typeof e === 'string') {
        const buf = Buffer.from(e, 'base64');
        return Array.from(new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4)));
      }
      if (!Array.isArray(e) || e.length === 0 || !e.every((x) => typeof x === 'number')) throw bad('a vector is not a list of numbers');
      return e;
    });
}

/**
 * Restarts on every chunk; `fired` tells the stream loop that silence, not the caller, ended it. One timer for the
 * whole stream, re-armed with `refresh()` (a chunk arrives every few milliseconds; a new timer each time cost more).
 * While paused (the caller is handling what we yielded) a firing timer is ignored and `start()` arms a new one.
 */
class IdleTimer {
  fired = false;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}
  start(): void {
    this.paused = false;
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.paused) return;
      this.fired = true;
      this.onIdle();
    }, this.ms);
  }
  pause(): void {
    this.paused = true;
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The SDK's log lines go to our logger at debug level (we raise our own errors), with secrets scrubbed. */
function sdkLogger(logger: Logger, apiKey: string | undefined): NonNullable<ConstructorParameters<typeof OpenAI>[0]>['logger'] {
  const line = (message: string, rest: unknown[]): string =>
    redactSecrets([message, ...rest.map((r) => (typeof r === 'string' ? r : safeJson(r)))].join(' '), apiKey);
  return {
    error: (message: string, ...rest: unknown[]) => logger.debug(`openai: ${line(message, rest)}`),
    warn: (message: string, ...rest: unknown[]) => logger.debug(`openai: ${line(message, rest)}`),
    info: (message: string, ...rest: unknown[]) => logger.debug(`openai: ${line(message, rest)}`),
    debug: (message: string, ...rest: unknown[]) => logger.trace(`openai: ${line(message, rest)}`),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
