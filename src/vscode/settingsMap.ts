/**
 * Which `mcpAgent.*` setting is which core setting (pure, so the mapping is unit-tested in plain Node). Every
 * setting the CLI's config file has is here, or in NOT_IN_EDITOR with the reason.
 */
import { createHash } from 'node:crypto';
import type { SettingsInput } from '../core/config/settings';
import { stableStringify } from '../core/mcp/serverConfig';

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

/**
 * Settings whose workspace value widens what runs unasked or where the key and data go. A workspace (a cloned
 * repository's .vscode/settings.json) sets them only after the user allowed that exact value once; until then the
 * user's own value (or the default) applies.
 */
export const GUARDED_SETTINGS: readonly string[] = ['llm.baseUrl', 'tools.approval.allowCommands', 'tools.approval.autoApproveEdits', 'cache.redisUrl'];

/** Lists a workspace may only add to: the user's entries always stay (a workspace cannot empty the deny-list). */
export const UNION_SETTINGS: readonly string[] = ['tools.approval.denyCommands', 'tools.disabled'];

/** A setting's value at each level, as `WorkspaceConfiguration.inspect()` gives it. */
export interface SettingLevels {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** A workspace value held back until the user allows it. */
export interface HeldBackSetting {
  key: string;
  value: unknown;
  fingerprint: string;
}

/** What is allowed: the setting, its value as written, and where (another workspace asks again). */
export function settingFingerprint(key: string, value: unknown, scope: string | undefined): string {
  return createHash('sha256').update(stableStringify({ v: 1, scope: scope ?? null, key, value })).digest('hex');
}

/**
 * The raw settings object from the editor's values: guarded settings take the workspace's value only when `allowed`
 * knows its fingerprint (otherwise the user's, reported in `heldBack`), union lists join the user's and the
 * workspace's entries, everything else is as VS Code merges it (`get`). `trusted`: the workspace is trusted at all (in
 * Restricted Mode guarded settings are the user's, and nothing is offered).
 */
export function settingsFromLevels(
  get: (key: string) => unknown,
  inspect: (key: string) => SettingLevels | undefined,
  opts: { allowed: (fingerprint: string) => boolean; scope?: string; trusted: boolean },
): { input: SettingsInput; heldBack: HeldBackSetting[] } {
  const heldBack: HeldBackSetting[] = [];
  const input = settingsFromEditor((key) => {
    if (!UNION_SETTINGS.includes(key) && !GUARDED_SETTINGS.includes(key)) return get(key);
    const levels = inspect(key) ?? {};
    const workspace = levels.workspaceFolderValue ?? levels.workspaceValue;
    const user = levels.globalValue ?? levels.defaultValue;
    if (workspace === undefined) return user;
    if (UNION_SETTINGS.includes(key)) {
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
      return [...new Set([...list(user), ...list(workspace)])];
    }
    if (GUARDED_SETTINGS.includes(key) && stableStringify(workspace) !== stableStringify(user)) {
      if (!opts.trusted) return user;
      const fingerprint = settingFingerprint(key, workspace, opts.scope);
      if (opts.allowed(fingerprint)) return workspace;
      heldBack.push({ key, value: workspace, fingerprint });
      return user;
    }
    return get(key);
  });
  return { input, heldBack };
}
