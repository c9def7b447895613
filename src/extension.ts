/**
 * Activation shim: registers the chat view and every contributed command at once, and loads the extension proper
 * (dist/host.js: MCP SDK, model client, tools) right after activation returns, or on first use. Activation itself
 * stays in the low milliseconds; servers connect in the background.
 */
import * as vscode from 'vscode';
import type { LoadedExtension } from './vscode/main';

const VIEW_ID = 'mcpAgent.chat';

let loaded: Promise<LoadedExtension> | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const get = (): Promise<LoadedExtension> => {
    loaded ??= Promise.resolve().then(() => {
      // Kept out of this bundle on purpose (see esbuild.mjs): loading it is the slow part.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('./host.js') as typeof import('./vscode/main');
      return mod.load(context);
    });
    loaded.catch((err: unknown) => {
      void vscode.window.showErrorMessage(vscode.l10n.t('MCP Agent could not start: {0}', err instanceof Error ? err.message : String(err)));
    });
    return loaded;
  };

  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(VIEW_ID, {
      resolveWebviewView: async (view) => (await get()).view.resolveWebviewView(view),
    }),
  );
  const contributed = ((context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } }).contributes?.commands ?? []).map((c) => c.command);
  for (const id of [...contributed, 'mcpAgent.openSettings']) {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => (await get()).run(id, args)));
  }
  // Start servers soon, but not inside activate().
  setTimeout(() => void get(), 0);
}

/** VS Code waits for this: every server process is stopped before the extension host goes away. */
export async function deactivate(): Promise<void> {
  const l = loaded;
  loaded = undefined;
  if (l) await (await l.catch(() => undefined))?.dispose();
}
