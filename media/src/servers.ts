/** The server status strip (counts by state) and its panel: each server with Restart / Show logs. */
import type { ServerSummary } from '../../src/shared/protocol';
import { actionButton } from './banners';
import { h, icon, spinner } from './dom';
import { formatNumber } from './format';
import { arrowNavigation, Popover } from './popover';
import { t, type StringKey } from './strings';
import { post } from './vscode';

const STATE_LABEL: Record<ServerSummary['state'], StringKey> = {
  connected: 'serverConnected',
  starting: 'serverStarting',
  error: 'serverError',
  idle: 'serverIdle',
  stopped: 'serverStopped',
  untrusted: 'serverUntrusted',
};

function stateIcon(state: ServerSummary['state']): HTMLElement {
  if (state === 'starting') return spinner();
  if (state === 'connected') return icon('circle-filled', 'state-connected');
  if (state === 'error') return icon('error', 'state-error');
  if (state === 'untrusted') return icon('shield', 'state-untrusted');
  return icon('circle-outline', 'state-idle');
}

/** Opens VS Code's trust review of the workspace servers waiting for it. */
function trustButton(name: string): HTMLButtonElement {
  const label = t('serverTrustNamed', name);
  const b = h('button', { type: 'button', class: 'icon-button', title: label, 'aria-label': label, 'data-focus-key': `trust:${name}` }, icon('workspace-trusted'));
  b.addEventListener('click', () => post({ type: 'server', name, op: 'trust' }));
  return b;
}

/** A server's tools with a checkbox each: unchecked tools are never offered to the model or run. */
function toolSwitches(s: ServerSummary, expanded: Set<string>): HTMLElement {
  const list = s.tools ?? [];
  const off = list.filter((x) => x.disabled).length;
  const rows = list.map((x) => {
    const box = h('input', { type: 'checkbox', class: 'tool-switch', 'data-tool': x.name, 'data-focus-key': `tool:${x.name}` });
    box.checked = !x.disabled;
    if (x.byPattern) {
      box.disabled = true;
      box.title = t('toolOffByPattern');
    }
    box.addEventListener('change', () => post({ type: 'toggleTool', name: x.name, enabled: box.checked }));
    return h('li', {}, h('label', { class: 'tool-switch-row', title: x.byPattern ? t('toolOffByPattern') : x.name }, box, h('span', {}, x.tool)));
  });
  const summary = off ? t('serverToolsOff', formatNumber(list.length), formatNumber(off)) : t('serverTools', formatNumber(list.length));
  const details = h('details', { class: 'server-tools', open: expanded.has(s.name) }, h('summary', { 'data-focus-key': `tools:${s.name}` }, icon('chevron-right', 'twisty'), summary), h('ul', { class: 'tool-switches', role: 'list' }, ...rows));
  // Kept open across updates (a switch changes the setting, and the list comes back).
  details.addEventListener('toggle', () => (details.open ? expanded.add(s.name) : expanded.delete(s.name)));
  return details;
}

export class ServerStrip {
  readonly button: HTMLButtonElement;
  readonly popover = new Popover(t('servers'), 'servers');
  private servers: ServerSummary[] = [];
  /** Servers whose tool list the user opened. */
  private readonly expanded = new Set<string>();
  private readonly list = h('ul', { class: 'server-list', role: 'list' });
  private readonly empty = h('div', { class: 'popover-empty', hidden: true }, t('serversEmptyHint'));

  constructor() {
    this.button = h('button', { type: 'button', class: 'server-strip', 'aria-haspopup': 'dialog', 'aria-expanded': 'false' });
    this.button.addEventListener('click', () => this.popover.toggle(this.button));
    arrowNavigation(this.list, 'button');
    this.popover.body.append(
      this.list,
      this.empty,
      h('div', { class: 'popover-foot' }, actionButton('restartServers', () => this.popover.close()), actionButton('showServers', () => this.popover.close())),
    );
    this.popover.onOpen = () => this.renderList();
    this.renderStrip();
  }

  set(servers: ServerSummary[]): void {
    this.servers = servers;
    this.renderStrip();
    if (this.popover.isOpen) this.renderList();
  }

  private renderStrip(): void {
    const count = (s: ServerSummary['state']): number => this.servers.filter((x) => x.state === s).length;
    const connected = count('connected');
    const starting = count('starting');
    const errors = count('error');
    const untrusted = count('untrusted');
    const parts: Array<HTMLElement | string> = [icon('server')];
    if (!this.servers.length) parts.push(h('span', { class: 'strip-label' }, t('serversNone')));
    else {
      parts.push(h('span', { class: 'strip-count connected' }, icon('circle-filled', 'state-connected'), formatNumber(connected)));
      if (starting) parts.push(h('span', { class: 'strip-count starting' }, spinner(), formatNumber(starting)));
      if (errors) parts.push(h('span', { class: 'strip-count error' }, icon('error', 'state-error'), formatNumber(errors)));
      if (untrusted) parts.push(h('span', { class: 'strip-count untrusted' }, icon('shield', 'state-untrusted'), formatNumber(untrusted)));
    }
    const label = this.servers.length
      ? [t('serversSummary', connected, starting, errors), untrusted ? t('serversUntrusted', untrusted) : ''].filter(Boolean).join('; ')
      : `${t('servers')}: ${t('serversNone')}`;
    this.button.replaceChildren(...parts);
    this.button.title = label;
    this.button.setAttribute('aria-label', label);
    this.button.classList.toggle('has-error', errors > 0);
  }

  private renderList(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset.focusKey;
    this.list.replaceChildren(...this.servers.map((s) => this.row(s)));
    this.empty.hidden = this.servers.length > 0;
    if (focused) this.list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  }

  private row(s: ServerSummary): HTMLElement {
    const restart = h('button', { type: 'button', class: 'icon-button', title: t('serverRestartNamed', s.name), 'aria-label': t('serverRestartNamed', s.name), 'data-focus-key': `restart:${s.name}` }, icon('debug-restart'));
    restart.addEventListener('click', () => post({ type: 'server', name: s.name, op: 'restart' }));
    const logs = h('button', { type: 'button', class: 'icon-button', title: t('serverLogsNamed', s.name), 'aria-label': t('serverLogsNamed', s.name), 'data-focus-key': `logs:${s.name}` }, icon('output'));
    logs.addEventListener('click', () => post({ type: 'server', name: s.name, op: 'logs' }));
    const actions = s.state === 'untrusted' ? [trustButton(s.name)] : [restart, logs];
    const tools = s.tools?.length ? toolSwitches(s, this.expanded) : null;
    const meta = [t(STATE_LABEL[s.state] ?? 'serverIdle'), s.transport, s.state === 'connected' || s.toolCount ? t('serverTools', formatNumber(s.toolCount)) : ''].filter(Boolean).join(' · ');
    return h(
      'li',
      { class: 'server-item', 'data-state': s.state, 'data-server': s.name },
      h('span', { class: 'server-state' }, stateIcon(s.state)),
      h('div', { class: 'server-info' }, h('div', { class: 'server-name' }, s.name), h('div', { class: 'server-meta' }, meta), s.lastError && s.state === 'error' ? h('div', { class: 'server-error' }, s.lastError) : null, tools),
      h('div', { class: 'server-actions' }, ...actions),
    );
  }
}
