/**
 * Choosing which tools go into a request when there are more than fit (OpenAI allows 128; `llm.maxTools` may set
 * fewer). Pinned tools (e.g. built-ins) and tools the conversation already used always stay; the rest are ranked
 * by embedding similarity to the recent conversation, or by BM25 over names and descriptions when the provider
 * has no embeddings or they fail.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../ports.js';
import { silentLogger } from '../ports.js';
import { bm25Scores, tokenize } from './lexical.js';
import { LlmError, type ChatMessage, type ChatProvider, type FunctionSpec } from './types.js';

export interface RankToolsOptions {
  /** At most this many tools are returned. */
  max: number;
  /** Its `embed`, when present, is used for semantic ranking. */
  provider?: ChatProvider;
  signal?: AbortSignal;
  /**
   * Tool-text embeddings by `toolEmbeddingKey`, reused across calls. Default: one cache per provider, kept for the
   * life of the process. Vectors of another length than the query's (another model) are recomputed.
   */
  cache?: Map<string, number[]>;
  /** Tools always sent, e.g. the built-ins. */
  pinned?: Iterable<string> | ((name: string) => boolean);
  /** Tools already called in this conversation; they stay so the model can keep using them. */
  used?: Iterable<string>;
  /** Give up on embeddings after this long and rank lexically. Default 10 s. */
  embedTimeoutMs?: number;
  /** Characters of the conversation's tail compared with the tools. Default 4000. */
  queryChars?: number;
  logger?: Logger;
}

export interface RankedTools {
  /** The chosen tools, in their original order (a stable order keeps the prompt prefix cacheable). */
  tools: FunctionSpec[];
  /** `all` when everything fit and nothing was ranked. */
  method: 'all' | 'embedding' | 'lexical';
  /** Score of each ranked tool (pinned and used tools are not scored). */
  scores: Map<string, number>;
  /** Why embeddings were not used, when they were wanted but failed. */
  fallbackReason?: string;
}

const defaultCaches = new WeakMap<ChatProvider, Map<string, number[]>>();

export async function rankTools(tools: FunctionSpec[], conversationText: string, opts: RankToolsOptions): Promise<FunctionSpec[]> {
  return (await rankToolsDetailed(tools, conversationText, opts)).tools;
}

export async function rankToolsDetailed(tools: FunctionSpec[], conversationText: string, opts: RankToolsOptions): Promise<RankedTools> {
  const max = Math.max(0, Math.floor(opts.max));
  if (tools.length <= max) return { tools: [...tools], method: 'all', scores: new Map() };
  const logger = opts.logger ?? silentLogger;
  const isPinned = pinnedTest(opts.pinned);
  const used = new Set(opts.used ?? []);

  const pinnedIdx: number[] = [];
  const usedIdx: number[] = [];
  const candidateIdx: number[] = [];
  tools.forEach((t, i) => (isPinned(t.name) ? pinnedIdx : used.has(t.name) ? usedIdx : candidateIdx).push(i));
  if (pinnedIdx.length + usedIdx.length > max) {
    logger.warn(`${pinnedIdx.length} pinned and ${usedIdx.length} used tools exceed the limit of ${max}; some are left out.`);
  }

  const query = conversationText.slice(-(opts.queryChars ?? 4000)).trim();
  const candidates = candidateIdx.map((i) => tools[i]);
  let method: 'embedding' | 'lexical' = 'lexical';
  let fallbackReason: string | undefined;
  let scores: number[] | undefined;
  const embedRoom = max - pinnedIdx.length - usedIdx.length > 0;
  const embed = opts.provider?.embed?.bind(opts.provider);
  if (embedRoom && candidates.length > 0 && query !== '' && opts.provider && embed) {
    try {
      const cache = opts.cache ?? cacheFor(opts.provider);
      scores = await embeddingScores(embed, candidates, query, cache, opts.signal, opts.embedTimeoutMs ?? 10_000);
      method = 'embedding';
    } catch (err) {
      if (opts.signal?.aborted) throw new LlmError('The request was cancelled.', 'cancelled');
      fallbackReason = err instanceof Error ? err.message : String(err);
      logger.debug(`Tool ranking falls back to lexical: ${fallbackReason}`);
    }
  }
  scores ??= lexicalScores(candidates, query);

  // A tool named outright in the conversation goes first among the ranked ones, whatever the scores say.
  const mentioned = candidates.map((t) => mentions(query, t.name));
  const order = candidates
    .map((_, k) => k)
    .sort((a, b) => Number(mentioned[b]) - Number(mentioned[a]) || scores[b] - scores[a] || candidateIdx[a] - candidateIdx[b]);
  const chosen = new Set([...pinnedIdx, ...usedIdx, ...order.map((k) => candidateIdx[k])].slice(0, max));
  return {
    tools: tools.filter((_, i) => chosen.has(i)),
    method,
    scores: new Map(candidates.map((t, k) => [t.name, scores[k]])),
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
  };
}

/** Names of the tools the assistant has called in these messages. */
export function toolsUsedIn(messages: ChatMessage[]): Set<string> {
  const names = new Set<string>();
  for (const m of messages) if (m.role === 'assistant') for (const c of m.tool_calls ?? []) names.add(c.name);
  return names;
}

/** The tail of the user and assistant turns, newest last: what the next tool choice is most likely about. */
export function recentConversationText(messages: ChatMessage[], maxChars = 4000): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = messages.length - 1; i >= 0 && length < maxChars; i--) {
    const m = messages[i];
    if ((m.role !== 'user' && m.role !== 'assistant') || !m.content) continue;
    parts.push(m.content);
    length += m.content.length + 1;
  }
  return parts.reverse().join('\n').slice(-maxChars);
}

/** Cache key of a tool's embedding: a change to its name or description makes a new entry. */
export function toolEmbeddingKey(tool: FunctionSpec): string {
  return createHash('sha256').update(tool.name).update('\0').update(tool.description).digest('hex').slice(0, 32);
}

function cacheFor(provider: ChatProvider): Map<string, number[]> {
  let cache = defaultCaches.get(provider);
  if (!cache) {
    cache = new Map();
    defaultCaches.set(provider, cache);
  }
  return cache;
}

async function embeddingScores(
  embed: NonNullable<ChatProvider['embed']>,
  candidates: FunctionSpec[],
  query: string,
  cache: Map<string, number[]>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<number[]> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const keys = candidates.map(toolEmbeddingKey);
  const textOf = new Map(candidates.map((t, k) => [keys[k], toolText(t)]));
  const embedMissing = async (missing: string[], dims?: number): Promise<number[] | undefined> => {
    const vectors = await untilAborted(embed([...(dims === undefined ? [query] : []), ...missing.map((k) => textOf.get(k)!)], sig), sig);
    const offset = dims === undefined ? 1 : 0;
    if (vectors.length !== missing.length + offset) throw new Error(`embeddings came back for ${vectors.length} of ${missing.length + offset} texts`);
    missing.forEach((k, i) => cache.set(k, vectors[i + offset]));
    return dims === undefined ? vectors[0] : undefined;
  };

  const q = (await embedMissing([...new Set(keys.filter((k) => !cache.has(k)))]))!;
  // Vectors cached from another embedding model have another length; recompute those once.
  const stale = [...new Set(keys.filter((k) => cache.get(k)!.length !== q.length))];
  if (stale.length > 0) await embedMissing(stale, q.length);
  return keys.map((k) => {
    const v = cache.get(k)!;
    if (v.length !== q.length) throw new Error(`embedding lengths differ (${v.length} vs ${q.length})`);
    return cosine(q, v);
  });
}

/** A provider that ignores the signal must not stall the turn: stop waiting when it fires. */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** What is embedded for a tool; long descriptions are cut, the start says what the tool is for. */
function toolText(tool: FunctionSpec): string {
  return `${tool.name.replace(/[_\-.]+/g, ' ')}: ${tool.description}`.slice(0, 2000);
}

function lexicalScores(candidates: FunctionSpec[], query: string): number[] {
  // The name counts twice: it is the most telling part of a tool.
  const docs = candidates.map((t) => {
    const name = tokenize(t.name);
    return [...name, ...name, ...tokenize(t.description)];
  });
  return bm25Scores(docs, tokenize(query));
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function mentions(text: string, name: string): boolean {
  if (name.length < 3) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(text);
}

function pinnedTest(pinned: RankToolsOptions['pinned']): (name: string) => boolean {
  if (pinned === undefined) return () => false;
  if (typeof pinned === 'function') return pinned;
  const set = new Set(pinned);
  return (name) => set.has(name);
}
