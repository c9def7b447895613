/**
 * What every conversation store offers: the file store (Conversations.ts, the embedded default) and the PostgreSQL
 * store (postgres.ts, for several `serve` instances). The contract suite (test/integration/storeContract.test.ts)
 * runs the same tests against each.
 */
import type { ChatMessage } from '../llm/types';

export interface Conversation {
  id: string;
  title: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
  model?: string;
  /** The user it belongs to (the HTTP API's key name); unset for single-user fronts (the panel, the CLI). */
  owner?: string;
  messages: ChatMessage[];
  meta?: Record<string, unknown>;
}

export interface ConversationSummary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  model?: string;
  owner?: string;
  messageCount: number;
}

export interface ConversationInit {
  title?: string;
  model?: string;
  owner?: string;
  messages?: ChatMessage[];
  meta?: Record<string, unknown>;
}

/** Which summaries list() returns: most recently updated first, then by id. */
export interface ListQuery {
  /** Only this user's conversations. Unset: every conversation. */
  owner?: string;
  /** At most this many. Unset: all. */
  limit?: number;
  /** Only those after this cursor (cursorOf() of the last summary of the previous page). */
  after?: string;
}

export interface ConversationStore {
  create(init?: ConversationInit): Promise<Conversation>;
  /** The full conversation. Throws ConversationError: `invalid-id`, `not-found`, `corrupt` or `io`. */
  load(id: string): Promise<Conversation>;
  /** Write `conv` (replacing any stored version, or creating it), stamping `updatedAt`. Returns what was written. */
  save(conv: Conversation): Promise<Conversation>;
  /** Add messages to the end of a stored conversation. Concurrent appends to one id apply one after another. */
  append(id: string, messages: ChatMessage[]): Promise<Conversation>;
  /** True when it was removed, false when there was none. */
  delete(id: string): Promise<boolean>;
  list(query?: ListQuery): Promise<ConversationSummary[]>;
  /** Throws ConversationError `io` when the store cannot be reached now (readiness). */
  check(): Promise<void>;
  /** Every write so far is durable (call before exiting). */
  flush(): Promise<void>;
  /** Flushes and releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** `invalid`: a conversation or message that does not have the required shape, refused before writing. */
export type ConversationErrorKind = 'invalid-id' | 'invalid' | 'not-found' | 'corrupt' | 'io';

/** A failure with a one-line message a person can act on. */
export class ConversationError extends Error {
  constructor(
    message: string,
    readonly kind: ConversationErrorKind,
    readonly id: string,
  ) {
    super(message);
    this.name = 'ConversationError';
  }
}

/** The order list() returns: most recently updated first, then by id. */
export function compareSummaries(a: ConversationSummary, b: ConversationSummary): number {
  return Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** An opaque page cursor: the position of `s` in list() order. */
export function cursorOf(s: Pick<ConversationSummary, 'id' | 'updatedAt'>): string {
  return Buffer.from(`${s.updatedAt}|${s.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one cursorOf() made. */
export function parseCursor(cursor: string): { updatedAt: string; id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.lastIndexOf('|');
  if (bar <= 0) return undefined;
  const updatedAt = text.slice(0, bar);
  const id = text.slice(bar + 1);
  if (Number.isNaN(Date.parse(updatedAt)) || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) return undefined;
  return { updatedAt, id };
}

/** Applies a ListQuery to summaries already in list() order (what a store without an index does). */
export function applyQuery(sorted: ConversationSummary[], query: ListQuery = {}): ConversationSummary[] {
  let out = query.owner === undefined ? sorted : sorted.filter((s) => s.owner === query.owner);
  if (query.after !== undefined) {
    const at = parseCursor(query.after);
    if (!at) throw new ConversationError('the page cursor is not valid; pass the "next" value of the previous page', 'invalid', '');
    const pos = { id: at.id, updatedAt: at.updatedAt, title: '', createdAt: at.updatedAt, messageCount: 0 };
    out = out.filter((s) => compareSummaries(pos, s) < 0);
  }
  return query.limit === undefined ? out : out.slice(0, Math.max(0, query.limit));
}
