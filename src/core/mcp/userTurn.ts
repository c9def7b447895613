/**
 * The user's turn as every front sends it, built once here: the text typed, resources attached to it (read and
 * turned into delimited context, within their budgets), attached resources that changed since (from a
 * ResourceWatch), and a server's prompt (its messages, the last of them the user's). The panel and `mcp-agent chat`
 * both call buildUserTurn(); what the model sees does not depend on the front.
 */
import type { AgentManager } from './AgentManager';
import { promptToChat, resourceToContext, type PromptChatMessage } from './chatContext';
import type { ResourceWatch } from './resourceWatch';

/** Cap on the text of one attached resource, and of all of them in one message. */
export const RESOURCE_CHARS = 32_000;
export const ATTACHMENTS_CHARS = 100_000;
export const READ_TIMEOUT_MS = 30_000;

/** A resource (or prompt) the turn needed could not be had; `cause` is the server's error. */
export class UserTurnError extends Error {
  override readonly name = 'UserTurnError';
}

export interface UserTurnInput {
  /** What the user typed. */
  text?: string;
  /** Resources attached to this message (templates already expanded). */
  attachments?: ReadonlyArray<{ server: string; uri: string }>;
  /** A server's prompt whose messages start the turn. */
  prompt?: { server: string; name: string; args: Record<string, string> };
  /** Attached resources being watched: those that changed go with this message again, as they are now. */
  watch?: ResourceWatch;
  signal?: AbortSignal;
}

export interface UserTurn {
  /** What Agent.chat takes: one user message, or the prompt's messages. */
  request: { prompt: string } | { messages: PromptChatMessage[] };
  /** Names of watched resources that changed and go again with this message. */
  updated: string[];
}

/**
 * The turn: the prompt's messages (if any), then on the last user message the attached resources, the watched
 * updates and the text, in that order (context first and the question last, which models follow best). Throws
 * UserTurnError naming the resource or prompt that could not be read.
 */
export async function buildUserTurn(manager: AgentManager, input: UserTurnInput): Promise<UserTurn> {
  const messages = input.prompt ? await promptMessages(manager, input.prompt.server, input.prompt.name, input.prompt.args, input.signal) : undefined;
  const parts: string[] = [];
  if (input.attachments?.length) parts.push(await readAttachments(manager, input.attachments, input.signal));
  const updates = await input.watch?.takeUpdates(input.signal);
  if (updates) parts.push(updates.text);
  if (input.text?.trim()) parts.push(input.text);
  const extra = parts.join('\n\n');
  const updated = updates?.names ?? [];
  if (!messages) return { request: { prompt: extra }, updated };
  const all = extra ? appendToLastUser(messages, extra) : messages;
  // One user message is a plain prompt (stored and titled as one); several keep their roles.
  return { request: all.length === 1 && all[0].role === 'user' ? { prompt: all[0].content } : { messages: all }, updated };
}

/**
 * The attached resources, read and turned into context for the model (text inline between delimiters naming the
 * URI, binary summarized; each within RESOURCE_CHARS and all within ATTACHMENTS_CHARS).
 */
export async function readAttachments(manager: AgentManager, attachments: ReadonlyArray<{ server: string; uri: string }>, signal?: AbortSignal): Promise<string> {
  let budget = ATTACHMENTS_CHARS;
  const parts: string[] = [];
  for (const { server, uri } of attachments) {
    let contents;
    try {
      contents = (await manager.readResource(server, uri, { signal, timeoutMs: READ_TIMEOUT_MS })).contents;
    } catch (err) {
      throw new UserTurnError(`${server}: ${uri}: ${(err as Error).message}`, { cause: err });
    }
    const text = resourceToContext(contents, { server, maxChars: Math.max(0, Math.min(RESOURCE_CHARS, budget)) });
    budget -= text.length;
    parts.push(text || `<resource uri="${uri}" server="${server}">(empty)</resource>`);
  }
  return parts.join('\n\n');
}

/** A server prompt's messages, ready to send (the last is the user's). */
export async function promptMessages(manager: AgentManager, server: string, name: string, args: Record<string, string>, signal?: AbortSignal): Promise<PromptChatMessage[]> {
  try {
    const result = await manager.getPrompt(server, name, args, { signal, timeoutMs: READ_TIMEOUT_MS });
    return promptToChat(result, { server, maxChars: RESOURCE_CHARS });
  } catch (err) {
    throw new UserTurnError((err as Error).message, { cause: err });
  }
}

/** A copy of the messages with `extra` after the last one when it is the user's, else as a new user message. */
export function appendToLastUser(input: readonly PromptChatMessage[], extra: string): PromptChatMessage[] {
  const messages = input.map((m) => ({ ...m }));
  const last = messages[messages.length - 1];
  if (last?.role === 'user') last.content = last.content ? `${last.content}\n\n${extra}` : extra;
  else messages.push({ role: 'user', content: extra });
  return messages;
}
