/**
 * The Workspace port in VS Code: open editors' text (unsaved changes included), else the file on disk. Writes are
 * WorkspaceEdits, so the editor's undo takes them back; a buffer with unsaved changes keeps them (and is not saved).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Workspace } from '../../core/ports';
import { NodeWorkspace } from '../../core/tools/nodeWorkspace';
import { resolveRealInsideWorkspace } from '../../core/tools/workspacePath';

export class VsCodeWorkspace implements Workspace {
  private readonly disk: NodeWorkspace;

  constructor(readonly root: string) {
    this.disk = new NodeWorkspace(root);
  }

  async readFile(file: string): Promise<string> {
    // The rule the disk reader enforces, first: inside the workspace, by real path too. An editor opened on a link
    // inside the workspace to a file outside it must not hand over that file's text.
    const real = await resolveRealInsideWorkspace(this.root, file, 'file');
    const abs = path.resolve(this.root, file);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && (d.uri.fsPath === abs || d.uri.fsPath === real));
    if (open) return open.getText();
    return this.disk.readFile(file);
  }

  async writeFile(file: string, content: string): Promise<void> {
    const real = await resolveRealInsideWorkspace(this.root, file, 'file');
    const uri = vscode.Uri.file(real);
    // The document keeps its own encoding and BOM; its text never holds the BOM character.
    const text = content.startsWith('\uFEFF') ? content.slice(1) : content;
    const exists = fs.existsSync(real);
    const edit = new vscode.WorkspaceEdit();
    let doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === real);
    if (!doc && exists) doc = await vscode.workspace.openTextDocument(uri);
    const wasDirty = doc?.isDirty ?? false;
    if (doc) {
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
    } else {
      edit.createFile(uri, { ignoreIfExists: true, contents: new TextEncoder().encode(text) });
    }
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`the editor refused the change to ${file}`);
    // Saved unless the user has unsaved work in it: then the change joins their buffer and they decide.
    if (doc && !wasDirty) await doc.save();
  }
}

export function workspaceRoot(): string {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
}
