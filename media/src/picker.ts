/**
 * The list that opens above the input for `@` (resources) and `/` (prompts): filtered as the user types, driven
 * from the textarea (Up/Down move, Enter/Tab pick, Escape closes) so typing never leaves the input. It can turn
 * into a small form (a template's variables, a prompt's arguments) with suggestions from the server.
 */
import { h, icon, uid } from './dom';
import { t } from './strings';

export interface PickerItem {
  key: string;
  label: string;
  server: string;
  detail?: string;
  badge?: string;
  codicon: string;
}

export interface ArgField {
  name: string;
  description?: string;
  required: boolean;
}

export class Picker {
  readonly el: HTMLElement;
  readonly listId = uid('picker-list');
  private readonly titleEl = h('div', { class: 'picker-title' });
  private readonly list = h('div', { class: 'picker-list', role: 'listbox', id: this.listId });
  private readonly hint = h('div', { class: 'picker-hint' }, t('pickerHint'));
  private items: PickerItem[] = [];
  private active = 0;
  private form?: HTMLFormElement;
  onPick?: (item: PickerItem) => void;
  onClose?: () => void;

  constructor(className: string) {
    this.el = h('div', { class: `picker ${className}`, hidden: true }, this.titleEl, this.list, this.hint);
    // A click on the list must not take the focus from the textarea (the picker is driven from there).
    this.list.addEventListener('mousedown', (e) => e.preventDefault());
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  get inForm(): boolean {
    return !!this.form;
  }

  show(title: string, items: PickerItem[], emptyText: string): void {
    this.form?.remove();
    this.form = undefined;
    this.list.hidden = false;
    this.hint.hidden = items.length === 0;
    this.titleEl.textContent = title;
    this.items = items;
    this.active = Math.min(this.active, Math.max(0, items.length - 1));
    this.list.replaceChildren(
      ...(items.length
        ? items.map((item, i) => {
            const row = h(
              'div',
              { class: 'picker-item', role: 'option', id: `${this.listId}-${i}`, 'aria-selected': i === this.active ? 'true' : 'false', 'data-key': item.key },
              icon(item.codicon),
              h('span', { class: 'picker-label' }, item.label),
              item.badge ? h('span', { class: 'picker-badge' }, item.badge) : null,
              h('span', { class: 'picker-server' }, item.server),
              item.detail ? h('span', { class: 'picker-detail' }, item.detail) : null,
            );
            row.addEventListener('click', () => this.pick(i));
            return row;
          })
        : [h('div', { class: 'picker-empty' }, emptyText)]),
    );
    this.el.hidden = false;
    this.list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }

  get activeId(): string | undefined {
    return this.items.length && !this.form ? `${this.listId}-${this.active}` : undefined;
  }

  move(delta: number): void {
    if (!this.items.length) return;
    this.active = (this.active + delta + this.items.length) % this.items.length;
    for (const [i, row] of Array.from(this.list.children).entries()) row.setAttribute('aria-selected', i === this.active ? 'true' : 'false');
    this.list.children[this.active]?.scrollIntoView({ block: 'nearest' });
  }

  pick(i = this.active): void {
    const item = this.items[i];
    if (item) this.onPick?.(item);
  }

  close(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.form?.remove();
    this.form = undefined;
    this.active = 0;
    this.onClose?.();
  }

  /**
   * Turns the picker into a form for `fields`; `suggest` gives the server's completions for a field as it is
   * typed in. Resolves with the values on submit, undefined when closed.
   */
  askArguments(title: string, fields: ArgField[], submitLabel: string, suggest?: (name: string, value: string, all: Record<string, string>) => Promise<string[]>): Promise<Record<string, string> | undefined> {
    return new Promise((resolve) => {
      this.titleEl.textContent = title;
      this.list.hidden = true;
      this.hint.hidden = true;
      const inputs = new Map<string, HTMLInputElement>();
      const values = (): Record<string, string> => Object.fromEntries(Array.from(inputs, ([k, i]): [string, string] => [k, i.value]).filter(([, v]) => v !== ''));
      const form = h('form', { class: 'picker-form', novalidate: true });
      for (const f of fields) {
        const id = uid(`arg-${f.name}`);
        const input = h('input', { type: 'text', id, name: f.name, autocomplete: 'off', 'aria-required': f.required ? 'true' : undefined, placeholder: f.description });
        const suggestions = h('div', { class: 'arg-suggestions', role: 'listbox', 'aria-label': f.name });
        let seq = 0;
        const refresh = async (): Promise<void> => {
          if (!suggest) return;
          const n = (seq += 1);
          const got = await suggest(f.name, input.value, values());
          if (n !== seq) return;
          suggestions.replaceChildren(
            ...got
              .filter((v) => v !== input.value)
              .slice(0, 20)
              .map((v) => {
                const b = h('button', { type: 'button', class: 'arg-suggestion', role: 'option' }, v);
                b.addEventListener('click', () => {
                  input.value = v;
                  suggestions.replaceChildren();
                  input.focus();
                });
                return b;
              }),
          );
        };
        let timer: ReturnType<typeof setTimeout> | undefined;
        input.addEventListener('input', () => {
          input.removeAttribute('aria-invalid');
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => void refresh(), 150);
        });
        input.addEventListener('focus', () => void refresh());
        inputs.set(f.name, input);
        form.appendChild(
          h(
            'div',
            { class: 'form-field', 'data-field': f.name },
            h('label', { class: 'field-label', for: id }, f.name, f.required ? h('span', { class: 'field-required', 'aria-hidden': 'true' }, ' *') : null),
            f.description ? h('div', { class: 'field-desc' }, f.description) : null,
            input,
            suggestions,
          ),
        );
      }
      const cancel = h('button', { type: 'button', class: 'button secondary' }, t('elicitationCancel'));
      form.appendChild(h('div', { class: 'approval-actions' }, h('button', { type: 'submit', class: 'button primary' }, icon('play'), submitLabel), cancel));
      let settled = false;
      const finish = (v: Record<string, string> | undefined): void => {
        if (settled) return;
        settled = true;
        resolve(v);
      };
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const missing = fields.filter((f) => f.required && !inputs.get(f.name)?.value.trim());
        for (const f of missing) inputs.get(f.name)?.setAttribute('aria-invalid', 'true');
        if (missing.length) {
          inputs.get(missing[0].name)?.focus();
          return;
        }
        finish(values());
        this.close();
      });
      form.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          this.close();
        }
      });
      cancel.addEventListener('click', () => this.close());
      const prevClose = this.onClose;
      this.onClose = () => {
        this.onClose = prevClose;
        finish(undefined);
        prevClose?.();
      };
      this.form = form;
      this.el.insertBefore(form, this.hint);
      this.el.hidden = false;
      form.querySelector('input')?.focus();
    });
  }
}
