/** The extension's settings, read through one typed module (the schema is package.json `contributes.configuration`). */
import * as vscode from 'vscode';

export interface Settings {
  servers: Record<string, unknown>;
  discovery: boolean;
  provider: 'openai' | 'vscode-lm';
  baseUrl?: string;
  model?: string;
  maxResultChars: number;
  allowCommands: string[];
  cacheTtlSeconds: number;
  redisUrl?: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('mcpAgent', scope);
  const str = (key: string) => {
    const v = c.get<string>(key, '').trim();
    return v ? v : undefined;
  };
  return {
    servers: c.get<Record<string, unknown>>('servers', {}) ?? {},
    discovery: c.get<boolean>('discovery', true),
    provider: c.get<string>('llm.provider', 'openai') === 'vscode-lm' ? 'vscode-lm' : 'openai',
    baseUrl: str('llm.baseUrl'),
    model: str('llm.model'),
    maxResultChars: c.get<number>('tools.maxResultChars', 32_000),
    allowCommands: c.get<string[]>('tools.approval.allowCommands', []) ?? [],
    cacheTtlSeconds: c.get<number>('cache.ttlSeconds', 300),
    redisUrl: str('cache.redisUrl'),
  };
}

/** Settings whose change means re-reading server definitions. */
export const SERVER_SETTINGS = ['mcpAgent.servers', 'mcpAgent.discovery'];
/** Settings whose change means rebuilding the model service or the agent. */
export const AGENT_SETTINGS = ['mcpAgent.llm', 'mcpAgent.tools', 'mcpAgent.cache'];

/** Where a setting's value comes from: user-level servers start in Restricted Mode, workspace ones do not. */
export function userLevelServers(): Record<string, unknown> {
  const inspected = vscode.workspace.getConfiguration('mcpAgent').inspect<Record<string, unknown>>('servers');
  return inspected?.globalValue ?? {};
}

export function workspaceLevelServers(): Record<string, unknown> {
  const inspected = vscode.workspace.getConfiguration('mcpAgent').inspect<Record<string, unknown>>('servers');
  return { ...(inspected?.workspaceValue ?? {}), ...(inspected?.workspaceFolderValue ?? {}) };
}
