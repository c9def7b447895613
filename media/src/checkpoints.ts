/**
 * "Restore to here" on a user message whose turn changed the workspace: the host shows the files that will change
 * and asks before restoring the checkpoint taken before that turn's first change.
 */
import { h, icon } from './dom';
import { t } from './strings';
import { post } from './vscode';

/** Adds the button to `message` (the user's message of the turn that took checkpoint `id`). */
export function markRestorable(message: Element | null, id: string): void {
  if (!(message instanceof HTMLElement) || !message.classList.contains('user') || message.querySelector('.restore-checkpoint')) return;
  const button = h('button', { type: 'button', class: 'link-button restore-checkpoint', title: t('restoreHereHint'), 'data-checkpoint': id }, icon('discard'), t('restoreHere'));
  button.addEventListener('click', () => post({ type: 'restoreCheckpoint', id }));
  message.append(h('div', { class: 'message-actions' }, button));
}
