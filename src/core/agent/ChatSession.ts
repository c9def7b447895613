/**
 * The turn loop: model -> tool calls (in parallel, bounded) -> model ... until the model answers without calling
 * a tool, the round cap is reached, or the turn is cancelled. Every failure of a tool goes back to the model as a
 * tool result so the conversation can continue; failures of the model end the turn with the partial answer kept.
 */
import type { ApprovalRequest, Approver } from '../ports';
import { recentConversationText, rankToolsDetailed, toolsUsedIn } from '../llm/toolRanking';
import { LlmError, type ChatMessage, type ChatProvider, type FunctionSpec, type ImagePart, type ToolCall, type Usage } from '../llm/types';
import { capHeadTail } from '../tools/truncate';
import type { ToolResult } from '../tools/types';
import type { SummaryRecord } from '../context/budget';
import type { ContextManager, ContextReport } from '../context/manager';
import type { ConversationTotals } from '../llm/usage';
import { isReadOnlyTool, type ApprovalPolicy } from './approvals';
import { Toolbox, type ToolboxTool } from './toolbox';
import { resultForModel, resultImages, resultText, toolResultEnvelope } from './results';

export type AgentEvent =
  | { type: 'text'; delta: string }
  /** A reasoning model's thinking, as it streams; never part of the answer text. */
  | { type: 'reasoning'; delta: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown; server?: string }
  | { type: 'approval'; id: string; request: ApprovalRequest }
  | { type: 'progress'; id: string; progress: number; total?: number; message?: string }
  | {
      type: 'tool_result';
      id: string;
      name: string;
      server?: string;
      isError: boolean;
      /** The full result text for the UI (the model may have been sent a capped version). */
      content: string;
      /** Set when what the model saw was shortened. */
      truncated?: boolean;
      durationMs: number;
      result?: ToolResult;
    }
  | { type: 'usage'; usage: Usage }
  /** The context budget: the report of the request about to go, or a note (compacted, window learned). */
  | { type: 'context'; report?: ContextReport; note?: string }
  /** The workspace was checkpointed before this turn's first change (restoring `id` undoes the turn). */
  | { type: 'checkpoint'; id: string }
  | { type: 'error'; message: string; kind?: string }
  | { type: 'done'; text: string; conversation_id?: string; stopReason: StopReason; usage: Usage; totals?: ConversationTotals; context?: ContextReport };

export type StopReason = 'completed' | 'cancelled' | 'round-cap' | 'error';

export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: unknown;
  isError: boolean;
  durationMs: number;
}

export interface TurnResult {
  /** The final answer (the last assistant text), partial when the turn was cut short. */
  text: string;
  /** The messages this turn added: the user message, assistant messages and tool results. */
  messages: ChatMessage[];
  toolCalls: ToolCallRecord[];
  usage: Usage;
  stopReason: StopReason;
  error?: string;
  /** The last request's context report, when a budget is kept. */
  context?: ContextReport;
}

export interface ChatSessionOptions {
  provider: ChatProvider;
  toolbox: Toolbox;
  approvals: ApprovalPolicy;
  systemPrompt?: string;
  model?: string;
  /** Model calls in one turn. */
  maxRounds?: number;
  /** Characters of one tool result sent to the model (head and tail kept). */
  maxResultChars?: number;
  /** Tool calls of one model message that run at once. */
  maxParallelTools?: number;
  /** Tools in one request (OpenAI allows 128). */
  maxTools?: number;
  /** The context budget (src/core/context): every request fitted to the model's window. */
  context?: ContextManager;
  /** The model sees images: tools' pictures go to it as image parts (else as a note); the user's may be sent. */
  vision?: boolean;
  /**
   * Snapshots the workspace; called once per turn, before the first tool call that is not read-only runs. Returns the
   * checkpoint's id, or undefined when none was taken (the turn goes on either way).
   */
  checkpoint?: (label: string) => Promise<string | undefined>;
  /**
   * What follows the system prompt: the project's and the user's instructions, and those of the servers named (the
   * servers whose tools this request offers). Asked before every request; '' when there are none.
   */
  instructions?: (servers: string[]) => Promise<string>;
}

/** Share of the context budget tool definitions may take before only the relevant ones are sent. */
const TOOL_SHARE = 0.15;

export const DEFAULTS = { maxRounds: 25, maxResultChars: 32_000, maxParallelTools: 16, maxTools: 128 };

export class ChatSession {
  constructor(private readonly opts: ChatSessionOptions) {}

  /**
   * Runs one user turn on top of `history`; events stream through `onEvent` as they happen. `approver`: who answers
   * this turn's approvals (the panel that started it); default, the policy's own.
   */
  async runTurn(history: ChatMessage[], user: string | { text: string; images?: ImagePart[] }, onEvent: (e: AgentEvent) => void, signal?: AbortSignal, approver?: Approver): Promise<TurnResult> {
    const o = { ...DEFAULTS, ...definedOnly(this.opts) };
    const userContent = typeof user === 'string' ? user : user.text;
    const images = typeof user === 'string' ? undefined : user.images;
    const added: ChatMessage[] = [{ role: 'user', content: userContent, ...(images?.length ? { images } : {}) }];
    const base: ChatMessage[] = this.opts.systemPrompt && history[0]?.role !== 'system' ? [{ role: 'system', content: this.opts.systemPrompt }, ...history] : history;
    const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    const toolCalls: ToolCallRecord[] = [];
    let lastText = '';
    let checkpoint: Promise<unknown> | undefined;
    const beforeChange = () =>
      (checkpoint ??= this.opts.checkpoint?.(userContent).then((id) => id && onEvent({ type: 'checkpoint', id })) ?? Promise.resolve());

    const ctx = this.opts.context;
    let context: ContextReport | undefined;
    const finish = (stopReason: StopReason, error?: string): TurnResult => {
      // The turn's tokens are stored with its last assistant message, so any store can total a conversation.
      const last = added.findLast((m) => m.role === 'assistant');
      if (last?.role === 'assistant' && usage.totalTokens > 0) last.usage = { ...usage };
      return { text: lastText, messages: added, toolCalls, usage, stopReason, error, ...(context ? { context } : {}) };
    };
    // With a context budget the system prompt joins the summary; without one, the messages go as they are.
    const ownSystem = history[0]?.role === 'system';
    const systemPrompt = ownSystem ? undefined : this.opts.systemPrompt;
    // The system prompt with the instructions for these tools (a conversation that brings its own system message keeps it as is).
    const promptFor = async (tools: FunctionSpec[]): Promise<string | undefined> => {
      if (ownSystem || !this.opts.instructions) return systemPrompt;
      const servers = new Set<string>();
      for (const t of tools) {
        const server = this.opts.toolbox.find(t.name)?.server;
        if (server) servers.add(server);
      }
      const extra = await this.opts.instructions([...servers]);
      return extra ? [systemPrompt, extra].filter(Boolean).join('\n\n') : systemPrompt;
    };
    let compacted = false;
    const compact = async (why: string): Promise<void> => {
      if (!ctx || compacted) return;
      compacted = true;
      try {
        const record = await ctx.compact([...history, ...added], signal);
        if (!record) return;
        // Stored before this turn's user message: it stands for messages [0, summaryOf) of the stored conversation.
        const at = added.findIndex((m) => m.role === 'user');
        added.splice(at < 0 ? 0 : at, 0, record);
        onEvent({ type: 'context', note: `${why}: the ${record.summaryOf} oldest messages are summarized for the model (you still see them all).` });
      } catch (err) {
        if (signal?.aborted) return;
        // The budget prunes instead (budget.ts): the turn goes on.
        onEvent({ type: 'context', note: `${why}: summarizing failed (${err instanceof Error ? err.message : String(err)}), so the oldest turns are left out of the model's view instead.` });
      }
    };
    if (ctx && history.length > 0 && (await ctx.needsCompaction(await promptFor(this.specs()), [...history, ...added], this.specs()))) await compact('The conversation is near the model\'s context window');
    let overflowRetries = 0;

    for (let round = 1; round <= o.maxRounds; round++) {
      if (signal?.aborted) return finish('cancelled');
      let messages = [...base, ...added];
      let tools = await this.selectTools(messages, o.maxTools, signal);
      if (ctx) {
        tools = await this.toolsWithinBudget(tools, messages, signal);
        const system = await promptFor(tools);
        let prepared = await ctx.prepare(system, [...history, ...added], tools);
        if (prepared.over && !compacted) {
          await compact('The request does not fit the model\'s context window');
          prepared = await ctx.prepare(system, [...history, ...added], tools);
        }
        context = prepared.report;
        onEvent({ type: 'context', report: prepared.report });
        if (prepared.over) {
          const message = `The latest message and its tool results need about ${prepared.report.used} tokens, more than the ${prepared.report.budget} the model's window of ${prepared.report.window} leaves; nothing was sent. Shorten the message, or set llm.contextWindow if the model takes more.`;
          onEvent({ type: 'error', message, kind: 'context-length' });
          return finish('error', message);
        }
        messages = prepared.messages;
      } else if (this.opts.instructions && !ownSystem) {
        const system = await promptFor(tools);
        messages = system ? [{ role: 'system', content: system }, ...history, ...added] : [...history, ...added];
      }
      let text = '';
      let reasoning = '';
      const calls: ToolCall[] = [];
      try {
        for await (const ev of this.opts.provider.stream({ messages: this.wrapToolResults(messages), tools: tools.length ? tools : undefined, model: this.opts.model, signal })) {
          if (ev.type === 'text') {
            text += ev.delta;
            onEvent({ type: 'text', delta: ev.delta });
          } else if (ev.type === 'reasoning') {
            reasoning += ev.delta;
            onEvent({ type: 'reasoning', delta: ev.delta });
          } else if (ev.type === 'tool_call') {
            calls.push(ev.call);
          } else if (ev.type === 'usage') {
            usage.promptTokens += ev.usage.promptTokens;
            usage.completionTokens += ev.usage.completionTokens;
            usage.totalTokens += ev.usage.totalTokens;
            if (ev.usage.cachedTokens) usage.cachedTokens = (usage.cachedTokens ?? 0) + ev.usage.cachedTokens;
            ctx?.observe(ev.usage.promptTokens);
            onEvent({ type: 'usage', usage: ev.usage });
          }
        }
      } catch (err) {
        // Too long after all (no window known, or an estimate off): learn the window, compact, and try again.
        if (ctx && !text && err instanceof LlmError && err.kind === 'context-length' && overflowRetries < 3 && !signal?.aborted && (await ctx.learn(err.message))) {
          overflowRetries++;
          onEvent({ type: 'context', note: `The model's window is smaller than assumed; now working within ${(await ctx.window()).tokens} tokens and trying again.` });
          await compact('The model refused a request as too long');
          round--;
          continue;
        }
        const cancelled = signal?.aborted || (err instanceof LlmError && err.kind === 'cancelled');
        if (text) {
          // Keep what arrived, and say it is incomplete, so nothing the user already saw is lost.
          lastText = text;
          added.push({ role: 'assistant', content: `${text}\n\n[${cancelled ? 'stopped by the user' : 'answer cut off'}]`, ...(reasoning ? { reasoning } : {}) });
        }
        if (cancelled) return finish('cancelled');
        const message = err instanceof Error ? err.message : String(err);
        onEvent({ type: 'error', message, kind: err instanceof LlmError ? err.kind : undefined });
        return finish('error', message);
      }
      lastText = text;
      const thought = reasoning ? { reasoning } : {};
      added.push(calls.length ? { role: 'assistant', content: text || null, tool_calls: calls, ...thought } : { role: 'assistant', content: text, ...thought });
      if (calls.length === 0) return finish('completed');

      const results = await mapBounded(calls, o.maxParallelTools, (call) => this.runToolCall(call, onEvent, o.maxResultChars, signal, approver, beforeChange));
      for (const r of results) {
        toolCalls.push(r.record);
        added.push({ role: 'tool', tool_call_id: r.record.id, name: r.record.name, content: r.forModel, ...(r.record.isError ? { isError: true } : {}), ...(r.images ? { images: r.images } : {}) });
      }
      if (signal?.aborted) return finish('cancelled');
    }
    const message = `Stopped after ${o.maxRounds} model rounds without a final answer (the round cap); ask again to continue.`;
    onEvent({ type: 'error', message, kind: 'round-cap' });
    return finish('round-cap', message);
  }

  /** Whether the model takes images (the user's go only to one that does). */
  get seesImages(): boolean {
    return this.opts.vision === true;
  }

  /**
   * Compacts on request (Compact Conversation, `/compact`, `POST /compact`): everything but the last turn is
   * summarized. Undefined when there is nothing to summarize, or no context budget is kept.
   */
  async compactNow(history: ChatMessage[], signal?: AbortSignal): Promise<SummaryRecord | undefined> {
    return this.opts.context?.compact(history, signal, 1);
  }

  /**
   * Tool results go to the model inside their envelope (results.ts); history keeps them plain. Pictures stored with
   * a result go only to a model that sees images (the setting may have changed since).
   */
  private wrapToolResults(messages: ChatMessage[]): ChatMessage[] {
    const vision = this.opts.vision === true;
    return messages.map((m) => {
      if (m.role !== 'tool') return m;
      const tool = m.name ? this.opts.toolbox.find(m.name) : undefined;
      const { images, ...rest } = m;
      return { ...rest, content: toolResultEnvelope(m.content, { tool: m.name, server: tool?.server }), ...(vision && images?.length ? { images } : {}) };
    });
  }

  private specs(): FunctionSpec[] {
    return this.opts.toolbox.list().map((t) => Toolbox.toFunctionSpec(t));
  }

  /** Tool definitions take at most a sixth of the budget: past that, the most relevant ones are sent. */
  private async toolsWithinBudget(tools: FunctionSpec[], messages: ChatMessage[], signal?: AbortSignal): Promise<FunctionSpec[]> {
    const ctx = this.opts.context!;
    const share = ctx.budget((await ctx.window()).tokens) * TOOL_SHARE;
    const cost = ctx.counter.tools(tools);
    if (cost <= share || tools.length <= 1) return tools;
    return this.selectTools(messages, Math.max(1, Math.floor((tools.length * share) / cost)), signal, tools);
  }

  private async selectTools(messages: ChatMessage[], maxTools: number, signal?: AbortSignal, from?: FunctionSpec[]): Promise<FunctionSpec[]> {
    const all = this.opts.toolbox.list();
    const specs = from ?? all.map((t) => Toolbox.toFunctionSpec(t));
    if (specs.length <= maxTools) return specs;
    const builtins = new Set(all.filter((t) => t.source === 'builtin').map((t) => t.name));
    const ranked = await rankToolsDetailed(specs, recentConversationText(messages), {
      max: maxTools,
      provider: this.opts.provider,
      signal,
      pinned: (name) => builtins.has(name),
      used: toolsUsedIn(messages),
    });
    return ranked.tools;
  }

  private async runToolCall(
    call: ToolCall,
    onEvent: (e: AgentEvent) => void,
    maxChars: number,
    signal?: AbortSignal,
    approver?: Approver,
    beforeChange?: () => Promise<unknown>,
  ): Promise<{ record: ToolCallRecord; forModel: string; images?: ImagePart[] }> {
    const started = Date.now();
    const tool = this.opts.toolbox.find(call.name);
    let args: Record<string, unknown> | undefined;
    let parseError: string | undefined;
    try {
      const parsed: unknown = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
      else parseError = 'the arguments must be a JSON object';
    } catch (err) {
      parseError = `the arguments are not valid JSON (${(err as Error).message})`;
    }
    onEvent({ type: 'tool_call', id: call.id, name: call.name, arguments: args ?? call.arguments, server: tool?.server });

    const fail = (message: string) => this.finishCall(call, tool, { content: [{ type: 'text', text: message }], isError: true }, started, onEvent, maxChars, args ?? call.arguments);
    if (!tool) return fail(`Error: there is no tool named "${call.name}". Use one of the tools provided.`);
    if (parseError || !args) return fail(`Error: ${parseError ?? 'invalid arguments'}. Call "${call.name}" again with a JSON object matching its schema.`);

    const approval = await this.opts.approvals.check(tool, args, { signal, approver, callId: call.id, onAsk: (request) => onEvent({ type: 'approval', id: call.id, request }) });
    if (!approval.allowed) return fail(approval.toolError ?? `Not run: ${approval.reason}. Do not retry the same call; ask the user or try something else.`);
    if (signal?.aborted) return fail('Not run: the turn was cancelled.');
    if (beforeChange && !isReadOnlyTool(tool)) await beforeChange();

    const callStarted = Date.now();
    let result: ToolResult;
    try {
      result = await this.opts.toolbox.call(tool, args, {
        signal,
        onProgress: (p) => onEvent({ type: 'progress', id: call.id, progress: p.progress, total: p.total, message: p.message }),
      });
    } catch (err) {
      result = { content: [{ type: 'text', text: `Error: ${err instanceof Error ? err.message : String(err)}` }], isError: true };
    }
    return this.finishCall(call, tool, result, callStarted, onEvent, maxChars, args);
  }

  private async finishCall(call: ToolCall, tool: ToolboxTool | undefined, result: ToolResult, started: number, onEvent: (e: AgentEvent) => void, maxChars: number, args: unknown): Promise<{ record: ToolCallRecord; forModel: string; images?: ImagePart[] }> {
    const durationMs = Date.now() - started;
    // People see everything; the model what is meant for it, with pictures when it can see them.
    const full = resultText(result);
    const vision = this.opts.vision === true;
    const modelText = resultText(result, { for: 'model', images: vision });
    // With a context budget a large result is stored whole and the model gets its share of the window plus a handle.
    const forModel = this.opts.context ? await this.opts.context.forModel(call.id, modelText) : resultForModel(result, maxChars, capHeadTail, vision);
    const images = vision ? resultImages(result) : [];
    const isError = result.isError === true;
    onEvent({ type: 'tool_result', id: call.id, name: call.name, server: tool?.server, isError, content: full, truncated: forModel.length < modelText.length || undefined, durationMs, result });
    return { record: { id: call.id, name: call.name, arguments: args, isError, durationMs }, forModel, ...(images.length ? { images } : {}) };
  }
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the input order in the output. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
