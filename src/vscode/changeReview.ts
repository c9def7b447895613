/**
 * An edit tool's proposed change, reviewed in VS Code's diff editor before it is applied: the file as it is now (its
 * editor buffer, unsaved changes included) on the left, the proposal on the right (a read-only virtual document),
 * and Accept / Reject in the editor's title bar. Either answers the approval, as the card's buttons do; once the
 * approval is settled anywhere the diff editor closes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentEvent } from '../core/agent/ChatSession';
import type { ApprovalDecision, FileChange } from '../core/ports';
import { EDIT_TOOL_NAMES } from '../core/tools/editFile';
import { resolveInsideWorkspace } from '../core/tools/workspacePath';

export const CHANGE_SCHEME = 'mcp-agent-change';

interface Pending {
  change: FileChange;
  left: vscode.Uri;
  right: vscode.Uri;
  decide(d: ApprovalDecision): void;
}

export class ChangeReview implements vscode.TextDocumentContentProvider {
  private readonly pending = new Map<string, Pending>();

  /** The right side: the proposed text (the document's own encoding keeps any BOM); the left of a new file: empty. */
  provideTextDocumentContent(uri: vscode.Uri): string {
    const params = new URLSearchParams(uri.query);
    const p = this.pending.get(params.get('approval') ?? '');
    if (!p || params.get('side') === 'empty') return '';
    return p.change.after.startsWith('\uFEFF') ? p.change.after.slice(1) : p.change.after;
  }

  /** Opens the diff editor for an approval and remembers how to answer it. */
  async show(approvalId: string, root: string, change: FileChange, decide: (d: ApprovalDecision) => void): Promise<void> {
    const abs = path.join(root, ...change.path.split('/'));
    const virtual = (side: string) => vscode.Uri.from({ scheme: CHANGE_SCHEME, path: `/${change.path}`, query: new URLSearchParams({ approval: approvalId, side }).toString() });
    const left = change.before !== undefined && fs.existsSync(abs) ? vscode.Uri.file(abs) : virtual('empty');
    const right = virtual('proposed');
    this.pending.set(approvalId, { change, left, right, decide });
    await this.reveal(approvalId);
  }

  async reveal(approvalId: string): Promise<void> {
    const p = this.pending.get(approvalId);
    if (!p) return;
    const title = vscode.l10n.t('{0} (proposed change)', path.basename(p.change.path));
    await vscode.commands.executeCommand('vscode.diff', p.left, p.right, title, { preview: false, preserveFocus: true });
  }

  /** Accept / Reject from the editor title: the approval of the diff editor showing `uri` (or the active one). */
  answer(decision: 'allow' | 'deny', uri?: unknown): void {
    const target = uri instanceof vscode.Uri ? uri : activeDiffRight();
    if (!target || target.scheme !== CHANGE_SCHEME) return;
    const approvalId = new URLSearchParams(target.query).get('approval') ?? '';
    this.pending.get(approvalId)?.decide(decision);
  }

  /** The approval was answered (here, on the card, or the turn ended): forget it and close its diff editor. */
  settled(approvalId: string): void {
    const p = this.pending.get(approvalId);
    if (!p) return;
    this.pending.delete(approvalId);
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === p.right.toString());
    if (tabs.length) void vscode.window.tabGroups.close(tabs, true);
  }
}

function activeDiffRight(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input.modified : undefined;
}

/** One per extension: the chat views ask through it and the title-bar commands answer through it. */
export const changeReview = new ChangeReview();

/** What an applied edit changed, for its tool card: the path and the diff the edit tool reported. */
export function toolChange(e: Extract<AgentEvent, { type: 'tool_result' }>): { path: string; diff: string } | undefined {
  if (e.isError || e.server || !EDIT_TOOL_NAMES.has(e.name)) return undefined;
  const s = e.result?.structuredContent;
  return s && typeof s.path === 'string' && typeof s.diff === 'string' ? { path: s.path, diff: s.diff } : undefined;
}

/** The tool card's link: opens a file the agent changed, if it lies inside the workspace. */
export async function openChangedFile(root: string, file: string): Promise<void> {
  let abs: string;
  try {
    abs = resolveInsideWorkspace(root, file, 'file');
  } catch {
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(abs), { preview: false });
}
