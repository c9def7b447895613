/**
 * A reasoning model's thinking in the assistant turn: a collapsible "Thinking" block that streams while the model
 * thinks and folds itself away when the answer (or a tool call) starts. Once the user opens or closes it, it stays
 * as they left it.
 */
import { h, icon, spinner } from './dom';
import { MarkdownStream } from './stream';
import { t } from './strings';

export class ThinkingBlock {
  readonly el: HTMLDetailsElement;
  private readonly stream: MarkdownStream;
  private readonly label: HTMLElement;
  private readonly busy: HTMLElement;
  private touched = false;
  /** What the block's state should be unless the user changed it (toggle events arrive later, for any change). */
  private expectedOpen: boolean;
  done = false;

  /** `initial`: stored thinking, shown collapsed and finished. */
  constructor(initial?: string) {
    this.stream = new MarkdownStream(initial ?? '', 'markdown thinking-body');
    this.label = h('span', { class: 'section-label' }, t(initial === undefined ? 'thinking' : 'thought'));
    this.busy = spinner();
    this.busy.hidden = initial !== undefined;
    this.el = h('details', { class: 'thinking', open: initial === undefined }, h('summary', {}, icon('chevron-right', 'twisty'), icon('lightbulb'), this.label, this.busy), this.stream.el);
    this.expectedOpen = initial === undefined;
    this.el.addEventListener('toggle', () => {
      if (this.el.open !== this.expectedOpen) this.touched = true;
    });
    if (initial !== undefined) this.done = true;
  }

  set onRender(fn: () => void) {
    this.stream.onRender = fn;
  }

  get text(): string {
    return this.stream.source;
  }

  append(delta: string): void {
    this.stream.append(delta);
  }

  /** The model moved on: render the rest, and fold the block unless the user chose otherwise. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.stream.finish();
    this.busy.hidden = true;
    this.label.textContent = t('thought');
    if (!this.touched) {
      this.expectedOpen = false;
      this.el.open = false;
    }
  }
}
