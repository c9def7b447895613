/**
 * `GET /conversations` (the user's own, newest first, paged), `GET /conversations/{id}` and
 * `DELETE /conversations/{id}`. Another user's conversation answers exactly as a missing one: 404.
 * Without keys (one user, `owner` unset) only conversations without an owner are shown, as the agent continues only those.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/ports';
import { isValidConversationId } from '../core/store/Conversations';
import { ConversationError, cursorOf, type Conversation, type ConversationStore, type ConversationSummary } from '../core/store/types';
import { HttpError, sendJson } from './http';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** The store's error as an HTTP one: details of corrupt or unreadable records go to the log, not the client. */
export function storeError(err: unknown, logger: Logger): HttpError {
  if (!(err instanceof ConversationError)) return new HttpError(500, 'internal error');
  switch (err.kind) {
    case 'invalid-id':
    case 'invalid':
      return new HttpError(400, err.message);
    case 'not-found':
      return new HttpError(404, err.message);
    case 'io':
      logger.warn(`conversation store: ${err.message}`);
      return new HttpError(503, 'the conversation store cannot be reached; try again shortly', { 'Retry-After': '5' });
    default:
      logger.error(`conversation store: ${err.message}`);
      return new HttpError(500, `conversation ${err.id} cannot be read`);
  }
}

function publicSummary(s: ConversationSummary): Record<string, unknown> {
  return { id: s.id, title: s.title, createdAt: s.createdAt, updatedAt: s.updatedAt, ...(s.model !== undefined ? { model: s.model } : {}), messageCount: s.messageCount };
}

/** Up to limit + 1 of `owner`'s summaries after `after` (one more tells whether there is a next page). */
async function ownSummaries(store: ConversationStore, owner: string | undefined, limit: number, after: string | undefined): Promise<ConversationSummary[]> {
  if (owner !== undefined) return store.list({ owner, limit: limit + 1, after });
  // The store's query has no "owner unset": page through its order, keeping those without an owner.
  const out: ConversationSummary[] = [];
  let cursor = after;
  for (;;) {
    const batch = await store.list({ limit: MAX_PAGE, after: cursor });
    for (const s of batch) {
      if (s.owner !== undefined) continue;
      out.push(s);
      if (out.length > limit) return out;
    }
    if (batch.length < MAX_PAGE) return out;
    cursor = cursorOf(batch[batch.length - 1]);
  }
}

export async function listConversations(res: ServerResponse, store: ConversationStore, owner: string | undefined, url: URL, logger: Logger): Promise<void> {
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new HttpError(400, `"limit" must be a whole number from 1 to ${MAX_PAGE}`);
  const after = url.searchParams.get('after') ?? undefined;
  let page: ConversationSummary[];
  try {
    page = await ownSummaries(store, owner, limit, after || undefined);
  } catch (err) {
    throw storeError(err, logger);
  }
  const shown = page.slice(0, limit);
  sendJson(res, 200, { conversations: shown.map(publicSummary), next: page.length > limit ? cursorOf(shown[shown.length - 1]) : null });
}

/** The conversation, when it is `owner`'s; 404 otherwise. */
async function loadOwn(store: ConversationStore, id: string, owner: string | undefined, logger: Logger): Promise<Conversation> {
  if (!isValidConversationId(id)) throw new HttpError(400, `"${id.slice(0, 80)}" is not a conversation id`);
  let conv: Conversation;
  try {
    conv = await store.load(id);
  } catch (err) {
    throw storeError(err, logger);
  }
  if (conv.owner !== owner) throw new HttpError(404, `conversation ${id} not found`);
  return conv;
}

export async function getConversation(res: ServerResponse, store: ConversationStore, id: string, owner: string | undefined, logger: Logger): Promise<void> {
  const { owner: _owner, ...conv } = await loadOwn(store, id, owner, logger);
  sendJson(res, 200, conv);
}

export async function deleteConversation(res: ServerResponse, store: ConversationStore, id: string, owner: string | undefined, logger: Logger): Promise<void> {
  await loadOwn(store, id, owner, logger);
  let removed: boolean;
  try {
    removed = await store.delete(id);
  } catch (err) {
    throw storeError(err, logger);
  }
  if (!removed) throw new HttpError(404, `conversation ${id} not found`);
  res.writeHead(204);
  res.end();
}
