/**
 * Messages typed while a turn runs: queued above the input, shown as queued, each editable (back into the input)
 * and removable, and sent one by one as turns end. Nothing typed during a turn is lost or sent early.
 */
import type { ComposerAttachment } from '../../src/shared/protocol';
import { h, icon, iconButton } from './dom';
import { t } from './strings';

export interface QueuedMessage {
  id: number;
  text: string;
  attachments: ComposerAttachment[];
}

export class MessageQueue {
  readonly el = h('div', { class: 'message-queue', hidden: true, role: 'list', 'aria-label': t('queuedList') });
  private items: QueuedMessage[] = [];
  private next = 1;
  /** The user wants to change a queued message: it leaves the queue and goes back into the input. */
  onEdit?: (item: QueuedMessage) => void;

  get length(): number {
    return this.items.length;
  }

  add(text: string, attachments: ComposerAttachment[]): void {
    this.items.push({ id: this.next++, text, attachments });
    this.paint();
  }

  /** The oldest queued message, taken out of the queue. */
  take(): QueuedMessage | undefined {
    const first = this.items.shift();
    this.paint();
    return first;
  }

  private remove(id: number): QueuedMessage | undefined {
    const item = this.items.find((i) => i.id === id);
    this.items = this.items.filter((i) => i.id !== id);
    this.paint();
    return item;
  }

  private paint(): void {
    this.el.hidden = this.items.length === 0;
    this.el.replaceChildren(
      ...this.items.map((item) => {
        const edit = iconButton('edit', t('queuedEdit'), { class: 'icon-button queued-edit' });
        edit.addEventListener('click', () => {
          const taken = this.remove(item.id);
          if (taken) this.onEdit?.(taken);
        });
        const remove = iconButton('close', t('queuedRemove'), { class: 'icon-button queued-remove' });
        remove.addEventListener('click', () => this.remove(item.id));
        return h(
          'div',
          { class: 'queued-message', role: 'listitem', 'data-queued-id': String(item.id) },
          icon('clock'),
          h('span', { class: 'queued-label' }, t('queued')),
          h('span', { class: 'queued-text', title: item.text }, item.text),
          item.attachments.length ? h('span', { class: 'queued-attachments' }, icon('mention'), String(item.attachments.length)) : null,
          edit,
          remove,
        );
      }),
    );
  }
}
