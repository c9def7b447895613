/** Small DOM helpers: elements are always built with DOM APIs and text nodes, never from strings. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null>;

/** `h('button', { class: 'x', 'aria-label': 'Send' }, icon('send'), 'Send')` */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A codicon: decorative, hidden from screen readers (the button around it carries the label). */
export function icon(name: string, extra = ''): HTMLElement {
  return h('span', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, 'aria-hidden': 'true' });
}

export function spinner(): HTMLElement {
  return icon('loading', 'codicon-modifier-spin');
}

/** An icon-only button with a tooltip and an accessible name. */
export function iconButton(name: string, label: string, attrs: Attrs = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'icon-button', title: label, 'aria-label': label, ...attrs }, icon(name));
  return b;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

let counter = 0;
/** A document-unique id for aria-labelledby / aria-controls. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
