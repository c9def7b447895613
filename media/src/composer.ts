/**
 * The input: a growing textarea (Enter sends, Shift+Enter adds a line, Enter while an IME composes is left to the
 * IME), Send that becomes Stop while a turn runs, and the model and last answer's token count under it.
 */
import type { TurnEvent } from '../../src/shared/protocol';
import { append, h, icon, uid } from './dom';
import { formatCompact, formatNumber } from './format';
import { t } from './strings';
import { loadState, post, saveState } from './vscode';

type Usage = Extract<TurnEvent, { type: 'usage' }>;

const MAX_CHARS = 200_000;

export class Composer {
  readonly el: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  readonly sendButton: HTMLButtonElement;
  private readonly modelButton: HTMLButtonElement;
  private readonly usageEl = h('span', { class: 'usage', hidden: true });
  private readonly hint: HTMLElement;
  private running = false;
  private composing = false;
  private saveTimer?: ReturnType<typeof setTimeout>;
  /** The user sent `text` (not called while a turn runs). */
  onSend?: (text: string) => void;

  constructor() {
    const hintId = uid('input-hint');
    this.hint = h('span', { class: 'sr-only', id: hintId }, t('inputHint'));
    this.textarea = h('textarea', { class: 'input', rows: 1, placeholder: t('inputPlaceholder'), 'aria-label': t('inputLabel'), 'aria-describedby': hintId, maxlength: MAX_CHARS, spellcheck: 'true' });
    this.sendButton = h('button', { type: 'button', class: 'send-button' });
    this.modelButton = h('button', { type: 'button', class: 'model-chip' });
    this.modelButton.addEventListener('click', () => post({ type: 'action', action: 'openSettings' }));
    this.el = h(
      'div',
      { class: 'composer' },
      this.hint,
      h('div', { class: 'input-box' }, this.textarea, h('div', { class: 'input-toolbar' }, this.modelButton, this.usageEl, h('span', { class: 'spacer' }), this.sendButton)),
    );

    this.textarea.addEventListener('compositionstart', () => (this.composing = true));
    this.textarea.addEventListener('compositionend', () => (this.composing = false));
    this.textarea.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.textarea.addEventListener('input', () => {
      this.autosize();
      this.paintButton();
      this.queueSave();
    });
    this.sendButton.addEventListener('click', () => {
      if (this.running) post({ type: 'stop' });
      else this.submit();
    });

    // The view can be hidden (and destroyed) any moment: keep the draft.
    window.addEventListener('pagehide', () => this.saveNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.saveNow();
    });

    const draft = loadState().draft;
    if (draft) this.textarea.value = draft;
    this.setModel('', '');
    this.paintButton();
    requestAnimationFrame(() => this.autosize());
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.key !== 'Enter' || e.shiftKey || e.altKey) return;
    // Enter that confirms an IME composition (e.g. pinyin to Hanzi) is not a send.
    if (e.isComposing || this.composing || e.keyCode === 229) return;
    e.preventDefault();
    this.submit();
  }

  private submit(): void {
    const text = this.textarea.value;
    if (this.running || !text.trim()) return;
    this.setText('');
    this.onSend?.(text);
  }

  /** Puts `text` in the box (cursor at the end), replacing what was there. */
  setText(text: string): void {
    this.textarea.value = text;
    this.textarea.setSelectionRange(text.length, text.length);
    this.autosize();
    this.paintButton();
    this.saveNow();
  }

  focus(): void {
    this.textarea.focus();
  }

  get isRunning(): boolean {
    return this.running;
  }

  setRunning(running: boolean): void {
    this.running = running;
    this.el.classList.toggle('running', running);
    this.paintButton();
  }

  setModel(provider: string, model: string): void {
    const label = model || provider;
    this.modelButton.replaceChildren();
    append(
      this.modelButton,
      icon('sparkle'),
      h('span', { class: 'model-name' }, label || t('noModel')),
      model && provider ? h('span', { class: 'model-provider' }, provider) : null,
    );
    const full = [provider, model].filter(Boolean).join(' · ');
    this.modelButton.title = full ? t('model', full) : t('noModel');
    this.modelButton.setAttribute('aria-label', this.modelButton.title);
  }

  setUsage(u: Usage | undefined): void {
    if (!u) {
      this.usageEl.hidden = true;
      return;
    }
    this.usageEl.hidden = false;
    this.usageEl.textContent = t('tokens', formatCompact(u.totalTokens));
    this.usageEl.title = t('tokensDetail', formatNumber(u.promptTokens), formatNumber(u.completionTokens), formatNumber(u.totalTokens));
  }

  private paintButton(): void {
    const b = this.sendButton;
    if (this.running) {
      b.replaceChildren(icon('primitive-square'));
      b.title = t('stop');
      b.setAttribute('aria-label', t('stop'));
      b.classList.add('stop');
      b.disabled = false;
    } else {
      b.replaceChildren(icon('send'));
      b.title = t('send');
      b.setAttribute('aria-label', t('send'));
      b.classList.remove('stop');
      b.disabled = !this.textarea.value.trim();
    }
  }

  private autosize(): void {
    const ta = this.textarea;
    ta.style.height = 'auto';
    ta.style.height = `${Math.min(ta.scrollHeight, 240)}px`;
  }

  private queueSave(): void {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(), 250);
  }

  private saveNow(): void {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    saveState({ draft: this.textarea.value });
  }

  relabel(): void {
    this.textarea.placeholder = t('inputPlaceholder');
    this.textarea.setAttribute('aria-label', t('inputLabel'));
    this.hint.textContent = t('inputHint');
    this.paintButton();
  }
}
