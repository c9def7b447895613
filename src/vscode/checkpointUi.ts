/**
 * Checkpoints in VS Code: "Restore to here" on a user message and **Undo Last Turn**. Both show the files that will
 * change in a modal first; a restore is itself undoable (the notification offers it).
 */
import * as vscode from 'vscode';
import type { CheckpointInfo, FileStatus } from '../core/checkpoints/Checkpoints';
import type { AgentRuntime } from '../core/runtime';

function describe(files: FileStatus[]): string {
  const word = { A: vscode.l10n.t('restored'), D: vscode.l10n.t('deleted'), M: vscode.l10n.t('reverted') };
  const shown = files.slice(0, 30).map((f) => `${word[f.status]}: ${f.path}`);
  if (files.length > shown.length) shown.push(vscode.l10n.t('…and {0} more', files.length - shown.length));
  return shown.join('\n');
}

/** Restores checkpoint `id` after the user has seen which files change; returns whether it did. */
export async function restoreCheckpoint(runtime: AgentRuntime, id: string, question?: string): Promise<boolean> {
  const cp = await runtime.checkpoints();
  if (!cp) {
    void vscode.window.showWarningMessage(runtime.checkpointsOff ?? vscode.l10n.t('Checkpoints are off (mcpAgent.tools.checkpoints).'));
    return false;
  }
  try {
    const files = await cp.changes(id);
    if (files.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to restore: the workspace already matches that point.'));
      return false;
    }
    const restore = vscode.l10n.t('Restore');
    const answer = await vscode.window.showWarningMessage(question ?? vscode.l10n.t('Restore {0} files to how they were before this message?', files.length), { modal: true, detail: describe(files) }, restore);
    if (answer !== restore) return false;
    const { backup } = await cp.restore(id);
    const undo = vscode.l10n.t('Undo Restore');
    void vscode.window.showInformationMessage(vscode.l10n.t('Restored {0} files.', files.length), undo).then((pick) => (pick === undo ? restoreCheckpoint(runtime, backup.id) : undefined));
    return true;
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not restore the checkpoint: {0}', (err as Error).message));
    return false;
  }
}

/** **MCP Agent: Undo Last Turn**: back to before the last turn that changed the workspace (again: one more back). */
export async function undoLastTurn(runtime: AgentRuntime): Promise<void> {
  const cp = await runtime.checkpoints();
  if (!cp) {
    void vscode.window.showWarningMessage(runtime.checkpointsOff ?? vscode.l10n.t('Checkpoints are off (mcpAgent.tools.checkpoints).'));
    return;
  }
  let target: CheckpointInfo | undefined;
  try {
    target = await cp.undoTarget();
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not restore the checkpoint: {0}', (err as Error).message));
    return;
  }
  if (!target) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to undo: no turn has changed the workspace yet.'));
    return;
  }
  await restoreCheckpoint(runtime, target.id, vscode.l10n.t('Undo the last turn ("{0}")? These files change:', target.label));
}
