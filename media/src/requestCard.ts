/**
 * The frame every server-request card shares (sampling, answer review, elicitation): a head naming the server, a
 * body, a row of buttons, and the outcome once settled (by a click here, by the host, or cancelled by the server).
 */
import type { ServerRequestOutcome } from '../../src/shared/protocol';
import { h, icon, uid } from './dom';
import { t, type StringKey } from './strings';
import { post } from './vscode';

export type ReplyAction = 'approve' | 'trust' | 'deny' | 'send' | 'discard' | 'accept' | 'decline' | 'cancel' | 'open';

const OUTCOMES: Record<ServerRequestOutcome, [StringKey, string]> = {
  approved: ['requestApproved', 'check'],
  trusted: ['requestTrusted', 'check-all'],
  denied: ['requestDenied', 'close'],
  sent: ['requestSent', 'check'],
  discarded: ['requestDiscarded', 'trash'],
  accepted: ['requestAccepted', 'check'],
  declined: ['requestDeclined', 'close'],
  cancelled: ['requestCancelled', 'circle-slash'],
  opened: ['requestOpened', 'link-external'],
  failed: ['requestFailed', 'error'],
};

export class RequestCard {
  readonly el: HTMLElement;
  readonly body = h('div', { class: 'request-body' });
  settled?: ServerRequestOutcome;
  private readonly actions = h('div', { class: 'approval-actions request-actions' });
  private readonly outcome = h('div', { class: 'approval-outcome request-outcome', hidden: true });
  private readonly buttons: HTMLButtonElement[] = [];
  /** Asked before a button's reply is posted; false keeps the card open (e.g. a form with errors). */
  beforeReply?: (action: ReplyAction) => { ok: boolean; values?: Record<string, string | number | boolean | string[]> };

  constructor(
    readonly requestId: string,
    readonly kind: string,
    codicon: string,
    title: string,
    server: string,
  ) {
    const titleId = uid('request');
    this.el = h(
      'div',
      { class: `approval-card request-card request-${kind}`, role: 'group', 'aria-labelledby': titleId, 'data-request-id': requestId, 'data-kind': kind },
      h('div', { class: 'approval-head' }, icon(codicon), h('span', { class: 'approval-title', id: titleId }, title), h('span', { class: 'approval-tool request-server', title: t('requestFrom', server) }, server)),
      this.body,
      this.actions,
      this.outcome,
    );
  }

  get primaryButton(): HTMLButtonElement | undefined {
    return this.buttons.find((b) => !b.disabled);
  }

  /** A button that answers the request with `action`. */
  addButton(action: ReplyAction, label: string, kind: 'primary' | 'secondary', codicon: string, hint?: string): HTMLButtonElement {
    const b = h('button', { type: 'button', class: `button ${kind}`, 'data-action': action, title: hint }, icon(codicon), label);
    b.addEventListener('click', () => this.reply(action));
    this.buttons.push(b);
    this.actions.appendChild(b);
    return b;
  }

  reply(action: ReplyAction): void {
    if (this.settled || this.el.dataset.busy) return;
    const check = this.beforeReply?.(action) ?? { ok: true };
    if (!check.ok) return;
    post({ type: 'serverRequestReply', requestId: this.requestId, action, ...(check.values ? { values: check.values } : {}) });
    // Wait for the host's verdict (it validates again, or confirms before opening a link).
    this.setBusy(true);
  }

  setBusy(busy: boolean): void {
    if (busy) this.el.dataset.busy = 'true';
    else delete this.el.dataset.busy;
    for (const b of this.buttons) b.disabled = busy || !!b.dataset.unavailable;
  }

  settle(outcome: ServerRequestOutcome, detail?: string): void {
    if (this.settled) return;
    this.settled = outcome;
    const hadFocus = this.el.contains(document.activeElement);
    this.setBusy(false);
    for (const b of this.buttons) b.disabled = true;
    for (const c of this.el.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select, textarea')) c.disabled = true;
    this.actions.hidden = true;
    const [label, codicon] = OUTCOMES[outcome];
    this.outcome.replaceChildren(icon(codicon), detail ? `${t(label)}: ${detail}` : t(label));
    this.outcome.hidden = false;
    this.el.dataset.settled = outcome;
    if (hadFocus) this.el.dispatchEvent(new CustomEvent('approval-focus-lost', { bubbles: true }));
  }
}
