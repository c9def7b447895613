/**
 * An approval request: what would run (the exact command, or the tool's arguments), and Run / Skip / Always allow
 * (the last only for kind 'tool'). Plain buttons, so Tab / Enter / Space work; settled cards keep the decision.
 */
import type { HostMessage } from '../../src/shared/protocol';
import { h, icon, uid } from './dom';
import { prettyJson, splitToolName } from './format';
import { longText } from './render/longText';
import { t } from './strings';
import { post } from './vscode';

export type ApprovalMessage = Extract<HostMessage, { type: 'approval' }>;
export type ApprovalOutcome = 'allow' | 'deny' | 'always' | 'cancelled';

/** The command line of a `command` approval's arguments, when they have one. */
function commandOf(args: string): { command: string; cwd?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      if (typeof o.command === 'string') {
        const list: unknown = o.args;
        const argv = Array.isArray(list) && list.every((a): a is string => typeof a === 'string') ? ` ${list.join(' ')}` : '';
        return { command: o.command + argv, cwd: typeof o.cwd === 'string' ? o.cwd : undefined };
      }
    }
  } catch {
    // Not JSON: the arguments are shown as they are.
  }
  return undefined;
}

export class ApprovalCard {
  readonly el: HTMLElement;
  readonly approvalId: string;
  readonly tool: string;
  /** The tool call this approval is about ('' when the host could not say). */
  readonly callId: string;
  settled?: ApprovalOutcome;
  private readonly buttons: HTMLButtonElement[] = [];
  private readonly outcome = h('div', { class: 'approval-outcome', hidden: true });
  private readonly actions: HTMLElement;
  /** Called once when the card is settled (by a click here or by the host). */
  onSettled?: (outcome: ApprovalOutcome) => void;

  constructor(msg: ApprovalMessage) {
    this.approvalId = msg.approvalId;
    this.tool = msg.tool;
    this.callId = msg.callId;
    const titleId = uid('approval');
    const descId = uid('approval-desc');
    const title = msg.kind === 'command' ? t('approvalCommand') : msg.kind === 'config-write' ? t('approvalConfig') : msg.kind === 'edit' ? t('approvalEdit') : t('approvalTool');
    const { server, tool } = splitToolName(msg.tool, msg.server);
    const parsed = msg.kind === 'command' ? commandOf(msg.args) : undefined;
    // The resolved directory the host will run in, not the model's text.
    const command = parsed ? { ...parsed, cwd: msg.cwd ?? parsed.cwd } : undefined;
    const pretty = prettyJson(msg.args);

    let body: HTMLElement;
    if (command) {
      body = h(
        'div',
        { class: 'approval-command' },
        h('pre', { class: 'approval-command-line', tabindex: 0 }, h('code', {}, h('span', { class: 'prompt', 'aria-hidden': 'true' }, '$ '), command.command)),
        command.cwd ? h('div', { class: 'approval-cwd' }, icon('folder'), command.cwd) : null,
        h('details', { class: 'tool-section' }, h('summary', {}, icon('chevron-right', 'twisty'), h('span', { class: 'section-label' }, t('approvalDetails'))), longText(pretty.text, { language: 'json' })),
      );
    } else if (msg.change) {
      // An edit: the diff is what the person judges; the diff editor shows it with the file around it.
      const review = h('button', { type: 'button', class: 'button secondary approval-review', 'data-action': 'review-diff' }, icon('diff'), t('approvalReviewDiff'));
      review.addEventListener('click', () => post({ type: 'reviewChange', approvalId: msg.approvalId }));
      body = h('div', { class: 'approval-change' }, longText(msg.change.diff, { language: 'diff', initial: 20_000, className: 'approval-diff' }), review);
    } else {
      body = longText(pretty.text, { language: pretty.json ? 'json' : undefined, initial: 20_000, className: 'approval-args' });
    }

    const run = this.button('allow', msg.change ? t('approvalApply') : t('approvalRun'), 'primary', msg.kind === 'command' ? 'play' : 'check');
    const skip = this.button('deny', t('approvalSkip'), 'secondary', 'close');
    const always = msg.kind === 'tool' ? this.button('always', t('approvalAlways'), 'secondary', 'check-all') : null;
    if (always) always.title = t('approvalAlwaysHint');
    this.actions = h('div', { class: 'approval-actions' }, run, skip, always);

    this.el = h(
      'div',
      { class: 'approval-card', role: 'group', 'aria-labelledby': titleId, 'aria-describedby': descId, 'data-approval-id': msg.approvalId, 'data-kind': msg.kind },
      h(
        'div',
        { class: 'approval-head' },
        icon(msg.kind === 'command' ? 'terminal' : msg.kind === 'config-write' ? 'gear' : msg.kind === 'edit' ? 'edit' : 'shield'),
        h('span', { class: 'approval-title', id: titleId }, title),
        h('span', { class: 'approval-tool' }, server ? `${server} › ${tool}` : tool),
      ),
      h('div', { class: 'approval-summary', id: descId }, msg.summary),
      body,
      this.actions,
      this.outcome,
    );
  }

  get primaryButton(): HTMLButtonElement | undefined {
    return this.buttons[0];
  }

  private button(decision: 'allow' | 'deny' | 'always', label: string, kind: 'primary' | 'secondary', codicon: string): HTMLButtonElement {
    const b = h('button', { type: 'button', class: `button ${kind}`, 'data-decision': decision }, icon(codicon), label);
    b.addEventListener('click', () => {
      if (this.settled) return;
      post({ type: 'approve', approvalId: this.approvalId, decision });
      this.settle(decision);
    });
    this.buttons.push(b);
    return b;
  }

  settle(decision: ApprovalOutcome): void {
    if (this.settled) return;
    this.settled = decision;
    const hadFocus = this.el.contains(document.activeElement);
    for (const b of this.buttons) b.disabled = true;
    this.actions.hidden = true;
    this.el.querySelector('.approval-review')?.remove();
    const labels: Record<ApprovalOutcome, [string, string]> = {
      allow: [t('approvalAllowed'), 'check'],
      always: [t('approvalAlwaysDone'), 'check-all'],
      deny: [t('approvalDenied'), 'close'],
      cancelled: [t('approvalCancelled'), 'circle-slash'],
    };
    const [label, codicon] = labels[decision];
    this.outcome.replaceChildren(icon(codicon), label);
    this.outcome.hidden = false;
    this.el.dataset.settled = decision;
    this.onSettled?.(decision);
    // The focused button disappeared: the caller moves focus somewhere sensible.
    if (hadFocus) this.el.dispatchEvent(new CustomEvent('approval-focus-lost', { bubbles: true }));
  }
}
