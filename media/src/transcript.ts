/**
 * The conversation: user messages, and per turn an assistant message made of Markdown segments, tool cards,
 * approval cards and errors, in the order they happened. Keeps the view at the bottom while it grows unless the
 * user scrolled up.
 */
import { isDrawableImage } from '../../src/shared/images';
import type { ContextMeter, Picture, TranscriptItem, TurnEvent, UsageTotals } from '../../src/shared/protocol';
import { ApprovalCard, type ApprovalMessage, type ApprovalOutcome } from './approvalCard';
import { h, icon } from './dom';
import { LiveRegion } from './live';
import { scheduler } from './stream';
import { t } from './strings';
import { ToolCard } from './toolCard';
import { Turn } from './turn';

export interface TranscriptEvents {
  /** A turn ended (done) or was dropped; `usage` is its last usage event. */
  onTurnEnd(turnId: string, stopReason: string, conversationId?: string): void;
  /** The conversation's tokens so far (and cost), at the end of each turn. */
  onTotals(totals: UsageTotals): void;
  /** How full the model's window was on the turn's last request. */
  onContext(meter: ContextMeter): void;
}

export class Transcript {
  readonly el: HTMLElement;
  readonly live = new LiveRegion();
  private readonly list = h('div', { class: 'messages' });
  private readonly welcome: HTMLElement;
  private readonly toBottom: HTMLButtonElement;
  private readonly turns = new Map<string, Turn>();
  private readonly dropped = new Set<string>();
  private pendingUser?: HTMLElement;
  private stick = true;
  private scrollQueued = false;
  private lastApprovalCard?: ApprovalCard;

  constructor(private readonly events: TranscriptEvents) {
    this.welcome = h(
      'div',
      { class: 'welcome' },
      h('div', { class: 'welcome-icon' }, icon('comment-discussion')),
      h('h2', {}, t('welcomeTitle')),
      h('p', {}, t('welcomeBody')),
    );
    this.toBottom = h('button', { type: 'button', class: 'scroll-bottom', hidden: true, title: t('scrollToBottom'), 'aria-label': t('scrollToBottom') }, icon('arrow-down'));
    this.toBottom.addEventListener('click', () => {
      this.stick = true;
      this.scrollNow();
    });
    this.el = h('main', { id: 'transcript', class: 'transcript', 'aria-label': t('conversation'), tabindex: -1 }, this.welcome, this.list);
    // Follow the answer unless the user scrolls up. Scroll events of our own scrolling arrive a frame later, when
    // more content may have been added: only a move up (which only the user makes) stops following.
    let lastTop = 0;
    this.el.addEventListener('scroll', () => {
      const top = this.el.scrollTop;
      const atBottom = this.el.scrollHeight - top - this.el.clientHeight < 24;
      if (atBottom) this.stick = true;
      else if (top < lastTop - 1) this.stick = false;
      lastTop = top;
      this.toBottom.hidden = this.stick;
    });
    // The view got shorter (a banner, a taller input) or the panel was resized: keep the bottom in view.
    new ResizeObserver(() => {
      if (this.stick) this.scrollNow();
    }).observe(this.el);
    // Scroll at the start of the next frame, when the previous frame's layout is still valid: reading
    // scrollHeight right after this frame's DOM changes would force an extra synchronous layout every frame.
    scheduler.beforeEachFrame(() => {
      if (!this.scrollQueued) return;
      this.scrollQueued = false;
      if (this.stick) this.scrollNow();
    });

    this.updateWelcome();
  }

  get scrollButton(): HTMLButtonElement {
    return this.toBottom;
  }

  /** Keep the newest content in view after this frame's DOM changes (when the user has not scrolled away). */
  follow(): void {
    if (this.scrollQueued) return;
    this.scrollQueued = true;
    scheduler.schedule(this, () => undefined);
  }

  private scrollNow(): void {
    this.el.scrollTop = this.el.scrollHeight;
    this.toBottom.hidden = true;
  }

  private updateWelcome(): void {
    this.welcome.hidden = this.list.childElementCount > 0;
  }

  private userMessage(text: string, images: Picture[] = []): HTMLElement {
    const pictures = images
      .filter(isDrawableImage)
      .map((i, n) => h('img', { class: 'user-image', src: `data:${i.mimeType};base64,${i.data}`, alt: t('userImage', String(n + 1)) }));
    const bubble = h('div', { class: 'user-bubble' }, text);
    if (pictures.length) bubble.appendChild(h('div', { class: 'user-images' }, ...pictures));
    return h('article', { class: 'message user', 'aria-label': t('you') }, bubble);
  }

  /** Shows what the user sent right away; `turnStart` confirms it. */
  addPendingUser(text: string): void {
    this.pendingUser?.remove();
    this.pendingUser = this.userMessage(text);
    this.pendingUser.classList.add('pending');
    this.list.appendChild(this.pendingUser);
    this.stick = true;
    this.updateWelcome();
    this.follow();
  }

  /** The host did not start a turn for the pending message: take it back, returning its text. */
  dropPendingUser(): string | undefined {
    const el = this.pendingUser;
    if (!el) return undefined;
    this.pendingUser = undefined;
    el.remove();
    this.updateWelcome();
    return el.textContent ?? undefined;
  }

  get hasPending(): boolean {
    return this.pendingUser !== undefined;
  }

  startTurn(turnId: string, userText: string, images?: Picture[]): void {
    scheduler.flush();
    const user = this.userMessage(userText, images);
    if (this.pendingUser) {
      this.pendingUser.replaceWith(user);
      this.pendingUser = undefined;
    } else {
      this.list.appendChild(user);
    }
    this.finishOpenTurns();
    const turn = new Turn(turnId, true, this);
    this.turns.set(turnId, turn);
    this.list.appendChild(turn.el);
    this.stick = true;
    this.updateWelcome();
    this.follow();
  }

  private turnFor(turnId: string): Turn | undefined {
    if (this.dropped.has(turnId)) return undefined;
    let turn = this.turns.get(turnId);
    if (!turn) {
      // Events of a turn that began before this view (re)loaded.
      turn = new Turn(turnId, true, this);
      this.turns.set(turnId, turn);
      this.list.appendChild(turn.el);
      this.updateWelcome();
    }
    return turn;
  }

  event(turnId: string, ev: TurnEvent): void {
    if (ev.type === 'done') {
      const turn = this.dropped.has(turnId) ? undefined : this.turns.get(turnId);
      turn?.event(ev);
      this.events.onTurnEnd(turnId, ev.stopReason, ev.conversationId);
      if (ev.totals) this.events.onTotals(ev.totals);
      return;
    }
    const turn = this.turnFor(turnId);
    if (!turn) return;
    if (ev.type === 'context' && ev.meter) this.events.onContext(ev.meter);
    turn.event(ev);
  }

  /** The latest turn's error message (to skip a banner that repeats it). */
  get lastError(): string | undefined {
    const last = Array.from(this.turns.values()).pop();
    return last?.lastError;
  }

  approval(msg: ApprovalMessage): ApprovalCard | undefined {
    let turn = (msg.turnId && this.turnFor(msg.turnId)) || this.runningTurn();
    if (!turn) {
      // Not part of a turn this view shows: the question still has to be seen and answered.
      turn = new Turn(`approval-${msg.approvalId}`, false, this);
      this.turns.set(turn.id, turn);
      this.list.appendChild(turn.el);
      this.updateWelcome();
    }
    const card = new ApprovalCard(msg);
    turn.addApproval(card);
    this.live.say(t('approvalAnnounce', msg.summary || msg.tool));
    this.lastApprovalCard = card;
    return card;
  }

  approvalSettled(approvalId: string, decision: ApprovalOutcome): void {
    for (const turn of this.turns.values()) {
      const card = turn.approvals.get(approvalId);
      if (card) {
        card.settle(decision);
        turn.updateWorking();
      }
    }
  }

  /** An unsettled approval card, for focus handling. */
  get openApproval(): ApprovalCard | undefined {
    return this.lastApprovalCard && !this.lastApprovalCard.settled ? this.lastApprovalCard : undefined;
  }

  private runningTurn(): Turn | undefined {
    return Array.from(this.turns.values())
      .reverse()
      .find((tr) => tr.running);
  }

  private finishOpenTurns(): void {
    for (const turn of this.turns.values()) if (turn.running) turn.finish('cancelled');
  }

  /** Replaces everything with a stored conversation (empty for a new chat). */
  show(items: TranscriptItem[]): void {
    scheduler.flush();
    for (const id of this.turns.keys()) this.dropped.add(id);
    for (const turn of this.turns.values()) {
      for (const card of turn.tools.values()) card.cancel();
    }
    this.turns.clear();
    this.pendingUser = undefined;
    this.lastApprovalCard = undefined;
    this.list.replaceChildren();
    this.live.clear();
    let turn: Turn | undefined;
    let n = 0;
    const close = (): void => {
      turn?.settleStatic();
      turn = undefined;
    };
    for (const item of items) {
      if (item.kind === 'user') {
        close();
        this.list.appendChild(this.userMessage(item.text, item.images));
        continue;
      }
      if (item.kind === 'note') {
        close();
        this.list.appendChild(h('div', { class: 'context-note', role: 'note' }, icon('fold'), h('span', {}, item.text)));
        continue;
      }
      if (!turn) {
        n += 1;
        turn = new Turn(`stored-${n}`, false, this);
        this.list.appendChild(turn.el);
      }
      if (item.kind === 'assistant') {
        if (item.reasoning) turn.addStoredReasoning(item.reasoning);
        if (item.text) turn.addText(item.text, true);
        // Each stored assistant message is its own segment.
        turn.endSegment();
      } else {
        const card = new ToolCard({ id: item.id, name: item.name, arguments: item.arguments, live: false });
        if (item.result !== undefined) card.result(item.result, item.isError ?? false);
        else card.interrupted();
        turn.addTool(card);
      }
    }
    close();
    this.stick = true;
    this.updateWelcome();
    this.follow();
  }
}
