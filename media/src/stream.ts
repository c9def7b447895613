/**
 * Streaming: deltas are buffered and applied at most once per animation frame, and only the growing tail of the
 * last message is re-rendered. Blocks that can no longer change (every block before the last one) are rendered
 * once, appended, and never touched again; the trailing block is re-parsed and replaced each frame.
 */
import { lex, renderTokens, type Token } from './render/markdown';

/** Runs queued work once per animation frame (or every 50 ms while the document is hidden and frames stop). */
export class FrameScheduler {
  private readonly tasks = new Map<object, () => void>();
  private readonly before: Array<() => void> = [];
  private readonly after: Array<() => void> = [];
  private frame?: number;
  private timer?: ReturnType<typeof setTimeout>;

  schedule(key: object, task: () => void): void {
    this.tasks.set(key, task);
    if (this.frame !== undefined || this.timer !== undefined) return;
    if (document.visibilityState === 'hidden') this.timer = setTimeout(() => this.run(), 50);
    else this.frame = requestAnimationFrame(() => this.run());
  }

  /**
   * Runs before every frame's tasks, while layout is still clean from the previous frame: reading geometry here
   * (e.g. scrollHeight to stay at the bottom) forces no extra layout.
   */
  beforeEachFrame(fn: () => void): void {
    this.before.push(fn);
  }

  /** Runs after every frame's tasks. */
  afterEachFrame(fn: () => void): void {
    this.after.push(fn);
  }

  /** Runs everything queued now (before a structural change that must see up-to-date content). */
  flush(): void {
    this.run();
  }

  private run(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
    for (const fn of this.before) fn();
    const tasks = Array.from(this.tasks.values());
    this.tasks.clear();
    for (const task of tasks) {
      try {
        task();
      } catch (err) {
        console.error('mcp-agent webview: render failed', err);
      }
    }
    for (const fn of this.after) fn();
  }
}

export const scheduler = new FrameScheduler();

/** Streaming renders are at least this far apart (two frames at 60 Hz). */
const MIN_RENDER_INTERVAL_MS = 30;

function rawLength(tokens: Token[]): number {
  let n = 0;
  for (const tk of tokens) n += tk.raw.length;
  return n;
}

/** Text of a rendered fragment for the screen-reader live region (code blocks by name only, not read out). */
function spokenText(nodes: Node[]): string {
  const parts: string[] = [];
  for (const n of nodes) {
    if (n instanceof HTMLElement && n.classList.contains('code-block')) parts.push(n.getAttribute('aria-label') ?? '');
    else if (n.textContent?.trim()) parts.push(n.textContent.trim());
  }
  return parts.join('\n');
}

/**
 * One Markdown segment of an assistant message, growing as deltas arrive. `append` never renders itself; the
 * scheduler calls `render` at most once per frame. When a render gets expensive (a very long trailing block) the
 * next ones are spaced out so the view stays responsive; `finish` renders the rest at once.
 */
export class MarkdownStream {
  readonly el: HTMLElement;
  private text = '';
  /** Length of `text` already rendered as final blocks. */
  private committed = 0;
  private tailNodes: Node[] = [];
  private lastRenderAt = 0;
  private lastCost = 0;
  private finished = false;
  /** Called with the text of blocks as they become final, for the live region. */
  onBlocks?: (spoken: string) => void;
  /** Called after each render (the transcript keeps the view scrolled to the bottom). */
  onRender?: () => void;

  constructor(initial = '', className = 'markdown') {
    this.el = document.createElement('div');
    this.el.className = className;
    if (initial) {
      this.text = initial;
      this.render(true);
      this.finished = true;
    }
  }

  get source(): string {
    return this.text;
  }

  append(delta: string): void {
    if (!delta) return;
    this.text += delta.includes('\r') ? delta.replace(/\r\n?/g, '\n') : delta;
    this.finished = false;
    scheduler.schedule(this, () => this.frame());
  }

  /** Renders whatever is left, highlighting open fences too (the turn ended). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.render(true);
  }

  private frame(): void {
    if (this.finished) return;
    // At most ~30 renders a second, and further apart when a render gets expensive (a very long trailing block):
    // the text still arrives smoothly and the page keeps time for input, layout and paint.
    const now = performance.now();
    if (now - this.lastRenderAt < Math.max(MIN_RENDER_INTERVAL_MS, this.lastCost * 3)) {
      scheduler.schedule(this, () => this.frame());
      return;
    }
    this.render(false);
  }

  private render(final: boolean): void {
    const start = performance.now();
    const tail = this.text.slice(this.committed);
    const tokens = tail ? lex(tail) : [];
    let split = tokens.length;
    if (!final) {
      // Everything before the last non-space block is final: later text can only extend the last block.
      split = 0;
      for (let i = tokens.length - 1; i >= 0; i--) {
        if (tokens[i].type !== 'space') {
          split = i;
          break;
        }
      }
      // If the tokens do not add up to the source (should not happen), keep everything in the re-rendered tail.
      if (rawLength(tokens) !== tail.length) split = 0;
    }
    for (const n of this.tailNodes) n.parentNode?.removeChild(n);
    this.tailNodes = [];
    if (split > 0) {
      const done = tokens.slice(0, split);
      const fragment = renderTokens(done, true);
      const nodes = Array.from(fragment.childNodes);
      this.el.appendChild(fragment);
      this.committed += rawLength(done);
      const spoken = spokenText(nodes);
      if (spoken) this.onBlocks?.(spoken);
    }
    if (split < tokens.length) {
      const fragment = renderTokens(tokens.slice(split), final);
      this.tailNodes = Array.from(fragment.childNodes);
      this.el.appendChild(fragment);
    }
    this.lastRenderAt = performance.now();
    this.lastCost = this.lastRenderAt - start;
    this.onRender?.();
  }
}
