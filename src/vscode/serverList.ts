/** The panel's server list: each server's state and tools (with their switches), and a switch flipped by the user. */
import * as vscode from 'vscode';
import { disabledMatcher } from '../core/agent/toolSwitches';
import type { ServerSummary } from '../shared/protocol';
import type { VsCodeFront } from './VsCodeFront';

export function serverSummaries(host: VsCodeFront): ServerSummary[] {
  const patterns = host.runtime.settings.tools.disabled;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const off = disabledMatcher(patterns);
  const tools = host.manager.tools();
  const running: ServerSummary[] = host.manager.servers().map((s) => ({
    name: s.name,
    state: s.state,
    transport: s.transport,
    toolCount: s.toolCount,
    lastError: s.lastError,
    tools: tools.filter((t) => t.server === s.name).map((t) => ({ name: t.name, tool: t.tool, disabled: off(t.name), ...(off(t.name) && !exact.has(t.name) ? { byPattern: true } : {}) })),
  }));
  // Workspace-defined servers waiting for the user's trust are shown too, or the panel would hide why they are missing.
  const held: ServerSummary[] = host.untrustedServers.map((s) => ({ name: s.name, state: 'untrusted', toolCount: 0 }));
  return [...running, ...held];
}

/**
 * A tool's checkbox in the server list: its exact name goes into or out of `mcpAgent.tools.disabled`, where that
 * setting is defined (the workspace's, else the user's). A tool a pattern (`server__*`) switches off stays off.
 */
export async function toggleTool(name: string, enabled: boolean): Promise<void> {
  const config = vscode.workspace.getConfiguration('mcpAgent');
  const inspected = config.inspect<string[]>('tools.disabled');
  const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const current = (target === vscode.ConfigurationTarget.Workspace ? inspected?.workspaceValue : inspected?.globalValue) ?? [];
  const next = enabled ? current.filter((n) => n !== name) : current.includes(name) ? current : [...current, name];
  if (next.length === current.length && next.every((n, i) => n === current[i])) return;
  await config.update('tools.disabled', next, target);
}
