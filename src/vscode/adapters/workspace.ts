/** The Workspace port in VS Code: open editors' text (unsaved changes included), else the file on disk. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Workspace } from '../../core/ports';
import { NodeWorkspace } from '../../core/tools/nodeWorkspace';

export class VsCodeWorkspace implements Workspace {
  private readonly disk: NodeWorkspace;

  constructor(readonly root: string) {
    this.disk = new NodeWorkspace(root);
  }

  async readFile(file: string): Promise<string> {
    const abs = path.resolve(this.root, file);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme !== 'git' && d.uri.fsPath === abs);
    // The disk workspace enforces the inside-the-workspace rule; an open document must pass it too.
    if (open && (abs === this.root || abs.startsWith(this.root + path.sep))) return open.getText();
    return this.disk.readFile(file);
  }
}

export function workspaceRoot(): string {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
}
