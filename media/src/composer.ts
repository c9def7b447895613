/** `@word` just before the caret (at the start or after a space): the resource picker's query. */
const MENTION = /(?:^|\s)@([^\s@]*)$/;
/** `/word` as the whole input: the prompt picker's query. */
const SLASH = /^\/(\S*)$/;

/**
 * The input: a growing textarea (Enter sends, Shift+Enter adds a line, Enter while an IME composes is left to the
 * IME), Send that becomes Stop while a turn runs, and the model and last answer's token count under it.
 */
import { IMAGE_MIME_TYPES } from '../../src/shared/images';
import { isImageAttachment, type ComposerAttachment, type ContextMeter, type UsageTotals, type WatchedResourceItem } from '../../src/shared/protocol';
import { imageFiles, toImageAttachment } from './imageInput';
import { Catalog } from './catalog';
import { append, h, icon, iconButton, uid } from './dom';
import { formatCompact, formatCost, formatNumber } from './format';
import { attachmentFor, resourceItems } from './mentionPicker';
import { Picker, type PickerItem } from './picker';
import { promptItems, promptRunFor, type PromptRun } from './slashCommands';
import { t } from './strings';
import { loadState, post, saveState } from './vscode';


const MAX_CHARS = 200_000;

export class Composer {
  readonly el: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  readonly sendButton: HTMLButtonElement;
  private readonly modelButton: HTMLButtonElement;
  private readonly instructionsEl: HTMLElement;
  private readonly usageEl = h('span', { class: 'usage', hidden: true });
  /** How full the model's window is: a bar and "5.1k / 13k", the breakdown in its tooltip. */
  private readonly contextFill = h('span', { class: 'context-fill' });
  private readonly contextLabel = h('span', { class: 'context-label' });
  private readonly contextEl = h('span', { class: 'context-meter', role: 'meter', 'aria-valuemin': '0', hidden: true }, h('span', { class: 'context-bar', 'aria-hidden': 'true' }, this.contextFill), this.contextLabel);
  private readonly compactButton = iconButton('fold', t('compact'), { class: 'icon-button compact-button', hidden: true });
  private readonly hint: HTMLElement;
  private running = false;
  private composing = false;
  private saveTimer?: ReturnType<typeof setTimeout>;
  /** The user sent `text` with resources attached from the `@` picker (not called while a turn runs). */
  onSend?: (text: string, attachments: ComposerAttachment[]) => void;
  /** The user sent while a turn runs: the message waits for the turn to end. */
  onQueue?: (text: string, attachments: ComposerAttachment[]) => void;
  /** A picture could not be attached (the message says why). */
  onAttachError?: (message: string) => void;
  /** Send while a turn runs (queues); the send button is Stop then. */
  readonly queueButton: HTMLButtonElement;
  /** The user dismissed a changed resource: stop watching it. */
  onUnwatch?: (server: string, uri: string) => void;
  /** The user picked a server prompt from the `/` menu and gave its arguments. */
  onRunPrompt?: (run: PromptRun) => void;
  readonly catalog = new Catalog();
  readonly picker = new Picker('composer-picker');
  private pickerMode?: { kind: '@' | '/'; start: number };
  private attachments: ComposerAttachment[] = [];
  private readonly chips = h('div', { class: 'attachment-chips', hidden: true, role: 'list', 'aria-label': t('attachments') });
  /** Attached resources (of earlier messages) that changed: their current contents go with the next message. */
  private readonly watchedChips = h('div', { class: 'attachment-chips watched-chips', hidden: true, role: 'list', 'aria-label': t('watchedList') });
  private readonly attachButton: HTMLButtonElement;
  private readonly pictureButton: HTMLButtonElement;
  private readonly pictureInput: HTMLInputElement;

  constructor() {
    const hintId = uid('input-hint');
    this.hint = h('span', { class: 'sr-only', id: hintId }, t('inputHint'));
    this.textarea = h('textarea', { class: 'input', rows: 1, placeholder: t('inputPlaceholder'), 'aria-label': t('inputLabel'), 'aria-describedby': hintId, maxlength: MAX_CHARS, spellcheck: 'true' });
    this.sendButton = h('button', { type: 'button', class: 'send-button' });
    this.modelButton = h('button', { type: 'button', class: 'model-chip' });
    this.instructionsEl = h('span', { class: 'instructions-chip', hidden: true });
    this.modelButton.addEventListener('click', () => post({ type: 'action', action: 'openSettings' }));
    this.attachButton = iconButton('mention', t('attachResource'), { class: 'icon-button attach-button' });
    this.attachButton.addEventListener('click', () => this.startMention());
    // Pictures from disk: a button that opens the file picker (the input itself stays out of sight and tab order).
    this.pictureInput = h('input', { type: 'file', class: 'picture-input', accept: IMAGE_MIME_TYPES.join(','), multiple: true, hidden: true, tabindex: -1 });
    this.pictureInput.addEventListener('change', () => {
      const files = imageFiles(this.pictureInput.files);
      this.pictureInput.value = '';
      if (files.length) void this.addImages(files);
    });
    this.pictureButton = iconButton('file-media', t('attachPicture'), { class: 'icon-button picture-button' });
    this.pictureButton.addEventListener('click', () => this.pictureInput.click());
    this.queueButton = iconButton('send', t('queueSend'), { class: 'icon-button queue-button', hidden: true });
    this.queueButton.addEventListener('click', () => this.submit());
    this.compactButton.addEventListener('click', () => post({ type: 'compact' }));
    this.el = h(
      'div',
      { class: 'composer' },
      this.hint,
      this.picker.el,
      h('div', { class: 'input-box' }, this.watchedChips, this.chips, this.textarea, h('div', { class: 'input-toolbar' }, this.modelButton, this.instructionsEl, this.usageEl, this.contextEl, h('span', { class: 'spacer' }), this.compactButton, this.pictureButton, this.pictureInput, this.attachButton, this.queueButton, this.sendButton)),
    );
    this.textarea.setAttribute('aria-controls', this.picker.listId);
    this.catalog.onChange = () => this.updatePicker();
    this.picker.onPick = (item) => void this.onPicked(item);
    this.picker.onClose = () => {
      this.pickerMode = undefined;
      this.textarea.removeAttribute('aria-activedescendant');
      this.textarea.setAttribute('aria-expanded', 'false');
    };

    // Pictures pasted or dropped into the input become chips (scaled down when large).
    this.textarea.addEventListener('paste', (e) => {
      const files = imageFiles(e.clipboardData?.items);
      if (!files.length) return;
      e.preventDefault();
      void this.addImages(files);
    });
    this.el.addEventListener('dragover', (e) => {
      if (Array.from(e.dataTransfer?.types ?? []).includes('Files')) e.preventDefault();
    });
    this.el.addEventListener('drop', (e) => {
      const files = imageFiles(e.dataTransfer?.files);
      if (!files.length) return;
      e.preventDefault();
      void this.addImages(files);
    });

    this.textarea.addEventListener('compositionstart', () => (this.composing = true));
    this.textarea.addEventListener('compositionend', () => (this.composing = false));
    this.textarea.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.textarea.addEventListener('input', () => {
      this.autosize();
      this.paintButton();
      this.queueSave();
      if (!this.composing) this.updatePicker();
    });
    this.textarea.addEventListener('blur', () => {
      // Leaving for the picker's own form (a template's variables, a prompt's arguments) keeps it open.
      setTimeout(() => {
        if (!this.picker.inForm && !this.picker.el.contains(document.activeElement)) this.picker.close();
      }, 150);
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
    if (this.picker.isOpen && !this.picker.inForm && !e.isComposing && !this.composing) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        this.picker.move(e.key === 'ArrowDown' ? 1 : -1);
        this.markActive();
        e.preventDefault();
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        this.picker.pick();
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.picker.close();
        return;
      }
    }
    if (e.key === 'Backspace' && this.textarea.selectionStart === 0 && this.textarea.selectionEnd === 0 && this.attachments.length) {
      // Backspace at the very start removes the last chip, as in other chat inputs.
      this.removeAttachment(this.attachments.length - 1);
      e.preventDefault();
      return;
    }
    if (e.key !== 'Enter' || e.shiftKey || e.altKey) return;
    // Enter that confirms an IME composition (e.g. pinyin to Hanzi) is not a send.
    if (e.isComposing || this.composing || e.keyCode === 229) return;
    e.preventDefault();
    this.submit();
  }

  private submit(): void {
    const text = this.textarea.value;
    if (!text.trim() || (this.running && !this.onQueue)) return;
    this.picker.close();
    const attachments = this.attachments;
    this.setText('');
    this.setAttachments([]);
    if (this.running) this.onQueue?.(text, attachments);
    else this.onSend?.(text, attachments);
  }

  // -------------------------------------------------------------------------------------------------------------
  // `@` resources and `/` prompts

  /** Opens the resource picker as if `@` had been typed at the caret. */
  startMention(): void {
    const ta = this.textarea;
    const at = ta.selectionStart;
    const before = ta.value.slice(0, at);
    const insert = before === '' || /\s$/.test(before) ? '@' : ' @';
    ta.setRangeText(insert, at, ta.selectionEnd, 'end');
    ta.focus();
    this.updatePicker();
  }

  private updatePicker(): void {
    const ta = this.textarea;
    const caret = ta.selectionStart;
    const before = ta.value.slice(0, caret);
    const slash = ta.selectionStart === ta.value.length ? SLASH.exec(ta.value) : null;
    const mention = slash ? null : MENTION.exec(before);
    if (!slash && !mention) {
      if (!this.picker.inForm) this.picker.close();
      return;
    }
    const opening = !this.picker.isOpen;
    if (opening) this.catalog.refresh();
    if (slash) {
      this.pickerMode = { kind: '/', start: 0 };
      const items = promptItems(this.catalog, slash[1]);
      this.picker.show(t('promptsTitle'), items, this.emptyText('/', items, slash[1]));
    } else if (mention) {
      const query = mention[1];
      this.pickerMode = { kind: '@', start: caret - query.length - 1 };
      const items = resourceItems(this.catalog, query);
      this.picker.show(t('resourcesTitle'), items, this.emptyText('@', items, query));
    }
    this.textarea.setAttribute('aria-expanded', 'true');
    this.markActive();
  }

  private emptyText(kind: '@' | '/', items: PickerItem[], query: string): string {
    if (items.length) return '';
    if (!this.catalog.loaded) return t('pickerLoading');
    if (query) return t('pickerNoMatch');
    return kind === '@' ? t('pickerEmptyResources') : t('pickerEmptyPrompts');
  }

  private markActive(): void {
    const id = this.picker.activeId;
    if (id) this.textarea.setAttribute('aria-activedescendant', id);
    else this.textarea.removeAttribute('aria-activedescendant');
  }

  private async onPicked(item: PickerItem): Promise<void> {
    const mode = this.pickerMode;
    if (!mode) return;
    const ta = this.textarea;
    // Take the typed `@query` / `/query` out of the input.
    const end = ta.selectionStart;
    ta.setRangeText('', mode.start, end, 'end');
    this.paintButton();
    if (mode.kind === '@') {
      const ref = await attachmentFor(this.catalog, this.picker, item);
      this.picker.close();
      if (ref && !this.attachments.some((a) => !isImageAttachment(a) && a.server === ref.server && a.name === ref.name)) this.setAttachments([...this.attachments, ref]);
    } else {
      const run = await promptRunFor(this.catalog, this.picker, item);
      this.picker.close();
      if (run && !this.running) this.onRunPrompt?.(run);
    }
    this.autosize();
    this.paintButton();
    ta.focus();
  }

  private imagesAdded: Promise<void> = Promise.resolve();

  /** At most 8 pictures go with a message (the core's limit); chips come in the order the pictures were given. */
  addImages(files: File[]): Promise<void> {
    this.imagesAdded = this.imagesAdded.then(() => this.addImagesNow(files));
    return this.imagesAdded;
  }

  private async addImagesNow(files: File[]): Promise<void> {
    const have = this.attachments.filter(isImageAttachment).length;
    const room = Math.max(0, 8 - have);
    if (files.length > room) this.onAttachError?.(t('imageTooMany', '8'));
    const added: ComposerAttachment[] = [];
    for (const [i, file] of files.slice(0, room).entries()) {
      try {
        added.push(await toImageAttachment(file, have + i));
      } catch (err) {
        this.onAttachError?.((err as Error).message);
      }
    }
    if (added.length) this.setAttachments([...this.attachments, ...added]);
    this.focus();
  }

  get attached(): readonly ComposerAttachment[] {
    return this.attachments;
  }

  setAttachments(list: ComposerAttachment[]): void {
    this.attachments = list;
    this.chips.replaceChildren(
      ...list.map((a, i) => {
        const remove = iconButton('close', t('removeAttachment', a.name), { class: 'icon-button chip-remove' });
        remove.addEventListener('click', () => {
          this.removeAttachment(i);
          this.focus();
        });
        if (isImageAttachment(a)) {
          const thumb = h('img', { class: 'chip-thumb', src: `data:${a.mimeType};base64,${a.data}`, alt: '' });
          return h('span', { class: 'attachment-chip image-chip', role: 'listitem', title: t('imageChip', a.name) }, thumb, h('span', { class: 'chip-label' }, a.name), remove);
        }
        return h('span', { class: 'attachment-chip', role: 'listitem', title: `${a.server}: ${a.name}`, 'data-uri': a.uri }, icon('file'), h('span', { class: 'chip-label' }, a.name), h('span', { class: 'chip-server' }, a.server), remove);
      }),
    );
    this.chips.hidden = list.length === 0;
    this.paintButton();
  }

  /** Shows the watched resources that changed; the × stops watching one (`onUnwatch`). */
  setWatched(list: readonly WatchedResourceItem[]): void {
    const changed = list.filter((w) => w.updated);
    this.watchedChips.replaceChildren(
      ...changed.map((w) => {
        const dismiss = iconButton('close', t('watchedDismiss', w.name), { class: 'icon-button chip-remove' });
        dismiss.addEventListener('click', () => {
          this.onUnwatch?.(w.server, w.uri);
          this.focus();
        });
        return h(
          'span',
          { class: 'attachment-chip watched-chip', role: 'listitem', title: t('watchedChangedTitle', w.name, w.server), 'data-uri': w.uri },
          icon('sync'),
          h('span', { class: 'chip-label' }, w.name),
          h('span', { class: 'chip-server' }, t('watchedChanged')),
          dismiss,
        );
      }),
    );
    this.watchedChips.hidden = changed.length === 0;
  }

  private removeAttachment(i: number): void {
    this.setAttachments(this.attachments.filter((_, j) => j !== i));
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

  /** Which instructions the agent follows: a book and their count, the names in the tooltip. */
  setInstructions(sources: string[]): void {
    this.instructionsEl.hidden = sources.length === 0;
    const names = sources.map((s) => (s === 'settings' ? t('instructionsSettings') : s)).join(', ');
    this.instructionsEl.replaceChildren(icon('book'), h('span', {}, String(sources.length)));
    this.instructionsEl.title = t('instructionsInUse', names);
    this.instructionsEl.setAttribute('aria-label', this.instructionsEl.title);
    this.instructionsEl.setAttribute('role', 'note');
  }

  /** The conversation's tokens so far, and its cost when pricing is set (undefined or no turns: hidden). */
  setTotals(u: UsageTotals | undefined): void {
    if (!u?.turns) {
      this.usageEl.hidden = true;
      if (this.meter) this.setContext(this.meter);
      return;
    }
    this.usageEl.hidden = false;
    // With a cost the word "tokens" goes (the tooltip says it): the toolbar is narrow.
    this.usageEl.textContent = u.cost === undefined ? t('tokens', formatCompact(u.totalTokens)) : `${formatCompact(u.totalTokens)} · ${formatCost(u.cost)}`;
    const detail = t('totalsDetail', formatNumber(u.promptTokens), formatNumber(u.cachedTokens), formatNumber(u.completionTokens), formatNumber(u.turns));
    this.usageEl.title = u.cost === undefined ? detail : `${detail}\n${t('totalsCost', formatCost(u.cost))}`;
    if (this.meter) this.setContext(this.meter);
  }

  /** The last request's share of the window (undefined: a new conversation, nothing measured yet). */
  private meter?: ContextMeter;

  setContext(m: ContextMeter | undefined): void {
    this.contextEl.hidden = !m;
    this.compactButton.hidden = !m;
    if (!m) return;
    const share = Math.min(1, m.used / Math.max(1, m.budget));
    this.contextFill.style.width = `${(share * 100).toFixed(1)}%`;
    this.contextEl.classList.toggle('high', share >= 0.85);
    // A share is what fits a narrow toolbar; the tooltip has the counts.
    this.contextLabel.textContent = t('contextMeter', String(Math.round(share * 100)));
    this.contextEl.setAttribute('aria-valuemax', String(m.budget));
    this.contextEl.setAttribute('aria-valuenow', String(m.used));
    this.contextEl.setAttribute('aria-label', t('contextLabel'));
    const detail = t('contextUsed', formatNumber(m.used), formatNumber(m.budget)) + '\n' + t('contextDetail', formatNumber(m.window), m.source, formatNumber(m.system), formatNumber(m.tools), formatNumber(m.history), formatNumber(m.results));
    this.meter = m;
    // The conversation's totals too: a side-bar-narrow toolbar has no room to show them beside the meter.
    const totals = this.usageEl.hidden ? '' : `\n${this.usageEl.title}`;
    this.contextEl.title = (m.summarized ? `${detail}\n${t('contextSummarized', formatNumber(m.summarized))}` : detail) + totals;
  }

  private paintButton(): void {
    this.queueButton.hidden = !(this.running && this.onQueue && this.textarea.value.trim());
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
