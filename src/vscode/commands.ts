/** The command table: every palette command and context-menu entry, each a few lines over the VsCodeFront. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { API_KEY_SECRET, type VsCodeFront } from './VsCodeFront';
import { analyzeDocument } from './analyzeTool';
import type { ChatViewProvider } from './chatView';
import { openServerResource, RESOURCE_SCHEME, ResourceDocuments } from './resourceBrowser';
import { showServerLog, signOutOfServer } from './serverCommands';
import { CHANGE_SCHEME, changeReview } from './changeReview';
import { undoLastTurn } from './checkpointUi';
import { readSettings } from './config';

/** The command table; the activation shim registers every contributed command and forwards to these. */
export function registerCommands(host: VsCodeFront, view: ChatViewProvider): Record<string, (...args: unknown[]) => unknown> {
  const resourceDocs = new ResourceDocuments();
  host.context().subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(RESOURCE_SCHEME, resourceDocs),
    vscode.workspace.registerTextDocumentContentProvider(CHANGE_SCHEME, changeReview),
  );
  const table: Record<string, (...args: unknown[]) => unknown> = {
    'mcpAgent.openChat': () => view.reveal(),
    'mcpAgent.undoLastTurn': () => undoLastTurn(host.runtime),
    'mcpAgent.acceptChange': (uri?: unknown) => changeReview.answer('allow', uri),
    'mcpAgent.rejectChange': (uri?: unknown) => changeReview.answer('deny', uri),
    'mcpAgent.openChatInEditor': () => view.openInEditor(),
    'mcpAgent.newChat': async () => (await view.reveal()).newChat(),
    'mcpAgent.analyzeCurrentFile': (uri?: unknown) => analyzeCurrentFile(host, view, uri instanceof vscode.Uri ? uri : undefined),
    'mcpAgent.explainSelection': async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.selection.isEmpty) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select some code first.'));
        return;
      }
      const file = path.relative(host.root, editor.document.uri.fsPath) || editor.document.fileName;
      const code = editor.document.getText(editor.selection);
      const prompt = vscode.l10n.t('Explain this code from {0} (lines {1}-{2}):', file, editor.selection.start.line + 1, editor.selection.end.line + 1);
      await (await view.reveal()).prefill(`${prompt}\n\n\`\`\`${editor.document.languageId}\n${code}\n\`\`\``, true);
    },
    'mcpAgent.setApiKey': async () => {
      const key = await vscode.window.showInputBox({
        title: vscode.l10n.t('MCP Agent: API key'),
        prompt: vscode.l10n.t('The key for your OpenAI-compatible endpoint. It is kept in VS Code\'s secret storage, never in settings.'),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Enter a key, or press Escape.')),
      });
      if (key === undefined) return;
      await host.context().secrets.store(API_KEY_SECRET, key.trim());
      void vscode.window.showInformationMessage(vscode.l10n.t('API key saved.'));
    },
    'mcpAgent.clearApiKey': async () => {
      await host.context().secrets.delete(API_KEY_SECRET);
      void vscode.window.showInformationMessage(vscode.l10n.t('API key removed.'));
    },
    'mcpAgent.restartServers': () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Restarting MCP servers…') }, async () => {
        await host.applyServers();
        await host.restartServers();
      }),
    'mcpAgent.showServers': () => showServers(host),
    'mcpAgent.trustServers': () => reviewTrust(host),
    'mcpAgent.resetServerTrust': async () => {
      await host.definitions.trust.reset();
      await host.applyServers();
      const held = host.untrustedServers.length;
      void vscode.window.showInformationMessage(
        held
          ? vscode.l10n.t('Server trust reset: {0} workspace-defined servers are stopped until you trust them again (MCP Agent: Trust Workspace Servers…).', held)
          : vscode.l10n.t('Server trust reset.'),
      );
    },
    'mcpAgent.reviewWorkspaceSettings': async () => {
      if (!(await host.reviewWorkspaceSettings()) && !readSettings(host.settingsTrust.isAllowed).heldBack.length) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No workspace setting is waiting to be allowed.'));
      }
    },
    'mcpAgent.showLogs': () => host.logger.channel.show(),
    'mcpAgent.showServerLog': (server?: unknown) => showServerLog(host, server),
    'mcpAgent.signOut': (server?: unknown) => signOutOfServer(host, server),
    'mcpAgent.openResource': (server?: unknown, uri?: unknown) => openServerResource(host, resourceDocs, server, uri),
    'mcpAgent.clearCache': async () => {
      await host.cache.clear({ includePersistent: true });
      void vscode.window.showInformationMessage(vscode.l10n.t('MCP Agent cache cleared.'));
    },
    'mcpAgent.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', 'mcpAgent'),
  };
  return table;
}

async function analyzeCurrentFile(host: VsCodeFront, view: ChatViewProvider, uri?: vscode.Uri): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a file to analyze.'));
    return;
  }
  const analysis = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Analyzing {0}…', path.basename(target.fsPath)) }, async () => {
    const doc = await vscode.workspace.openTextDocument(target);
    return analyzeDocument(doc, host.root, host.grammarDir, host.cache);
  });
  const prompt = vscode.l10n.t(
    'Explain the analysis of {0}: what the file does, its most complex or longest functions, the diagnostics, and what is worth improving.',
    analysis.path,
  );
  const summary = JSON.stringify(analysis, null, 1);
  const capped = summary.length > 24_000 ? `${summary.slice(0, 24_000)}\n…` : summary;
  // The analysis goes as an attachment: the model reads the JSON, the bubble shows "sample.ts: analysis".
  const name = vscode.l10n.t('{0}: analysis', path.basename(analysis.path));
  await (await view.reveal()).sendWithContext(prompt, { name, body: `analyze_code result for ${analysis.path}:\n${capped}` });
}

async function showServers(host: VsCodeFront): Promise<void> {
  type Item = vscode.QuickPickItem & { server?: string; untrusted?: string };
  const icon: Record<string, string> = { connected: '$(pass-filled)', starting: '$(loading~spin)', error: '$(error)', stopped: '$(circle-slash)', idle: '$(circle-outline)' };
  const items: Item[] = host.manager.servers().map((s) => ({
    label: `${icon[s.state] ?? ''} ${s.name}`,
    description: `${s.state}${s.transport ? ` · ${s.transport}` : ''} · ${vscode.l10n.t('{0} tools', s.toolCount)}`,
    detail: s.lastError,
    server: s.name,
  }));
  for (const name of host.restrictedServers) items.push({ label: `$(shield) ${name}`, description: vscode.l10n.t('not started in Restricted Mode') });
  for (const s of host.untrustedServers) {
    items.push({ label: `$(workspace-untrusted) ${s.name}`, description: vscode.l10n.t('not trusted — pick to review'), detail: s.summary.commandLine ?? s.summary.url, untrusted: s.name });
  }
  if (items.length === 0) {
    const add = vscode.l10n.t('Open Settings');
    if ((await vscode.window.showInformationMessage(vscode.l10n.t('No MCP servers are configured. Add them in settings or .vscode/mcp.json.'), add)) === add) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'mcpAgent.servers');
    }
    return;
  }
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('MCP servers'), placeHolder: vscode.l10n.t('Pick a server to restart it or see its log') });
  if (picked?.untrusted) return reviewTrust(host, picked.untrusted);
  if (!picked?.server) return;
  const restart = vscode.l10n.t('Restart');
  const logs = vscode.l10n.t('Show Logs');
  const action = await vscode.window.showQuickPick([restart, logs], { title: picked.server });
  if (action === restart) await host.restartServers(picked.server);
  else if (action === logs) host.serverLogs.show(picked.server);
}

/** Shows the workspace-defined servers waiting for trust (or one of them) and starts the ones the user trusts. */
async function reviewTrust(host: VsCodeFront, name?: string): Promise<void> {
  const waiting = host.untrustedServers.filter((s) => name === undefined || s.name === name);
  if (waiting.length === 0) {
    const message = vscode.workspace.isTrusted
      ? vscode.l10n.t('No workspace-defined MCP server is waiting for trust.')
      : vscode.l10n.t('Workspace-defined MCP servers do not start in Restricted Mode. Trust this folder first.');
    void vscode.window.showInformationMessage(message);
    return;
  }
  if (await host.definitions.trust.review(waiting)) await host.applyServers();
}
