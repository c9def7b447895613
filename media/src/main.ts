/** The chat webview's entry: builds the view, routes host messages, and sends the user's actions back. */
import { openableUrl } from '../../src/shared/links';
import '../css/chat.css';
import { isImageAttachment, type AttachmentRef, type ComposerAttachment, type HostMessage } from '../../src/shared/protocol';
import { Banners } from './banners';
import { Composer } from './composer';
import { h, icon, iconButton } from './dom';
import { setLocale } from './format';
import { warmUp } from './render/markdown';
import { HistoryPanel } from './history';
import { ServerRequests } from './serverRequests';
import { MessageQueue } from './messageQueue';
import { ServerStrip } from './servers';
import { scheduler } from './stream';
import { setStrings, t } from './strings';
import { Transcript } from './transcript';
import { post } from './vscode';

const MAX_SEND = 200_000;

const composer = new Composer();
const banners = new Banners();
const history = new HistoryPanel();
const servers = new ServerStrip();
const queue = new MessageQueue();

let runningTurnId: string | undefined;
let pendingTimer: ReturnType<typeof setTimeout> | undefined;

function setRunning(running: boolean): void {
  composer.setRunning(running);
  history.setBusy(running);
  document.body.classList.toggle('running', running);
}

const transcript = new Transcript({
  onTurnEnd(turnId, stopReason, conversationId) {
    if (conversationId) history.setCurrent(conversationId);
    if (runningTurnId === turnId || !transcript.hasPending) {
      runningTurnId = undefined;
      setRunning(false);
      // What was typed during the turn goes now, one message per turn; after Stop it goes back into the input
      // instead, since the user stopped to think again.
      if (stopReason === 'cancelled') {
        for (let item = queue.take(); item; item = queue.take()) queue.onEdit?.(item);
      } else {
        const next = queue.take();
        if (next) send(next.text, next.attachments);
      }
    }
  },
  onTotals(totals) {
    composer.setTotals(totals);
  },
  onContext(meter) {
    composer.setContext(meter);
  },
});

// Sampling and elicitation cards, at the end of the conversation.
const requests = new ServerRequests({
  list: () => transcript.el.querySelector<HTMLElement>('.messages') ?? transcript.el,
  runningTurnId: () => runningTurnId,
  follow: () => transcript.follow(),
  say: (text) => transcript.live.say(text),
  busyTyping: () => document.activeElement === composer.textarea && composer.textarea.value.trim() !== '',
});

// ---------------------------------------------------------------------------------------------------------------
// Layout

const historyButton = iconButton('history', t('history'), { 'aria-haspopup': 'dialog', 'aria-expanded': 'false' });
historyButton.addEventListener('click', () => {
  servers.popover.close(false);
  history.popover.toggle(historyButton);
});
const newChatButton = iconButton('add', t('newChat'));
newChatButton.addEventListener('click', () => {
  history.popover.close(false);
  post({ type: 'newChat' });
  composer.focus();
});
servers.button.addEventListener('click', () => history.popover.close(false));

const toolbar = h('header', { class: 'toolbar' }, servers.button, h('span', { class: 'spacer' }), historyButton, newChatButton);
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.append(
  toolbar,
  history.popover.el,
  servers.popover.el,
  h('div', { class: 'transcript-wrap' }, transcript.el, transcript.scrollButton),
  h('footer', { class: 'footer' }, banners.el, queue.el, composer.el),
  transcript.live.el,
);
banners.onFocusLost = () => composer.focus();

// ---------------------------------------------------------------------------------------------------------------
// User actions

let pendingAttachments: ComposerAttachment[] = [];

function send(text: string, attachments: ComposerAttachment[] = []): void {
  if (text.length > MAX_SEND) {
    banners.show('warning', t('tooLong', text.length, MAX_SEND), []);
    composer.setText(text);
    composer.setAttachments(attachments);
    return;
  }
  pendingAttachments = attachments;
  const resources = attachments.filter((a): a is AttachmentRef => !isImageAttachment(a));
  const images = attachments.filter(isImageAttachment).map(({ name, mimeType, data }) => ({ name, mimeType, data }));
  post({ type: 'send', text, ...(resources.length ? { attachments: resources } : {}), ...(images.length ? { images } : {}) });
  transcript.addPendingUser(text);
  setRunning(true);
  // The host answers with turnStart at once; if nothing comes, give the text back rather than hang.
  if (pendingTimer !== undefined) clearTimeout(pendingTimer);
  pendingTimer = setTimeout(() => restorePending(), 15_000);
}

function restorePending(): void {
  const text = transcript.dropPendingUser();
  if (text !== undefined && !runningTurnId) {
    setRunning(false);
    if (!composer.textarea.value) composer.setText(text);
    if (!composer.attached.length) composer.setAttachments(pendingAttachments);
  }
}

composer.onSend = send;
composer.onAttachError = (message) => banners.show('warning', message, []);
composer.onQueue = (text, attachments) => queue.add(text, attachments);
queue.onEdit = (item) => {
  // Back into the input; whatever is there already is kept after it.
  const current = composer.textarea.value;
  composer.setText(current.trim() ? `${item.text}\n${current}` : item.text);
  composer.setAttachments([...item.attachments, ...composer.attached]);
  composer.focus();
};
composer.onUnwatch = (server, uri) => post({ type: 'unwatch', server, uri });
composer.onRunPrompt = (run) => post({ type: 'runPrompt', server: run.server, name: run.name, arguments: run.arguments });

// Links never navigate the webview: http(s)/mailto go to the host, which opens them outside.
function onLinkActivation(e: MouseEvent): void {
  const a = e.target instanceof Element ? e.target.closest('a') : null;
  if (!a) return;
  e.preventDefault();
  if (e.type === 'auxclick' && e.button !== 1) return;
  const href = a.getAttribute('href');
  const url = href ? openableUrl(href) : undefined;
  if (url) post({ type: 'openLink', href: url.href });
}
document.addEventListener('click', onLinkActivation, true);
document.addEventListener('auxclick', onLinkActivation, true);

// Copy / Insert on code blocks (delegated: streamed blocks are re-created every frame).
transcript.el.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest<HTMLButtonElement>('button[data-code-action]') : null;
  if (!button) return;
  const code = button.closest('.code-block')?.querySelector('pre code')?.textContent ?? '';
  if (button.dataset.codeAction === 'insert') post({ type: 'insert', text: code });
  else {
    post({ type: 'copy', text: code });
    button.replaceChildren(icon('check'));
    button.title = t('copied');
    setTimeout(() => {
      button.replaceChildren(icon('copy'));
      button.title = t('copyCode');
    }, 1500);
  }
});

// A settled approval card took the focused button away: continue in the input.
transcript.el.addEventListener('approval-focus-lost', () => {
  const next = transcript.openApproval?.primaryButton ?? requests.open?.primaryButton;
  if (next) next.focus();
  else composer.focus();
});

// ---------------------------------------------------------------------------------------------------------------
// Host messages

function isHostMessage(data: unknown): data is HostMessage {
  return !!data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string';
}

function onHostMessage(msg: HostMessage): void {
  if (requests.handle(msg) || composer.catalog.handle(msg)) return;
  switch (msg.type) {
    case 'state':
      setLocale(msg.locale);
      composer.setModel(msg.provider, msg.model);
      composer.setInstructions(msg.instructions ?? []);
      servers.set(msg.servers ?? []);
      history.set(msg.conversations ?? []);
      banners.setRestricted(!!msg.restricted);
      return;
    case 'servers':
      servers.set(msg.servers ?? []);
      return;
    case 'conversations':
      history.set(msg.conversations ?? []);
      return;
    case 'turnStart':
      if (pendingTimer !== undefined) clearTimeout(pendingTimer);
      pendingTimer = undefined;
      pendingAttachments = [];
      transcript.startTurn(msg.turnId, msg.userText, msg.images);
      runningTurnId = msg.turnId;
      setRunning(true);
      return;
    case 'turnEvent':
      if (msg.event.type !== 'done' && !runningTurnId && !transcript.hasPending) {
        // A turn that was already running when this view loaded.
        runningTurnId = msg.turnId;
        setRunning(true);
      }
      transcript.event(msg.turnId, msg.event);
      return;
    case 'approval': {
      scheduler.flush();
      const card = transcript.approval(msg);
      const active = document.activeElement;
      const typing = active === composer.textarea && composer.textarea.value.trim() !== '';
      // Take focus to the decision unless the user is in the middle of typing or using a popover.
      if (card && !typing && !history.popover.isOpen && !servers.popover.isOpen) card.primaryButton?.focus({ preventScroll: true });
      return;
    }
    case 'approvalSettled':
      transcript.approvalSettled(msg.approvalId, msg.decision);
      return;
    case 'conversation':
      transcript.show(msg.items ?? []);
      composer.setTotals(msg.totals);
      requests.reattach();
      history.setCurrent(msg.id);
      if (!runningTurnId) setRunning(false);
      if (!msg.items?.length) banners.clear();
      return;
    case 'banner':
      if (transcript.hasPending && !runningTurnId) restorePending();
      // An error the running turn already shows inline, with the same buttons, is not repeated.
      if (msg.level === 'error' && msg.message === transcript.lastError) return;
      banners.show(msg.level, msg.message, msg.actions ?? []);
      return;
    case 'prefill':
      if (msg.send && !composer.isRunning && msg.text.trim()) {
        send(msg.text);
      } else {
        composer.setText(msg.text);
        composer.focus();
      }
      return;
    case 'strings':
      setStrings(msg.strings ?? {});
      relabel();
      return;
    case 'watched':
      composer.setWatched(msg.resources ?? []);
      return;
  }
}

function relabel(): void {
  historyButton.title = t('history');
  historyButton.setAttribute('aria-label', t('history'));
  newChatButton.title = t('newChat');
  newChatButton.setAttribute('aria-label', t('newChat'));
  history.popover.setTitle(t('historyTitle'));
  servers.popover.setTitle(t('servers'));
  composer.relabel();
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (!isHostMessage(e.data)) return;
  try {
    onHostMessage(e.data);
  } catch (err) {
    console.error('mcp-agent webview: failed to handle', e.data.type, err);
  }
});

post({ type: 'ready' });
if (!composer.textarea.value) composer.focus();
warmUp();
