/** Banners above the input (host `banner` messages) with their action buttons, and the Restricted Mode note. */
import type { BannerAction } from '../../src/shared/protocol';
import { h, icon, iconButton } from './dom';
import { t, type StringKey } from './strings';
import { post } from './vscode';

const ACTION_LABELS: Record<BannerAction, [StringKey, string]> = {
  setApiKey: ['actionSetApiKey', 'key'],
  openSettings: ['actionOpenSettings', 'settings-gear'],
  showLogs: ['actionShowLogs', 'output'],
  showServers: ['actionShowServers', 'server'],
  restartServers: ['actionRestartServers', 'debug-restart'],
  retry: ['actionRetry', 'refresh'],
};

/** A button that sends `action` to the host. */
export function actionButton(action: BannerAction, after?: () => void, primary = false): HTMLButtonElement {
  const [label, codicon] = ACTION_LABELS[action];
  const b = h('button', { type: 'button', class: `button ${primary ? 'primary' : 'secondary'} small`, 'data-action': action }, icon(codicon), t(label));
  b.addEventListener('click', () => {
    post({ type: 'action', action });
    after?.();
  });
  return b;
}

type Level = 'error' | 'warning' | 'info';

export class Banners {
  readonly el = h('div', { class: 'banners' });
  private readonly restricted: HTMLElement;
  /** Where focus goes when a banner with focus inside disappears. */
  onFocusLost?: () => void;

  constructor() {
    this.restricted = h('div', { class: 'banner restricted', role: 'note', hidden: true }, icon('workspace-untrusted'), h('div', { class: 'banner-message' }, t('restricted')));
    this.el.appendChild(this.restricted);
  }

  setRestricted(on: boolean): void {
    this.restricted.hidden = !on;
  }

  show(level: Level, message: string, actions: BannerAction[]): void {
    // The same message again replaces the old banner instead of stacking.
    for (const b of Array.from(this.el.querySelectorAll<HTMLElement>('.banner[data-message]'))) {
      if (b.dataset.message === message) b.remove();
    }
    const codicon = level === 'error' ? 'error' : level === 'warning' ? 'warning' : 'info';
    const banner: HTMLElement = h('div', { class: `banner ${level}`, role: level === 'error' ? 'alert' : 'status', 'data-message': message });
    const remove = (): void => {
      const hadFocus = banner.contains(document.activeElement);
      banner.remove();
      if (hadFocus) this.onFocusLost?.();
    };
    const dismiss = iconButton('close', t('dismiss'), { class: 'icon-button banner-dismiss' });
    dismiss.addEventListener('click', remove);
    banner.append(
      icon(codicon),
      h('div', { class: 'banner-body' }, h('div', { class: 'banner-message' }, message), actions.length ? h('div', { class: 'banner-actions' }, ...actions.map((a, i) => actionButton(a, remove, i === 0))) : ''),
      dismiss,
    );
    this.el.appendChild(banner);
    // At most three: the oldest goes.
    const all = this.el.querySelectorAll('.banner[data-message]');
    if (all.length > 3) all[0].remove();
  }

  clear(): void {
    for (const b of Array.from(this.el.querySelectorAll('.banner[data-message]'))) b.remove();
  }
}
