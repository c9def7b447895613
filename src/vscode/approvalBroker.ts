/**
 * Approvals in VS Code. A turn started in a chat panel brings the panel as its approver (cards on the tool call's
 * own card, by call id); this modal dialog answers only for turns with no panel. "Always allow" is remembered per
 * workspace. A call waiting here does not time out: the MCP timeout only starts when the call is sent.
 */
import * as vscode from 'vscode';
import type { ApprovalDecision, ApprovalRequest, Approver } from '../core/ports';

export class ApprovalBroker implements Approver {
  async request(req: ApprovalRequest): Promise<ApprovalDecision> {
    const run = req.kind === 'command' ? vscode.l10n.t('Run') : vscode.l10n.t('Allow');
    const always = vscode.l10n.t('Always allow this tool');
    const detail = req.cwd ? `${req.summary}\n\n${vscode.l10n.t('in {0}', req.cwd)}` : req.summary;
    const items = req.kind === 'tool' ? [run, always] : [run];
    const message =
      req.kind === 'command'
        ? vscode.l10n.t('MCP Agent wants to run a command')
        : req.kind === 'config-write'
          ? vscode.l10n.t('MCP Agent wants to change its own configuration')
          : vscode.l10n.t('MCP Agent wants to call {0}', req.tool);
    const picked = await vscode.window.showWarningMessage(message, { modal: true, detail }, ...items);
    if (picked === run) return 'allow';
    if (picked === always) return 'always';
    return 'deny';
  }
}

const KEY = 'mcpAgent.alwaysAllowedTools.v2';

/** Standing approvals of this workspace: tool name -> fingerprint of what the user approved. */
export function loadAlwaysAllowed(state: vscode.Memento): Record<string, string> {
  return state.get<Record<string, string>>(KEY, {});
}

export async function rememberAlwaysAllowed(state: vscode.Memento, tool: string, fingerprint: string): Promise<void> {
  await state.update(KEY, { ...loadAlwaysAllowed(state), [tool]: fingerprint });
}
