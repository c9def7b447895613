/** The History panel: stored conversations, newest first; open one, or delete it (second click confirms). */
import type { ConversationListItem } from '../../src/shared/protocol';
import { h, icon } from './dom';
import { formatNumber, formatRelative } from './format';
import { arrowNavigation, Popover } from './popover';
import { t } from './strings';
import { post } from './vscode';

export class HistoryPanel {
  readonly popover = new Popover(t('historyTitle'), 'history');
  private items: ConversationListItem[] = [];
  private currentId?: string;
  private busy = false;
  private readonly filter: HTMLInputElement;
  private readonly list = h('ul', { class: 'history-list', role: 'list' });
  private readonly empty = h('div', { class: 'popover-empty', hidden: true });

  constructor() {
    this.filter = h('input', { type: 'search', class: 'history-filter', placeholder: t('historyFilter'), 'aria-label': t('historyFilter'), 'data-autofocus': true, spellcheck: 'false' });
    this.filter.addEventListener('input', () => this.render());
    this.filter.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        this.list.querySelector<HTMLElement>('.history-open')?.focus();
        e.preventDefault();
      } else if (e.key === 'Enter') {
        // preventDefault: otherwise the keypress lands on the History button (focus returns there) and reopens.
        e.preventDefault();
        this.list.querySelector<HTMLElement>('.history-open:not(:disabled)')?.click();
      }
    });
    arrowNavigation(this.list, '.history-open');
    this.popover.body.append(h('div', { class: 'history-search' }, icon('search'), this.filter), this.list, this.empty);
    this.popover.onOpen = () => {
      this.filter.value = '';
      this.render();
    };
  }

  set(items: ConversationListItem[]): void {
    this.items = [...items].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    if (this.popover.isOpen) this.render();
  }

  setCurrent(id: string | undefined): void {
    this.currentId = id;
    if (this.popover.isOpen) this.render();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    if (this.popover.isOpen) this.render();
  }

  private render(): void {
    const q = this.filter.value.trim().toLowerCase();
    const shown = q ? this.items.filter((c) => c.title.toLowerCase().includes(q)) : this.items;
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.history-item')?.dataset.id;
    this.list.replaceChildren(...shown.map((c) => this.row(c)));
    this.empty.textContent = this.items.length ? t('historyNoMatch') : t('historyEmpty');
    this.empty.hidden = shown.length > 0;
    if (focusedId) this.list.querySelector<HTMLElement>(`.history-item[data-id="${CSS.escape(focusedId)}"] .history-open`)?.focus();
  }

  private row(c: ConversationListItem): HTMLElement {
    const current = c.id === this.currentId;
    const title = c.title.trim() || '…';
    const open = h(
      'button',
      { type: 'button', class: 'history-open', 'aria-label': t('historyOpen', title), 'aria-current': current ? 'true' : undefined, disabled: this.busy && !current ? true : undefined, title: this.busy && !current ? t('historyBusy') : title },
      h('span', { class: 'history-title' }, title),
      h('span', { class: 'history-meta' }, [formatRelative(c.updatedAt), t('historyMessages', formatNumber(c.messageCount))].filter(Boolean).join(' · '), current ? h('span', { class: 'badge' }, t('current')) : null),
    );
    open.addEventListener('click', () => {
      if (!current) post({ type: 'openConversation', id: c.id });
      this.popover.close();
    });
    const del = h('button', { type: 'button', class: 'icon-button history-delete', title: t('historyDelete'), 'aria-label': t('historyDelete') }, icon('trash'));
    let armed: ReturnType<typeof setTimeout> | undefined;
    del.addEventListener('click', () => {
      if (armed === undefined) {
        // Deleting cannot be undone: the first click asks, the second deletes.
        del.classList.add('armed');
        del.title = t('historyDeleteConfirm');
        del.setAttribute('aria-label', t('historyDeleteConfirm'));
        del.replaceChildren(icon('check'));
        armed = setTimeout(() => {
          armed = undefined;
          del.classList.remove('armed');
          del.title = t('historyDelete');
          del.setAttribute('aria-label', t('historyDelete'));
          del.replaceChildren(icon('trash'));
        }, 3000);
        return;
      }
      clearTimeout(armed);
      post({ type: 'deleteConversation', id: c.id });
      this.items = this.items.filter((x) => x.id !== c.id);
      const next = li.nextElementSibling ?? li.previousElementSibling;
      this.render();
      const target = next instanceof HTMLElement ? next.dataset.id : undefined;
      (target ? this.list.querySelector<HTMLElement>(`.history-item[data-id="${CSS.escape(target)}"] .history-open`) : this.filter)?.focus();
    });
    const li = h('li', { class: `history-item${current ? ' current' : ''}`, 'data-id': c.id }, open, del);
    return li;
  }
}
