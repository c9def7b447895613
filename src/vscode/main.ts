/**
 * The extension proper, loaded by the small activation shim in src/extension.ts after activation (or on first use),
 * so that activating costs almost nothing: the MCP SDK, the model client and the tools load off the critical path.
 */
import * as vscode from 'vscode';
import { VsCodeFront } from './VsCodeFront';
import { ChatViewProvider } from './chatView';
import { registerCommands } from './commands';

export interface LoadedExtension {
  view: ChatViewProvider;
  host: VsCodeFront;
  /** Runs a contributed command (they are registered by the shim, which forwards here). */
  run(command: string, args: unknown[]): Promise<unknown>;
  dispose(): Promise<void>;
}

export function load(context: vscode.ExtensionContext): LoadedExtension {
  const host = new VsCodeFront(context);
  const view = new ChatViewProvider(host, context.extensionUri);
  const commands = registerCommands(host, view);
  host.start();
  return {
    view,
    host,
    run: async (command, args) => {
      const fn = commands[command];
      if (!fn) throw new Error(`unknown command ${command}`);
      return fn(...args);
    },
    dispose: async () => {
      view.dispose();
      await host.dispose();
    },
  };
}
