/** activate(): build the context object, register the view and the command table, connect servers in the background. */
import * as vscode from 'vscode';
import { AgentHost } from './vscode/AgentHost';
import { ChatViewProvider, VIEW_ID } from './vscode/chatView';
import { registerCommands } from './vscode/commands';

let host: AgentHost | undefined;

export function activate(context: vscode.ExtensionContext): void {
  try {
    host = new AgentHost(context);
    const view = new ChatViewProvider(host, context.extensionUri);
    context.subscriptions.push(vscode.window.registerWebviewViewProvider(VIEW_ID, view), view, ...registerCommands(host, view));
    // Servers connect after activation returns; the panel shows them coming up.
    host.start();
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('MCP Agent could not start: {0}', err instanceof Error ? err.message : String(err)));
    throw err;
  }
}

/** VS Code waits for this: every server process is stopped before the extension host goes away. */
export function deactivate(): Promise<void> | undefined {
  const h = host;
  host = undefined;
  return h?.dispose();
}
