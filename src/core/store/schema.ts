/**
 * The shapes every conversation store checks: what is refused before writing (`invalid`) and what reads as `corrupt`.
 * Shared by the file store (Conversations.ts) and the PostgreSQL store (postgres.ts), so both accept the same data.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChatMessage } from '../llm/types';
import { ConversationError, type Conversation } from './types';

// Unknown message fields are kept (looseObject) so a newer ChatMessage shape survives a round trip through an older
// version of a store.
const toolCallSchema = z.looseObject({ id: z.string(), name: z.string(), arguments: z.string() });
export const messageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: z.string() }),
  z.looseObject({ role: z.literal('user'), content: z.string() }),
  z.looseObject({ role: z.literal('assistant'), content: z.string().nullable(), tool_calls: z.array(toolCallSchema).optional() }),
  z.looseObject({ role: z.literal('tool'), tool_call_id: z.string(), name: z.string().optional(), content: z.string() }),
]);
export const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
export const summarySchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: isoDate,
  updatedAt: isoDate,
  model: z.string().optional(),
  owner: z.string().optional(),
  messageCount: z.number().int().nonnegative(),
});
export const recordSchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: isoDate,
  updatedAt: isoDate,
  model: z.string().optional(),
  owner: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  messages: z.array(messageSchema),
});

/** Where the first problem is, for messages: `messages.2.role: Invalid input`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

/** Refuse to write what load() would reject (e.g. a message without a role), so bad data fails at the caller. */
export function validateForWrite(conv: Conversation): void {
  const parsed = recordSchema.safeParse(conv);
  if (!parsed.success) throw new ConversationError(`conversation ${conv.id} is not valid: ${firstIssue(parsed.error)}`, 'invalid', conv.id);
}

/** Messages to append: refused (`invalid`) unless each has the shape load() accepts. */
export function validateMessages(id: string, messages: ChatMessage[]): void {
  const check = z.array(messageSchema).safeParse(messages);
  if (!check.success) {
    const issue = check.error.issues[0];
    throw new ConversationError(`messages for ${id} are not valid: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`, 'invalid', id);
  }
}

/** One stored message, or undefined with the reason when it is not one (a corrupt record). */
export function parseMessage(raw: unknown): { message: ChatMessage } | { problem: string } {
  const parsed = messageSchema.safeParse(raw);
  return parsed.success ? { message: parsed.data as ChatMessage } : { problem: firstIssue(parsed.error) };
}

/** Ids are url-safe base64 (what newConversationId makes); anything else could escape a directory or a query. */
const ID_RE = /^[A-Za-z0-9_-]{8,64}$/;

export function isValidConversationId(id: string): boolean {
  return ID_RE.test(id);
}

export function checkConversationId(id: string): void {
  if (!isValidConversationId(id)) throw new ConversationError(`invalid conversation id ${JSON.stringify(id.slice(0, 80))}`, 'invalid-id', id);
}

/** 128 random bits, url-safe: 22 characters. */
export function newConversationId(): string {
  // Never with a leading '-' or '_': `--conversation -x…` reads as an option on a command line (1 id in 32 did).
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

export const DEFAULT_TITLE = 'New conversation';
