/** A panel that drops down under the toolbar: focus moves in on open and back to its button on close. */
import { h, iconButton, uid } from './dom';
import { t } from './strings';

export class Popover {
  readonly el: HTMLElement;
  readonly body = h('div', { class: 'popover-body' });
  private readonly titleEl: HTMLElement;
  private opener?: HTMLElement;
  onOpen?: () => void;

  constructor(
    title: string,
    readonly className: string,
  ) {
    const titleId = uid('popover');
    this.titleEl = h('span', { class: 'popover-title', id: titleId }, title);
    const close = iconButton('close', t('close'));
    close.addEventListener('click', () => this.close());
    this.el = h('div', { class: `popover ${className}`, role: 'dialog', 'aria-labelledby': titleId, hidden: true }, h('div', { class: 'popover-head' }, this.titleEl, close), this.body);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.close();
      }
    });
    document.addEventListener('mousedown', (e) => {
      if (this.isOpen && e.target instanceof Node && !this.el.contains(e.target) && !this.opener?.contains(e.target)) this.close(false);
    });
  }

  setTitle(title: string): void {
    this.titleEl.textContent = title;
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  toggle(opener: HTMLElement): void {
    if (this.isOpen) this.close();
    else this.open(opener);
  }

  open(opener: HTMLElement): void {
    this.opener = opener;
    opener.setAttribute('aria-expanded', 'true');
    this.el.hidden = false;
    this.onOpen?.();
    const first = this.el.querySelector<HTMLElement>('[data-autofocus]') ?? this.body.querySelector<HTMLElement>('button, input, [tabindex="0"]');
    first?.focus();
  }

  close(returnFocus = true): void {
    if (!this.isOpen) return;
    this.el.hidden = true;
    this.opener?.setAttribute('aria-expanded', 'false');
    if (returnFocus) this.opener?.focus();
  }
}

/** Up/Down moves between the elements matching `selector` inside `container`. */
export function arrowNavigation(container: HTMLElement, selector: string): void {
  container.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const items = Array.from(container.querySelectorAll<HTMLElement>(selector)).filter((el) => !el.closest('[hidden]'));
    if (!items.length) return;
    const i = items.findIndex((el) => el === document.activeElement);
    const next = e.key === 'ArrowDown' ? (i + 1) % items.length : (i <= 0 ? items.length : i) - 1;
    items[next]?.focus();
    e.preventDefault();
  });
}
