/**
 * MCP roots from the workspace: every workspace folder as a root (its URI and name), and `roots/list_changed` to
 * every connected server when folders are added or removed.
 */
import type { Root } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { AgentManager } from '../core/mcp/AgentManager';
import type { Logger } from '../core/ports';

/** The workspace folders as roots (file URIs, or the folder's own URI in a remote or virtual workspace). */
export async function workspaceRoots(): Promise<Root[]> {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => ({ uri: f.uri.toString(), name: f.name }));
}

/** Tells every server that the roots changed whenever the workspace folders do. */
export function watchRoots(manager: AgentManager, logger: Logger): vscode.Disposable {
  return vscode.workspace.onDidChangeWorkspaceFolders(() => {
    for (const agent of manager.agents) {
      agent.notifyRootsChanged().catch((err: unknown) => logger.debug(`[${agent.name}] roots/list_changed not sent: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
}
