/**
 * A card per tool call: server and tool, arguments (pretty JSON, collapsed), live status with progress and a
 * running clock, then the result (collapsed, rendered only when opened, in pieces) or the error (shown).
 */
import { isDrawableImage } from '../../src/shared/images';
import { append, h, icon, spinner, uid } from './dom';
import { formatDuration, formatNumber, formatSize, prettyJson, splitToolName } from './format';
import { longText } from './render/longText';
import { t } from './strings';
import { post } from './vscode';

export type ToolStatus = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';

export interface ToolCardInit {
  id: string;
  name: string;
  server?: string;
  arguments: string;
  /** A call happening now (clock runs); false for calls of a reopened conversation. */
  live: boolean;
}

/** Progress notifications can come by the hundred a second; the card repaints its bar at most this often. */
const PROGRESS_PAINT_MS = 100;

const running = new Set<ToolCard>();
let clock: ReturnType<typeof setInterval> | undefined;

function tickAll(): void {
  const now = performance.now();
  for (const card of running) card.tick(now);
  if (running.size === 0 && clock !== undefined) {
    clearInterval(clock);
    clock = undefined;
  }
}

export class ToolCard {
  readonly el: HTMLElement;
  readonly id: string;
  readonly name: string;
  status: ToolStatus;
  private readonly startedAt = performance.now();
  private readonly statusIcon = h('span', { class: 'tool-status-icon' });
  private readonly stateText = h('span', { class: 'tool-state' });
  private readonly progressRow = h('div', { class: 'tool-progress', hidden: true });
  private readonly progressFill = h('div', { class: 'tool-progress-fill' });
  private readonly progressText = h('span', { class: 'tool-progress-text' });
  private readonly progressBar = h('div', { class: 'tool-progress-bar', role: 'progressbar', 'aria-valuemin': 0 }, this.progressFill);
  private readonly resultSlot = h('div', { class: 'tool-result-slot' });
  private durationMs?: number;
  private latestProgress?: { progress: number; total?: number; message?: string };
  private lastProgressPaint = -Infinity;
  private progressTimer?: ReturnType<typeof setTimeout>;
  readonly displayName: string;

  constructor(init: ToolCardInit) {
    this.id = init.id;
    this.name = init.name;
    this.status = init.live ? 'running' : 'done';
    const { server, tool } = splitToolName(init.name, init.server);
    this.displayName = server ? `${server} › ${tool}` : tool;
    const titleId = uid('tool');

    const args = prettyJson(init.arguments);
    const compact = init.arguments.trim() === '' || init.arguments.trim() === '{}' ? '' : oneLine(init.arguments);
    const argsBody = compact ? longText(args.text, { language: args.json ? 'json' : undefined, initial: 4_000 }) : h('div', { class: 'tool-empty' }, t('toolNoArguments'));
    const argsDetails = h(
      'details',
      { class: 'tool-section tool-args' },
      h('summary', {}, icon('chevron-right', 'twisty'), h('span', { class: 'section-label' }, t('toolArguments')), compact ? h('span', { class: 'tool-args-preview' }, compact) : null),
      argsBody,
    );

    this.progressRow.append(this.progressBar, this.progressText);
    this.el = h(
      'div',
      { class: 'tool-card', role: 'group', 'aria-labelledby': titleId, 'data-tool-id': init.id },
      h(
        'div',
        { class: 'tool-head' },
        this.statusIcon,
        h(
          'span',
          { class: 'tool-title', id: titleId },
          server ? h('span', { class: 'tool-server', title: server }, server) : null,
          h('span', { class: 'tool-name', title: init.name }, tool),
        ),
        this.stateText,
      ),
      this.progressRow,
      argsDetails,
      this.resultSlot,
    );
    this.paint();
    if (init.live) {
      running.add(this);
      clock ??= setInterval(tickAll, 500);
    }
  }

  tick(now: number): void {
    if (this.status === 'running' || this.status === 'waiting') this.paintState(now - this.startedAt);
  }

  setWaiting(waiting: boolean): void {
    if (this.status !== 'running' && this.status !== 'waiting') return;
    this.status = waiting ? 'waiting' : 'running';
    this.paint();
  }

  /**
   * A progress notification: a bar when the total is known, else an indeterminate one, with the latest message (a
   * notification without one keeps the one before). Painted at most every PROGRESS_PAINT_MS; the last one always is.
   */
  progress(progress: number, total?: number, message?: string): void {
    if (this.status !== 'running' && this.status !== 'waiting') return;
    this.latestProgress = { progress, total, message: message ?? this.latestProgress?.message };
    const wait = this.lastProgressPaint + PROGRESS_PAINT_MS - performance.now();
    if (wait <= 0) this.paintProgress();
    else this.progressTimer ??= setTimeout(() => this.paintProgress(), wait);
  }

  private paintProgress(): void {
    this.clearProgressTimer();
    const p = this.latestProgress;
    if (!p || (this.status !== 'running' && this.status !== 'waiting')) return;
    this.lastProgressPaint = performance.now();
    const { progress, total, message } = p;
    this.progressRow.hidden = false;
    const determinate = total !== undefined && total > 0;
    this.progressBar.classList.toggle('indeterminate', !determinate);
    if (determinate) {
      const ratio = Math.max(0, Math.min(1, progress / total));
      this.progressFill.style.width = `${(ratio * 100).toFixed(1)}%`;
      this.progressBar.setAttribute('aria-valuemax', String(total));
      this.progressBar.setAttribute('aria-valuenow', String(Math.min(progress, total)));
    } else {
      this.progressFill.style.width = '';
      this.progressBar.removeAttribute('aria-valuemax');
      this.progressBar.removeAttribute('aria-valuenow');
    }
    const count = determinate ? `${formatNumber(progress)}/${formatNumber(total)}` : progress > 0 ? formatNumber(progress) : '';
    this.progressText.textContent = [message, count].filter(Boolean).join(' · ');
    this.progressText.title = message ?? '';
  }

  private clearProgressTimer(): void {
    if (this.progressTimer !== undefined) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
  }

  result(content: string, isError: boolean, durationMs?: number, truncated?: boolean): void {
    this.status = isError ? 'failed' : 'done';
    this.durationMs = durationMs;
    running.delete(this);
    this.clearProgressTimer();
    this.progressRow.hidden = true;
    this.resultSlot.replaceChildren(resultSection(content, isError, truncated));
    this.paint();
  }

  /** The result's pictures as thumbnails, visible without opening the result. Only image data: URLs of known types. */
  showImages(images: Array<{ mimeType: string; data: string }>): void {
    const thumbs = images
      .filter(isDrawableImage)
      .map((i, n) => h('img', { class: 'tool-image', src: `data:${i.mimeType};base64,${i.data}`, alt: t('toolImage', String(n + 1)), title: `${i.mimeType}, ${formatSize(Math.round((i.data.length * 3) / 4))}` }));
    if (thumbs.length) this.resultSlot.prepend(h('div', { class: 'tool-images' }, ...thumbs));
  }

  /** An applied edit: its diff, shown open, and a link to the file. */
  showChange(change: { path: string; diff: string }): void {
    const open = h('button', { type: 'button', class: 'link-button tool-open-file', title: t('toolOpenFile', change.path) }, icon('go-to-file'), change.path);
    open.addEventListener('click', () => post({ type: 'openFile', path: change.path }));
    this.resultSlot.prepend(h('div', { class: 'tool-change' }, open, longText(change.diff, { language: 'diff', initial: 20_000, className: 'tool-diff' })));
  }

  /** A call of a reopened conversation that never got its result. */
  interrupted(): void {
    this.status = 'cancelled';
    running.delete(this);
    this.clearProgressTimer();
    this.paint();
  }

  /** The turn ended before the result came. */
  cancel(): void {
    if (this.status !== 'running' && this.status !== 'waiting') return;
    this.status = 'cancelled';
    this.durationMs = performance.now() - this.startedAt;
    running.delete(this);
    this.clearProgressTimer();
    this.progressRow.hidden = true;
    this.paint();
  }

  private paint(): void {
    this.el.dataset.status = this.status;
    const icons: Record<ToolStatus, () => HTMLElement> = {
      running: spinner,
      waiting: () => icon('shield'),
      done: () => icon('check'),
      failed: () => icon('error'),
      cancelled: () => icon('circle-slash'),
    };
    this.statusIcon.replaceChildren(icons[this.status]());
    this.paintState(this.durationMs ?? (this.status === 'running' || this.status === 'waiting' ? performance.now() - this.startedAt : undefined));
  }

  private paintState(ms: number | undefined): void {
    const labels: Record<ToolStatus, string> = {
      running: t('toolRunning'),
      waiting: t('toolWaiting'),
      done: t('toolDone'),
      failed: t('toolFailed'),
      cancelled: t('toolCancelled'),
    };
    const live = this.status === 'running' || this.status === 'waiting';
    // A clock under a second is noise while running; a finished call shows its exact time.
    const time = ms === undefined || (live && ms < 1000) ? '' : formatDuration(live ? Math.floor(ms / 1000) * 1000 : ms);
    this.stateText.textContent = time ? `${labels[this.status]} · ${time}` : labels[this.status];
  }
}

function oneLine(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

function resultSection(content: string, isError: boolean, truncated?: boolean): HTMLElement {
  const label = isError ? t('toolError') : t('toolResult');
  const details = h(
    'details',
    { class: `tool-section tool-result${isError ? ' error' : ''}` },
    h(
      'summary',
      {},
      icon('chevron-right', 'twisty'),
      h('span', { class: 'section-label' }, label),
      h('span', { class: 'tool-result-size' }, formatSize(content.length)),
    ),
  );
  let rendered = false;
  const render = (): void => {
    if (rendered) return;
    rendered = true;
    const copy = h('button', { type: 'button', class: 'link-button tool-copy', title: t('toolCopyResult') }, icon('copy'), t('toolCopyResult'));
    copy.addEventListener('click', () => post({ type: 'copy', text: content }));
    const pretty = prettyJson(content);
    append(
      details,
      truncated ? h('div', { class: 'tool-note' }, icon('info'), t('toolTruncated')) : null,
      content ? longText(pretty.text, { language: pretty.json ? 'json' : undefined, className: isError ? 'error' : '' }) : h('div', { class: 'tool-empty' }, t('toolEmptyResult')),
      content ? h('div', { class: 'tool-result-actions' }, copy) : null,
    );
  };
  // Results are rendered when first opened: a reopened conversation may hold megabytes of them.
  details.addEventListener('toggle', () => {
    if (details.open) render();
  });
  if (isError) {
    // Errors are visible without a click.
    details.open = true;
    render();
  }
  return details;
}
