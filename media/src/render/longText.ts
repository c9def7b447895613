/** A block of plain text (tool arguments, results) shown in pieces: megabytes are never laid out at once. */
import { h, icon } from '../dom';
import { formatNumber } from '../format';
import { t } from '../strings';
import { highlight } from './highlight';

export interface LongTextOptions {
  /** Highlight as this language when the whole text is small enough. */
  language?: string;
  /** Characters shown at first. */
  initial?: number;
  /** Characters added per "Show more". */
  step?: number;
  className?: string;
}

/** "Show all" is offered only while the rest is below this; beyond it, only "Show more" steps. */
const SHOW_ALL_LIMIT = 400_000;

export function longText(text: string, options: LongTextOptions = {}): HTMLElement {
  const initial = options.initial ?? 8_000;
  const step = options.step ?? 50_000;
  const code = h('code');
  const pre = h('pre', { class: `long-text${options.className ? ` ${options.className}` : ''}`, tabindex: 0 }, code);
  const wrap = h('div', { class: 'long-text-wrap' }, pre);
  let shown = 0;

  const more = h('button', { type: 'button', class: 'link-button show-more' });
  const all = h('button', { type: 'button', class: 'link-button show-all' }, t('showAll'));
  const moreRow = h('div', { class: 'show-more-row' }, icon('ellipsis'), more, all);

  const show = (upTo: number): void => {
    const end = Math.min(text.length, upTo);
    if (shown === 0 && end === text.length && options.language) {
      const html = highlight(text, options.language);
      if (html !== undefined) {
        // highlight.js escapes the text and emits only <span class="hljs-…">: safe to set.
        code.innerHTML = html;
        code.classList.add('hljs');
        shown = end;
      }
    }
    if (shown < end) {
      code.appendChild(document.createTextNode(text.slice(shown, end)));
      shown = end;
    }
    const rest = text.length - shown;
    if (rest > 0) {
      more.textContent = t('showMore', formatNumber(rest));
      all.hidden = rest > SHOW_ALL_LIMIT;
      if (!moreRow.isConnected) wrap.appendChild(moreRow);
    } else {
      moreRow.remove();
    }
  };

  more.addEventListener('click', () => {
    show(shown + step);
    // Keep the keyboard where it was, or on the text once everything shows.
    (moreRow.isConnected ? more : pre).focus();
  });
  all.addEventListener('click', () => {
    show(text.length);
    pre.focus();
  });
  show(initial);
  return wrap;
}
