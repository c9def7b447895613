import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Wiring arrives with the extension issue; the core is exercised through the CLI for now.
}

export function deactivate(): void {}
