/** The SDK client for one server: the capabilities with a handler, list_changed refresh, notifications. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  type ClientCapabilities,
  type LoggingMessageNotification,
  type Prompt,
  type Resource,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpAgentOptions } from './agentTypes';

/** Elicitation requests a server may make per minute before further ones are refused (a burst of prompts). */
export const DEFAULT_ELICITATIONS_PER_MINUTE = 10;

export interface ClientCallbacks {
  onListChanged(what: 'tools' | 'resources' | 'prompts', err: Error | null, items: Tool[] | Resource[] | Prompt[] | null): void;
  onLog(params: LoggingMessageNotification['params']): void;
  onResourceUpdated(uri: string): void;
  onError(err: Error): void;
  /**
   * Whether the server may ask the user once more now. Kept by the caller for the server's lifetime, not per
   * connection: a server must not be able to reset its limit by exiting and being restarted.
   */
  allowElicitation(): boolean;
}

export function makeClient(server: string, options: McpAgentOptions, cb: ClientCallbacks): Client {
  const h = options.handlers ?? {};
  const capabilities: ClientCapabilities = {};
  if (h.sampling) capabilities.sampling = {};
  if (h.elicitation) capabilities.elicitation = { form: {}, url: {} };
  if (h.roots) capabilities.roots = { listChanged: true };

  const debounceMs = options.listChangedDebounceMs ?? 300;
  const client = new Client(options.clientInfo ?? { name: 'mcp-agent', version: '0.1.0' }, {
    capabilities,
    listChanged: {
      tools: { debounceMs, onChanged: (err, tools) => cb.onListChanged('tools', err, tools) },
      resources: { debounceMs, onChanged: (err, items) => cb.onListChanged('resources', err, items) },
      prompts: { debounceMs, onChanged: (err, items) => cb.onListChanged('prompts', err, items) },
    },
  });
  if (h.sampling) {
    const fn = h.sampling;
    client.setRequestHandler(CreateMessageRequestSchema, (req, extra) => fn(server, req.params, extra.signal));
  }
  if (h.elicitation) {
    const fn = h.elicitation;
    client.setRequestHandler(ElicitRequestSchema, (req, extra) => {
      if (!cb.allowElicitation()) {
        throw new McpError(ErrorCode.InvalidRequest, `too many elicitation requests from "${server}" (more than ${options.maxElicitationsPerMinute ?? DEFAULT_ELICITATIONS_PER_MINUTE} a minute); refused without asking the user`);
      }
      return fn(server, req.params, extra.signal);
    });
  }
  if (h.roots) {
    const fn = h.roots;
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: await fn() }));
  }
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => cb.onLog(n.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => cb.onResourceUpdated(n.params.uri));
  client.onerror = (err) => cb.onError(err);
  return client;
}

/** A sliding window: true while fewer than `max` calls were allowed in the last `windowMs`. */
export function rateLimit(max: number, windowMs: number, now: () => number = Date.now): () => boolean {
  const times: number[] = [];
  return () => {
    const t = now();
    while (times.length && times[0] <= t - windowMs) times.shift();
    if (times.length >= max) return false;
    times.push(t);
    return true;
  };
}
