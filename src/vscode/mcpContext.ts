/**
 * What the panel's `@` and `/` need from the servers: the catalog of resources, templates and prompts, attached
 * resources read into context for the model, and a prompt's messages as the user's turn. Thin over the core
 * (AgentManager, resourceToContext, promptToChat).
 */
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { AgentManager } from '../core/mcp/AgentManager';
import { promptToChat, resourceToContext, type PromptChatMessage } from '../core/mcp/chatContext';
import type { AttachmentRef, PromptItem, ResourceItem } from '../shared/protocol';

/** Cap on the text of one attached resource, and of all of them in one message. */
export const RESOURCE_CHARS = 32_000;
export const ATTACHMENTS_CHARS = 100_000;
const READ_TIMEOUT_MS = 30_000;

export function catalog(manager: AgentManager): { resources: ResourceItem[]; prompts: PromptItem[] } {
  const resources: ResourceItem[] = manager.resources().map((r) => ({
    server: r.server,
    uri: r.uri,
    name: r.name,
    ...(r.title ? { title: r.title } : {}),
    ...(r.description ? { description: r.description } : {}),
    ...(r.mimeType ? { mimeType: r.mimeType } : {}),
  }));
  for (const t of manager.resourceTemplates()) {
    let variables: string[] = [];
    try {
      variables = new UriTemplate(t.uriTemplate).variableNames;
    } catch {
      continue; // a template the SDK cannot parse cannot be expanded either
    }
    resources.push({
      server: t.server,
      uri: t.uriTemplate,
      name: t.name,
      template: true,
      variables,
      ...(t.title ? { title: t.title } : {}),
      ...(t.description ? { description: t.description } : {}),
      ...(t.mimeType ? { mimeType: t.mimeType } : {}),
    });
  }
  const completions = new Set(manager.servers().filter((s) => s.state === 'connected' && manager.agent(s.name)?.serverCapabilities?.completions).map((s) => s.name));
  const prompts: PromptItem[] = manager.prompts().map((p) => ({
    server: p.server,
    name: p.name,
    ...(p.title ? { title: p.title } : {}),
    ...(p.description ? { description: p.description } : {}),
    arguments: (p.arguments ?? []).map((a) => ({ name: a.name, ...(a.description ? { description: a.description } : {}), required: a.required === true })),
    completions: completions.has(p.server),
  }));
  return { resources, prompts };
}

/** The URI an attachment stands for (a template expanded with its variables). */
export function attachmentUri(a: AttachmentRef): string {
  return a.template ? new UriTemplate(a.uri).expand(a.variables ?? {}) : a.uri;
}

/**
 * The attached resources, read and turned into context for the model (text inline between delimiters naming the
 * URI, binary summarized, each capped). Throws with a message naming the resource that could not be read.
 */
export async function readAttachments(manager: AgentManager, attachments: AttachmentRef[], signal?: AbortSignal): Promise<string> {
  let budget = ATTACHMENTS_CHARS;
  const parts: string[] = [];
  for (const a of attachments) {
    const uri = attachmentUri(a);
    let contents;
    try {
      contents = (await manager.readResource(a.server, uri, { signal, timeoutMs: READ_TIMEOUT_MS })).contents;
    } catch (err) {
      throw new Error(`${a.server}: ${uri}: ${(err as Error).message}`, { cause: err });
    }
    const text = resourceToContext(contents, { server: a.server, maxChars: Math.max(0, Math.min(RESOURCE_CHARS, budget)) });
    budget -= text.length;
    parts.push(text || `<resource uri="${uri}" server="${a.server}">(empty)</resource>`);
  }
  return parts.join('\n\n');
}

/** The prompt's messages, ready to send (the last is the user's). */
export async function promptMessages(manager: AgentManager, server: string, name: string, args: Record<string, string>, signal?: AbortSignal): Promise<PromptChatMessage[]> {
  const result = await manager.getPrompt(server, name, args, { signal, timeoutMs: READ_TIMEOUT_MS });
  return promptToChat(result, { server, maxChars: RESOURCE_CHARS });
}
