/**
 * The conversation: user messages, and per turn an assistant message made of Markdown segments, tool cards,
 * approval cards and errors, in the order they happened. Keeps the view at the bottom while it grows unless the
 * user scrolled up.
 */
import type { BannerAction, ContextMeter, Picture, TranscriptItem, TurnEvent, UsageTotals } from '../../src/shared/protocol';
import { ApprovalCard, type ApprovalMessage, type ApprovalOutcome } from './approvalCard';
import { actionButton } from './banners';
import { h, icon, spinner } from './dom';
import { formatNumber } from './format';
import { LiveRegion } from './live';
import { MarkdownStream, scheduler } from './stream';
import { t } from './strings';
import { markRestorable } from './checkpoints';
import { ThinkingBlock } from './thinking';
import { ToolCard } from './toolCard';
import { post } from './vscode';

type Usage = Extract<TurnEvent, { type: 'usage' }>;

export interface TranscriptEvents {
  /** A turn ended (done) or was dropped; `usage` is its last usage event. */
  onTurnEnd(turnId: string, stopReason: string, conversationId?: string): void;
  /** The conversation's tokens so far (and cost), at the end of each turn. */
  onTotals(totals: UsageTotals): void;
  /** How full the model's window was on the turn's last request. */
  onContext(meter: ContextMeter): void;
}

/** One assistant answer: what the model said and did during a turn. */
class Turn {
  readonly el: HTMLElement;
  private readonly body = h('div', { class: 'assistant-body' });
  private readonly working = h('div', { class: 'working', hidden: true }, spinner(), h('span', {}, t('working')));
  private readonly footer = h('div', { class: 'message-footer', hidden: true });
  private readonly segments: MarkdownStream[] = [];
  private stream?: MarkdownStream;
  /** The thinking block that is still streaming, if any. */
  private thinking?: ThinkingBlock;
  readonly tools = new Map<string, ToolCard>();
  readonly approvals = new Map<string, ApprovalCard>();
  running: boolean;
  lastError?: string;
  private usage?: Usage;

  constructor(
    readonly id: string,
    live: boolean,
    private readonly transcript: Transcript,
  ) {
    this.running = live;
    this.el = h('article', { class: 'message assistant', 'aria-label': t('assistant'), 'data-turn-id': id }, this.body, this.working, this.footer);
    this.updateWorking();
  }

  /** The whole answer's Markdown (segments between tool calls joined by a blank line). */
  get text(): string {
    return this.segments.map((s) => s.source).join('\n\n');
  }

  /** A reasoning delta: into the open thinking block, or a new one (after text or a tool call, thinking starts afresh). */
  addReasoning(delta: string): void {
    if (!this.thinking) {
      this.endSegment();
      const block = new ThinkingBlock();
      block.onRender = () => this.transcript.follow();
      this.thinking = block;
      this.body.appendChild(block.el);
      this.updateWorking();
    }
    this.thinking.append(delta);
  }

  /** Stored thinking, folded. */
  addStoredReasoning(text: string): void {
    this.endSegment();
    this.body.appendChild(new ThinkingBlock(text).el);
  }

  /** The model moved on from thinking (answer text, a tool call, the end): fold the block. */
  private endThinking(): void {
    if (!this.thinking) return;
    this.thinking.finish();
    this.thinking = undefined;
  }

  addText(delta: string, final = false): void {
    this.endThinking();
    if (this.stream && !final) {
      // The hot path (every token): no DOM work here, the stream renders on the next frame.
      this.stream.append(delta);
      return;
    }
    if (!this.stream) {
      const stream = final ? new MarkdownStream(delta) : new MarkdownStream();
      stream.onBlocks = (spoken) => this.transcript.live.say(spoken);
      stream.onRender = () => this.transcript.follow();
      this.segments.push(stream);
      this.body.appendChild(stream.el);
      this.stream = stream;
      if (final) return;
    }
    this.stream.append(delta);
    this.updateWorking();
  }

  endSegment(): void {
    this.endThinking();
    this.stream?.finish();
    this.stream = undefined;
  }

  addTool(card: ToolCard): void {
    this.endSegment();
    this.tools.set(card.id, card);
    this.body.appendChild(card.el);
    this.updateWorking();
  }

  addApproval(card: ApprovalCard): void {
    this.endSegment();
    // Next to the call it is about: that call's card by id; for hosts that give no id, the latest running card of
    // that tool.
    const target =
      (card.callId ? this.tools.get(card.callId) : undefined) ??
      Array.from(this.tools.values())
        .reverse()
        .find((c) => c.name === card.tool && (c.status === 'running' || c.status === 'waiting'));
    if (target) {
      target.setWaiting(true);
      target.el.insertAdjacentElement('afterend', card.el);
      card.onSettled = (o) => {
        target.setWaiting(false);
        if (o === 'deny' || o === 'cancelled') this.updateWorking();
      };
    } else {
      this.body.appendChild(card.el);
    }
    this.approvals.set(card.approvalId, card);
    this.updateWorking();
  }

  /** Something the agent did about the context window (a compaction, a window learned), said once, quietly. */
  addNote(message: string): void {
    this.endSegment();
    this.body.appendChild(h('div', { class: 'context-note', role: 'note' }, icon('fold'), h('span', {}, message)));
  }

  addError(message: string, actions: BannerAction[] = []): void {
    this.endSegment();
    this.lastError = message;
    this.body.appendChild(
      h(
        'div',
        { class: 'turn-error', role: 'alert' },
        icon('error'),
        h('div', { class: 'turn-error-body' }, h('div', { class: 'turn-error-message' }, message), actions.length ? h('div', { class: 'turn-error-actions' }, ...actions.map((a) => actionButton(a))) : null),
      ),
    );
    this.updateWorking();
  }

  event(ev: TurnEvent): void {
    switch (ev.type) {
      case 'text':
        this.addText(ev.delta);
        return;
      case 'reasoning':
        this.addReasoning(ev.delta);
        return;
      case 'tool_call': {
        const card = new ToolCard({ id: ev.id, name: ev.name, server: ev.server, arguments: ev.arguments, live: true });
        this.addTool(card);
        this.transcript.live.say(t('toolStarted', card.displayName));
        return;
      }
      case 'progress':
        this.tools.get(ev.id)?.progress(ev.progress, ev.total, ev.message);
        return;
      case 'tool_result': {
        let card = this.tools.get(ev.id);
        if (!card) {
          // Its tool_call came before this view loaded.
          card = new ToolCard({ id: ev.id, name: ev.name, arguments: '', live: false });
          this.addTool(card);
        }
        card.result(ev.content, ev.isError, ev.durationMs, ev.truncated);
        if (ev.change) card.showChange(ev.change);
        if (ev.images?.length) card.showImages(ev.images);
        this.transcript.live.say(t(ev.isError ? 'toolFailedAnnounce' : 'toolFinished', card.displayName));
        this.updateWorking();
        return;
      }
      case 'usage':
        this.usage = ev;
        return;
      case 'context':
        if (ev.note) this.addNote(ev.note);
        return;
      case 'checkpoint':
        markRestorable(this.el.previousElementSibling, ev.id);
        return;
      case 'error':
        this.addError(ev.message, ev.actions);
        return;
      case 'done':
        this.finish(ev.stopReason);
        return;
    }
  }

  finish(stopReason: string): void {
    this.endSegment();
    for (const s of this.segments) s.finish();
    this.running = false;
    for (const card of this.tools.values()) card.cancel();
    for (const card of this.approvals.values()) card.settle('cancelled');
    if (stopReason === 'cancelled') this.body.appendChild(h('div', { class: 'turn-note' }, icon('debug-stop'), t('stopped')));
    else if (stopReason === 'round-cap') this.body.appendChild(h('div', { class: 'turn-note' }, icon('warning'), t('roundCap')));
    this.renderFooter();
    this.updateWorking();
    this.transcript.live.say(t('answerDone'));
  }

  /** A stored answer: no clock, no spinner. */
  settleStatic(): void {
    this.endSegment();
    this.running = false;
    this.renderFooter();
    this.updateWorking();
  }

  private renderFooter(): void {
    const text = this.text;
    const parts: HTMLElement[] = [];
    if (text.trim()) {
      const copy = h('button', { type: 'button', class: 'icon-button message-copy', title: t('copyMessage'), 'aria-label': t('copyMessage') }, icon('copy'));
      copy.addEventListener('click', () => {
        post({ type: 'copy', text: this.text });
        copy.replaceChildren(icon('check'));
        copy.title = t('copied');
        setTimeout(() => {
          copy.replaceChildren(icon('copy'));
          copy.title = t('copyMessage');
        }, 1500);
      });
      parts.push(copy);
    }
    if (this.usage) {
      const u = this.usage;
      parts.push(h('span', { class: 'message-usage', title: t('tokensDetail', formatNumber(u.promptTokens), formatNumber(u.completionTokens), formatNumber(u.totalTokens)) }, t('tokens', formatNumber(u.totalTokens))));
    }
    this.footer.replaceChildren(...parts);
    this.footer.hidden = parts.length === 0;
  }

  updateWorking(): void {
    let busy = !this.running || !!this.stream || !!this.thinking;
    if (!busy) for (const c of this.tools.values()) if (c.status === 'running' || c.status === 'waiting') busy = true;
    if (!busy) for (const c of this.approvals.values()) if (!c.settled) busy = true;
    // "Working…" while the model thinks: not while text streams in, a tool card spins, or an approval waits.
    if (this.working.hidden !== busy) this.working.hidden = busy;
    this.transcript.follow();
  }
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
      .filter((i) => /^image\/(png|jpeg|gif|webp)$/i.test(i.mimeType) && /^[A-Za-z0-9+/]+=*$/.test(i.data))
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
