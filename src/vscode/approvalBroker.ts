/**
 * Approvals in VS Code: shown as cards in the chat panel that started the turn, or as a modal dialog when no
 * panel is listening. "Always allow" is remembered per workspace. A call waiting here does not time out: the
 * MCP timeout only starts when the call is sent.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as vscode from 'vscode';
import type { ApprovalDecision, ApprovalRequest, Approver } from '../core/ports';

/** Something that can show an approval card and hand back the answer. */
export interface ApprovalSurface {
  ask(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision>;
}

export class ApprovalBroker implements Approver {
  /**
   * The panel whose turn is running, carried with the turn's async context: two panels running turns at once each
   * get their own approvals.
   */
  private readonly scope = new AsyncLocalStorage<ApprovalSurface>();

  /** Runs a turn with approvals routed to `surface`. */
  runWith<T>(surface: ApprovalSurface, fn: () => Promise<T>): Promise<T> {
    return this.scope.run(surface, fn);
  }

  async request(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision> {
    const surface = this.scope.getStore();
    if (surface) return surface.ask(req, signal);
    const run = req.kind === 'command' ? vscode.l10n.t('Run') : vscode.l10n.t('Allow');
    const always = vscode.l10n.t('Always allow this tool');
    const detail = req.kind === 'command' ? req.summary : `${req.summary}`;
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
