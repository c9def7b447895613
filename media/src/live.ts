/** The polite live region: finished blocks of the streamed answer, tool status, approvals (read once each). */
import { h } from './dom';

export class LiveRegion {
  readonly el = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'false', 'aria-relevant': 'additions', id: 'live' });

  say(text: string): void {
    const s = text.trim();
    if (!s) return;
    this.el.appendChild(h('p', {}, s));
    // Old announcements have been read; keep the region small.
    while (this.el.childElementCount > 20) this.el.firstElementChild?.remove();
  }

  clear(): void {
    this.el.replaceChildren();
  }
}
