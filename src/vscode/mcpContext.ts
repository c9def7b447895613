/**
 * What the panel's `@` and `/` need from the servers: the catalog of resources, templates and prompts, and the URI an
 * attachment stands for. The user's turn itself is built in the core (core/mcp/userTurn.ts), as the CLI builds it.
 */
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { AgentManager } from '../core/mcp/AgentManager';
import type { AttachmentRef, PromptItem, ResourceItem } from '../shared/protocol';


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
