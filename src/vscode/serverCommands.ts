/** Commands over one MCP server: its log channel, and signing out of an OAuth-protected one. */
import * as vscode from 'vscode';
import type { VsCodeFront } from './VsCodeFront';

/** "MCP Agent: Show Server Log…": picks a server (the argument, when given) and shows its channel. */
export async function showServerLog(host: VsCodeFront, server?: unknown): Promise<void> {
  const names = [...new Set([...host.manager.agents.map((a) => a.name), ...host.serverLogs.names()])].sort((a, b) => a.localeCompare(b));
  let name = typeof server === 'string' ? server : undefined;
  if (!name) {
    if (names.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No MCP servers are configured. Add them in settings or .vscode/mcp.json.'));
      return;
    }
    name = names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { title: vscode.l10n.t('Show the log of an MCP server'), placeHolder: vscode.l10n.t('Pick a server') });
  }
  if (name) host.serverLogs.show(name);
}

/** "MCP Agent: Sign Out of Server…": forgets the tokens and client registration kept for an HTTP/SSE server. */
export async function signOutOfServer(host: VsCodeFront, server?: unknown): Promise<void> {
  const remote = host.manager.agents.map((a) => a.definition).filter((d) => d.transport !== 'stdio' && d.url);
  if (remote.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No HTTP or SSE MCP server is configured; there is nothing to sign out of.'));
    return;
  }
  let name = typeof server === 'string' ? server : undefined;
  if (!name) {
    const picked = await vscode.window.showQuickPick(
      remote.map((d) => ({ label: d.name, description: d.url })),
      { title: vscode.l10n.t('Sign out of an MCP server'), placeHolder: vscode.l10n.t('Pick a server') },
    );
    name = picked?.label;
  }
  const def = remote.find((d) => d.name === name);
  if (!def) {
    if (name) void vscode.window.showErrorMessage(vscode.l10n.t('No HTTP or SSE MCP server is named "{0}".', name));
    return;
  }
  const had = await host.auth.signOut(def);
  // Reconnect without the tokens: the connection must not keep using a sign-in the user just gave up.
  const agent = host.manager.agent(def.name);
  if (agent && agent.status.state !== 'stopped') await agent.restart();
  void vscode.window.showInformationMessage(had ? vscode.l10n.t('Signed out of "{0}".', def.name) : vscode.l10n.t('"{0}" had no stored sign-in.', def.name));
}
