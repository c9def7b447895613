/**
 * Model Markdown -> safe DOM. `marked` tokenizes and renders; raw HTML from the model is escaped (shown as text),
 * images become links, code fences are highlighted; DOMPurify then keeps only an allow-list of tags and attributes
 * and only http(s)/mailto hrefs. Buttons (copy / insert) are added afterwards with DOM APIs, never as HTML.
 */
import DOMPurify from 'dompurify';
import { Marked, type RendererObject, type Token, type Tokens } from 'marked';
import { h, icon } from '../dom';
import { t } from '../strings';
import { highlight, languageOf } from './highlight';

export type { Token } from 'marked';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Whether the current parse should also highlight fences that are still open (the final render of an answer). */
let highlightOpenFences = true;

const FENCE_CLOSED = /\n[ \t]*(`{3,}|~{3,})[ \t]*\n?$/;

const renderer: RendererObject = {
  html(token: Tokens.HTML | Tokens.Tag): string {
    // No raw HTML from the model: show it as the text it is.
    const text = escapeHtml(token.text);
    return token.block ? `<p class="raw-html">${text}</p>\n` : text;
  },
  code(token: Tokens.Code): string {
    const lang = languageOf(token.lang).replace(/[^\w+#.-]/g, '').slice(0, 40);
    const open = token.codeBlockStyle !== 'indented' && !FENCE_CLOSED.test(token.raw);
    const code = token.text.replace(/\n$/, '');
    // A fence still being streamed is shown plain: it is re-rendered every frame and highlighted once it closes.
    const highlighted = !open || highlightOpenFences ? highlight(code, lang) : undefined;
    const cls = `${lang ? `language-${lang}` : ''}${highlighted !== undefined ? ' hljs' : ''}`.trim();
    return `<pre><code${cls ? ` class="${cls}"` : ''}>${highlighted ?? escapeHtml(code)}</code></pre>\n`;
  },
  image(token: Tokens.Image): string {
    // No remote images: an image is a link to it (opened outside by the host, http(s) only).
    const label = escapeHtml(t('image', token.text || token.href));
    return `<a class="image-link" href="${escapeHtml(token.href)}">${label}</a>`;
  },
  checkbox({ checked }: Tokens.Checkbox): string {
    return `<input type="checkbox" disabled${checked ? ' checked' : ''}> `;
  },
};

const marked = new Marked({ gfm: true, breaks: false, async: false, renderer });

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'pre', 'code', 'span',
  'em', 'strong', 'del', 's', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input', 'sup', 'sub',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start', 'align', 'type', 'checked', 'disabled'];
const SAFE_HREF = /^(?:https?:|mailto:)/i;

let hooked = false;
function hookPurify(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node instanceof HTMLAnchorElement) {
      const href = node.getAttribute('href');
      if (href && !SAFE_HREF.test(href)) node.removeAttribute('href');
      // Show where a link goes: its text may say something else.
      if (node.hasAttribute('href') && !node.hasAttribute('title')) node.setAttribute('title', href ?? '');
    } else if (node instanceof HTMLInputElement && node.type !== 'checkbox') {
      node.remove();
    }
  });
}

export function sanitize(html: string): DocumentFragment {
  hookPurify();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: SAFE_HREF,
    RETURN_DOM_FRAGMENT: true,
  });
}

/** Block tokens of `src` (the whole text, or the tail after already-rendered blocks). */
export function lex(src: string): Token[] {
  return marked.lexer(src);
}

/** Renders block tokens to a sanitized fragment with code-block toolbars. */
export function renderTokens(tokens: Token[], final: boolean): DocumentFragment {
  highlightOpenFences = final;
  let html: string;
  try {
    html = marked.parser(tokens);
  } catch {
    html = `<p>${escapeHtml(tokens.map((tk) => tk.raw).join(''))}</p>`;
  }
  const fragment = sanitize(html);
  enhance(fragment);
  return fragment;
}

export function renderMarkdown(src: string): DocumentFragment {
  return renderTokens(lex(src), true);
}

/** Adds the toolbar to code blocks and a scroll container to tables. */
function enhance(root: DocumentFragment): void {
  for (const pre of Array.from(root.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    const lang = /(?:^|\s)language-([^\s]+)/.exec(code?.className ?? '')?.[1] ?? '';
    pre.tabIndex = 0;
    const block = h(
      'div',
      { class: 'code-block', role: 'group', 'aria-label': t('codeLabel', lang || t('plainText')) },
      h(
        'div',
        { class: 'code-head' },
        h('span', { class: 'code-lang' }, lang),
        h(
          'span',
          { class: 'code-actions' },
          h('button', { type: 'button', class: 'code-action', 'data-code-action': 'copy', title: t('copyCode'), 'aria-label': t('copyCode') }, icon('copy')),
          h('button', { type: 'button', class: 'code-action', 'data-code-action': 'insert', title: t('insertCode'), 'aria-label': t('insertCode') }, icon('insert')),
        ),
      ),
    );
    pre.replaceWith(block);
    block.appendChild(pre);
  }
  for (const box of Array.from(root.querySelectorAll('li > input[type="checkbox"]'))) box.parentElement?.classList.add('task');
  for (const table of Array.from(root.querySelectorAll('table'))) {
    const wrap = h('div', { class: 'table-wrap', tabindex: 0 });
    table.replaceWith(wrap);
    wrap.appendChild(table);
  }
}

/**
 * Compiles the Markdown rules and the common highlighting grammars while the view is idle, so the first answer
 * does not pay for it mid-stream (a grammar compiles on first use and can take tens of milliseconds).
 */
export function warmUp(): void {
  if (typeof requestIdleCallback !== 'function') return;
  const steps: Array<() => void> = [
    () => void renderMarkdown('# a\n\nb **c** _d_ `e` [f](https://example.com)\n\n- g\n- [ ] h\n\n1. i\n\n> j\n\n| k | l |\n|---|---|\n| m | n |\n'),
    ...['typescript', 'javascript', 'python', 'bash', 'json', 'diff', 'shell', 'go', 'rust', 'java', 'cpp', 'xml', 'css', 'yaml', 'sql'].map((l) => () => void highlight('const x = f(1, "s"); // c', l)),
  ];
  const next = (deadline: IdleDeadline): void => {
    while (steps.length && deadline.timeRemaining() > 8) steps.shift()?.();
    if (steps.length) requestIdleCallback(next, { timeout: 2000 });
  };
  requestIdleCallback(next, { timeout: 2000 });
}
