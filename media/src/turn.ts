/** One assistant answer in the transcript: Markdown segments, thinking, tool and approval cards, errors and notes. */
import type { Transcript } from './transcript';
import type { BannerAction, TurnEvent } from '../../src/shared/protocol';
import { ApprovalCard } from './approvalCard';
import { actionButton } from './banners';
import { h, icon, spinner } from './dom';
import { formatNumber } from './format';
import { MarkdownStream } from './stream';
import { t } from './strings';
import { markRestorable } from './checkpoints';
import { ThinkingBlock } from './thinking';
import { ToolCard } from './toolCard';
import { post } from './vscode';

type Usage = Extract<TurnEvent, { type: 'usage' }>;

/** One assistant answer: what the model said and did during a turn. */
export class Turn {
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
