/**
 * Which `mcpAgent.*` setting is which core setting (pure, so the mapping is unit-tested in plain Node). Every
 * setting the CLI's config file has is here, or in NOT_IN_EDITOR with the reason.
 */
import type { SettingsInput } from '../core/config/settings';

/** `mcpAgent.<key>` → the core setting's dotted path (the same words). */
export const EDITOR_SETTINGS = [
  'instructions',
  'llm.provider',
  'llm.baseUrl',
  'llm.model',
  'llm.maxTools',
  'llm.embeddingModel',
  'llm.contextWindow',
  'llm.maxOutputTokens',
  'llm.vision',
  'llm.pricing',
  'llm.sendReasoning',
  'llm.reasoningEffort',
  'tools.maxResultChars',
  'tools.maxRounds',
  'tools.maxParallel',
  'tools.commandTimeoutSeconds',
  'tools.checkpoints',
  'tools.disabled',
  'tools.approval.allowCommands',
  'tools.approval.denyCommands',
  'tools.approval.autoApproveEdits',
  'cache.enabled',
  'cache.ttlSeconds',
  'cache.redisUrl',
] as const;

/** Core settings the editor does not offer as settings, and why. */
export const NOT_IN_EDITOR: Record<string, string> = {
  'llm.apiKey': 'kept in SecretStorage (MCP Agent: Set API Key), never in settings files',
  'cache.dir': "the cache lives in the extension's globalStorage",
  'store.url': "the panel keeps conversations in the extension's storage; a shared PostgreSQL store is for `mcp-agent serve`, and its password does not belong in settings files",
};

/** The raw settings object from the editor's values; empty strings mean "not set". */
export function settingsFromEditor(get: (key: string) => unknown): SettingsInput {
  const out: Record<string, unknown> = {};
  for (const key of EDITOR_SETTINGS) {
    let value = get(key);
    if (typeof value === 'string') value = value.trim() || undefined;
    if (value === undefined || value === null) continue;
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}
