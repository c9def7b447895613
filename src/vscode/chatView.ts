/** The chat webview: a view in the activity-bar container, or the same chat in an editor tab. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { chatHtml } from '../shared/chatHtml';
import type { VsCodeFront } from './VsCodeFront';
import { ChatController, webviewStrings } from './chatController';

export const VIEW_ID = 'mcpAgent.chat';

/** How long `reveal` waits for the side view before opening the chat in an editor tab. */
const REVEAL_TIMEOUT_MS = 15_000;

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  private controller?: ChatController;
  private readonly panels = new Set<{ panel: vscode.WebviewPanel; controller: ChatController }>();
  private waiters: Array<(c: ChatController) => void> = [];

  constructor(
    private readonly host: VsCodeFront,
    private readonly extensionUri: vscode.Uri,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.controller?.dispose();
    this.controller = this.setup(view.webview);
    view.onDidDispose(() => {
      this.controller?.dispose();
      this.controller = undefined;
      this.view = undefined;
    });
    for (const w of this.waiters.splice(0)) w(this.controller);
  }

  /** Opens the chat as an editor tab. */
  openInEditor(): ChatController {
    const panel = vscode.window.createWebviewPanel(VIEW_ID, 'MCP Agent', vscode.ViewColumn.Beside, this.options());
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'activity.svg');
    const controller = this.setup(panel.webview);
    const entry = { panel, controller };
    this.panels.add(entry);
    panel.onDidDispose(() => {
      controller.dispose();
      this.panels.delete(entry);
    });
    return controller;
  }

  /** Reveals the side view and returns its controller once the webview exists. */
  async reveal(): Promise<ChatController> {
    if (this.view && this.controller) {
      this.view.show(true);
      return this.controller;
    }
    let waiter!: (c: ChatController) => void;
    const ready = new Promise<ChatController>((resolve) => this.waiters.push((waiter = resolve)));
    let timer: NodeJS.Timeout | undefined;
    // A view that never resolves (its container hidden or removed by the user, a webview that failed to load) must
    // not leave the command hanging: after a while the chat opens in an editor tab instead.
    const fallback = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, REVEAL_TIMEOUT_MS, undefined)));
    try {
      await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    } catch {
      // The view's focus command is missing (the container was removed): use the fallback at once.
      clearTimeout(timer);
      this.waiters = this.waiters.filter((w) => w !== waiter);
      return this.openInEditor();
    }
    const controller = await Promise.race([ready, fallback]);
    clearTimeout(timer);
    if (controller) return controller;
    this.waiters = this.waiters.filter((w) => w !== waiter);
    return this.openInEditor();
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      // Only the bundled script, styles and fonts: nothing else from disk is reachable from the webview.
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media', 'dist')],
      retainContextWhenHidden: false,
    };
  }

  private setup(webview: vscode.Webview): ChatController {
    webview.options = this.options();
    const dist = vscode.Uri.joinPath(this.extensionUri, 'media', 'dist');
    const controller = new ChatController(this.host, webview);
    webview.html = chatHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'chat.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'chat.css')).toString(),
      codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicon.css')).toString(),
      lang: vscode.env.language,
      strings: webviewStrings(),
    });
    return controller;
  }

  dispose(): void {
    this.controller?.dispose();
    for (const p of this.panels) p.panel.dispose();
  }
}
