/**
 * The extension's settings: `mcpAgent.*` mapped into the core's one settings shape (src/core/config/settings.ts),
 * whose schema holds the defaults. package.json's `contributes.configuration` declares the same keys with the same
 * defaults (test/unit/settings.test.ts checks both directions).
 */
import * as vscode from 'vscode';
import { parseSettings, type Settings } from '../core/config/settings';
import { settingsFromEditor, settingsFromLevels, type HeldBackSetting } from './settingsMap';

export { EDITOR_SETTINGS, NOT_IN_EDITOR } from './settingsMap';

export interface EditorSettings {
  servers: Record<string, unknown>;
  discovery: boolean;
  /** The agent's settings, defaults filled in. */
  agent: Settings;
  /** Workspace values of guarded settings not applied (yet): the user has not allowed them. */
  heldBack: HeldBackSetting[];
}

/**
 * The settings as they apply: with `allowed` (the workspace values the user allowed, settingsTrust.ts), guarded
 * settings from the workspace apply only once allowed; without it, as VS Code merges them.
 */
export function readSettings(allowed?: (fingerprint: string) => boolean): EditorSettings {
  const c = vscode.workspace.getConfiguration('mcpAgent');
  const { input, heldBack } = allowed
    ? settingsFromLevels((key) => c.get(key), (key) => c.inspect(key), { allowed, scope: workspaceScope(), trusted: vscode.workspace.isTrusted })
    : { input: settingsFromEditor((key) => c.get(key)), heldBack: [] };
  return {
    servers: c.get<Record<string, unknown>>('servers', {}) ?? {},
    discovery: c.get<boolean>('discovery', true),
    agent: parseSettings(input, 'settings (mcpAgent)'),
    heldBack,
  };
}

/** Which workspace an allowed value belongs to: the .code-workspace file, or the first folder. */
export function workspaceScope(): string | undefined {
  return vscode.workspace.workspaceFile?.toString() ?? vscode.workspace.workspaceFolders?.[0]?.uri.toString();
}

/** Settings whose change means re-reading server definitions. */
export const SERVER_SETTINGS = ['mcpAgent.servers', 'mcpAgent.discovery'];
/** Settings whose change means rebuilding the model service or the agent. */
export const AGENT_SETTINGS = ['mcpAgent.instructions', 'mcpAgent.llm', 'mcpAgent.tools', 'mcpAgent.cache'];

/** Where a setting's value comes from: user-level servers start in Restricted Mode, workspace ones do not. */
export function userLevelServers(): Record<string, unknown> {
  const inspected = vscode.workspace.getConfiguration('mcpAgent').inspect<Record<string, unknown>>('servers');
  return inspected?.globalValue ?? {};
}

export function workspaceLevelServers(): Record<string, unknown> {
  const inspected = vscode.workspace.getConfiguration('mcpAgent').inspect<Record<string, unknown>>('servers');
  return { ...(inspected?.workspaceValue ?? {}), ...(inspected?.workspaceFolderValue ?? {}) };
}
