/**
 * Requests servers make of the user (sampling, elicitation), which can arrive during a turn or at any time: each
 * becomes a card at the end of the conversation. Unanswered cards survive a conversation switch (they are put back
 * at the end) and a reload of the view (the host sends them again; a card already shown is not duplicated).
 */
import type { HostMessage } from '../../src/shared/protocol';
import { h } from './dom';
import { ElicitationForm, urlCard } from './elicitationCard';
import { RequestCard } from './requestCard';
import { reviewCard, samplingCard } from './samplingCard';
import { t } from './strings';

type Msg = Extract<HostMessage, { type: 'serverRequest' | 'serverRequestSettled' | 'serverRequestErrors' }>;

export interface RequestHost {
  /** The list the conversation's messages are in. */
  list(): HTMLElement;
  /** The turn running now, if any (its cards go into it, next to the server's tool call). */
  runningTurnId(): string | undefined;
  /** Keep the newest content in view. */
  follow(): void;
  say(text: string): void;
  /** Whether the user is typing (focus then stays where it is). */
  busyTyping(): boolean;
}

export class ServerRequests {
  private readonly cards = new Map<string, { card: RequestCard; form?: ElicitationForm; wrap: HTMLElement }>();

  constructor(private readonly host: RequestHost) {}

  get open(): RequestCard | undefined {
    return Array.from(this.cards.values())
      .map((c) => c.card)
      .reverse()
      .find((c) => !c.settled);
  }

  /** Handles the message when it is one of ours; false otherwise. */
  handle(msg: HostMessage): boolean {
    if (msg.type !== 'serverRequest' && msg.type !== 'serverRequestSettled' && msg.type !== 'serverRequestErrors') return false;
    this.onMessage(msg);
    return true;
  }

  private onMessage(msg: Msg): void {
    switch (msg.type) {
      case 'serverRequest': {
        if (this.cards.has(msg.requestId)) {
          // Sent again after the view reloaded: it is already here.
          return;
        }
        const r = msg.request;
        let form: ElicitationForm | undefined;
        let card: RequestCard;
        if (r.kind === 'sampling') card = samplingCard(msg.requestId, r);
        else if (r.kind === 'samplingReview') card = reviewCard(msg.requestId, r);
        else if (r.kind === 'elicitation') card = (form = new ElicitationForm(msg.requestId, r)).card;
        else card = urlCard(msg.requestId, r);
        const wrap = h('article', { class: 'message server-request', 'aria-label': t('requestFrom', r.server) }, card.el);
        this.cards.set(msg.requestId, { card, form, wrap });
        this.place(wrap, r.server);
        this.host.say(t('requestAnnounce', r.server, card.el.querySelector('.approval-title')?.textContent ?? ''));
        this.host.follow();
        if (!this.host.busyTyping()) (card.el.querySelector<HTMLElement>('input:not([type=checkbox]), select') ?? card.primaryButton)?.focus({ preventScroll: true });
        return;
      }
      case 'serverRequestSettled':
        this.cards.get(msg.requestId)?.card.settle(msg.outcome, msg.detail);
        this.host.follow();
        return;
      case 'serverRequestErrors': {
        const entry = this.cards.get(msg.requestId);
        if (entry?.form) entry.form.showErrors(msg.errors ?? {});
        else entry?.card.setBusy(false);
        return;
      }
    }
  }

  /**
   * Into the running turn, after the server's running tool call (and its approval) when there is one, so the
   * answer that follows comes after it; else at the end of the conversation.
   */
  private place(wrap: HTMLElement, server: string): void {
    const turnId = this.host.runningTurnId();
    const list = this.host.list();
    const body = turnId ? Array.from(list.querySelectorAll<HTMLElement>('.message.assistant')).find((t) => t.dataset.turnId === turnId)?.querySelector('.assistant-body') : null;
    if (!body) {
      list.appendChild(wrap);
      return;
    }
    const calls = Array.from(body.querySelectorAll<HTMLElement>('.tool-card')).filter(
      (c) => (c.dataset.status === 'running' || c.dataset.status === 'waiting') && c.querySelector('.tool-server')?.textContent === server,
    );
    let after = calls.at(-1);
    if (!after) {
      body.appendChild(wrap);
      return;
    }
    while (after.nextElementSibling instanceof HTMLElement && after.nextElementSibling.matches('.approval-card, .server-request')) after = after.nextElementSibling;
    after.insertAdjacentElement('afterend', wrap);
  }

  /** The conversation was replaced: unanswered cards go back at its end; answered ones went with the old one. */
  reattach(): void {
    for (const [id, entry] of this.cards) {
      if (entry.card.settled) {
        if (!entry.wrap.isConnected) this.cards.delete(id);
        continue;
      }
      if (!entry.wrap.isConnected) this.host.list().appendChild(entry.wrap);
    }
    this.host.follow();
  }
}
