/**
 * One chat surface (the side view or an editor tab): routes validated webview messages to the agent, streams a
 * turn's events back, shows approval cards, and keeps the conversation this surface is on.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { DEFAULT_STRINGS } from '../shared/strings';
import type { ImagePart } from '../core/llm/types';
import { conversationTotals } from '../core/llm/usage';
import type { ApprovalDecision, ApprovalRequest, Approver } from '../core/ports';
import {
  parseWebviewMessage,
  type AttachmentRef,
  type BannerAction,
  type ConversationListItem,
  type HostMessage,
  type ServerRequestView,
  type TurnEvent,
  type WebviewMessage,
} from '../shared/protocol';
import { openableUrl } from '../shared/links';
import { changeReview, openChangedFile } from './changeReview';
import { errorActions, toTurnEvent, transcript } from './turnView';
import { serverSummaries, toggleTool } from './serverList';
import { restoreCheckpoint } from './checkpointUi';
import type { VsCodeFront } from './VsCodeFront';
import { ResourceWatch } from '../core/mcp/resourceWatch';
import { attachmentUri, catalog } from './mcpContext';
import { buildUserTurn } from '../core/mcp/userTurn';
import type { Reply, RequestSurface, Verdict } from './serverRequests';

interface PendingRequest {
  request: ServerRequestView;
  reply(r: Reply): Promise<void>;
  cancel(): void;
}

export class ChatController implements RequestSurface, vscode.Disposable {
  private conversationId?: string;
  private running?: { turnId: string; abort: AbortController };
  private readonly pending = new Map<string, (d: ApprovalDecision) => void>();
  private readonly disposables: vscode.Disposable[] = [];
  private lastPrompt?: string;
  /** What the header shows (provider, model, Restricted Mode), to tell when a change needs the whole state again. */
  private shownHeader?: string;
  /** Server requests (sampling, elicitation) waiting for the user here. */
  private readonly requests = new Map<string, PendingRequest>();
  private loaded = false;
  private disposed = false;
  /** Resources attached in this conversation, subscribed to: a changed one goes again with the next message. */
  private readonly watch: ResourceWatch;

  constructor(
    private readonly host: VsCodeFront,
    private readonly webview: vscode.Webview,
  ) {
    this.watch = new ResourceWatch(host.manager, {
      logger: host.logger,
      onChange: (resources) => void (this.disposed ? undefined : this.post({ type: 'watched', resources })),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      // A settings change may switch the model (or trust may be granted): the header then needs the whole state.
      host.onDidChange(() => void (this.shownHeader !== undefined && this.shownHeader !== this.header() ? this.sendState() : this.post({ type: 'servers', servers: serverSummaries(this.host) }))),
      host.serverRequests.register(this),
    );
  }

  private post(message: HostMessage): Thenable<boolean> {
    return this.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    if (!msg) {
      // The webview renders model output; anything it sends is checked, and what does not fit is dropped.
      this.host.logger.warn(`ignored a malformed message from the chat view: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'ready': {
        await this.sendState();
        await this.showConversation(this.conversationId);
        // A reloaded view shows the requests still waiting for an answer.
        for (const [requestId, p] of this.requests) await this.post({ type: 'serverRequest', requestId, request: p.request });
        await this.post({ type: 'watched', resources: this.watch.list() });
        this.loaded = true;
        this.host.serverRequests.surfaceReady();
        return;
      }
      case 'send':
        return this.send(msg.text, msg.attachments ?? [], msg.images ?? []);
      case 'serverRequestReply':
        await this.requests.get(msg.requestId)?.reply({ action: msg.action, values: msg.values });
        return;
      case 'catalog':
        return this.sendCatalog();
      case 'complete':
        return this.complete(msg);
      case 'runPrompt':
        return this.runPrompt(msg.server, msg.name, msg.arguments);
      case 'unwatch':
        return this.watch.unwatch(msg.server, msg.uri);
      case 'stop':
        this.running?.abort.abort();
        return;
      case 'newChat':
        return this.newChat();
      case 'compact':
        return this.compact();
      case 'approve':
        this.pending.get(msg.approvalId)?.(msg.decision);
        return;
      case 'reviewChange':
        return changeReview.reveal(msg.approvalId);
      case 'openFile':
        return openChangedFile(this.host.root, msg.path);
      case 'restoreCheckpoint':
        await restoreCheckpoint(this.host.runtime, msg.id);
        return;
      case 'openConversation':
        if (this.running) return;
        if (msg.id !== this.conversationId) void this.watch.clear();
        return this.showConversation(msg.id);
      case 'deleteConversation':
        await this.host.store.delete(msg.id).catch(() => false);
        if (this.conversationId === msg.id) await this.newChat();
        await this.post({ type: 'conversations', conversations: await this.conversations() });
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(msg.text);
        return;
      case 'insert': {
        const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
        if (!editor) {
          void vscode.window.showInformationMessage(vscode.l10n.t('Open an editor to insert the code into.'));
          return;
        }
        await editor.edit((e) => e.replace(editor.selection, msg.text));
        return;
      }
      case 'openLink':
        return openLink(msg.href, this.host.logger);
      case 'action':
        return this.runAction(msg.action);
      case 'toggleTool':
        return toggleTool(msg.name, msg.enabled);
      case 'server':
        if (msg.op === 'restart') await this.host.restartServers(msg.name);
        else if (msg.op === 'trust') await vscode.commands.executeCommand('mcpAgent.trustServers');
        else this.host.serverLogs.show(msg.name);
        return;
    }
  }

  private async runAction(action: BannerAction): Promise<void> {
    const commands: Record<BannerAction, string> = {
      setApiKey: 'mcpAgent.setApiKey',
      openSettings: 'mcpAgent.openSettings',
      showLogs: 'mcpAgent.showLogs',
      showServers: 'mcpAgent.showServers',
      restartServers: 'mcpAgent.restartServers',
      retry: '',
    };
    if (action === 'retry') {
      if (this.lastPrompt) await this.send(this.lastPrompt);
      return;
    }
    if (action === 'openSettings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'mcpAgent');
      return;
    }
    await vscode.commands.executeCommand(commands[action]);
  }

  /** Puts text into the input (and sends it), e.g. from Explain Selection. */
  async prefill(text: string, send: boolean): Promise<void> {
    if (send) await this.send(text);
    else await this.post({ type: 'prefill', text, send: false });
  }

  /**
   * Sends `text` with context the host made (Analyze Current File's analysis): the model gets the context, the
   * bubble shows only the text and the attachment's name, as for an `@` resource.
   */
  async sendWithContext(text: string, context: { name: string; body: string }): Promise<void> {
    if (this.running) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Wait for the current answer, or stop it first.'));
      return;
    }
    const shown = `${text}\n\n${vscode.l10n.t('Attached: {0}', context.name)}`;
    await this.runTurn(shown, { prompt: `${text}\n\n<attachment name=${JSON.stringify(context.name)}>\n${context.body}\n</attachment>` });
  }

  async newChat(): Promise<void> {
    this.running?.abort.abort();
    this.conversationId = undefined;
    void this.watch.clear();
    await this.post({ type: 'conversation', items: [] });
  }

  /**
   * Sends the user's text as a turn. Attached resources are read first and added to the prompt as context; one
   * that cannot be read stops the send with a banner naming it (the webview gives the text back). They are then
   * watched: an earlier attachment that changed since goes with this message again, as it is now.
   */
  async send(text: string, attachments: AttachmentRef[] = [], images: Array<{ name: string; mimeType: string; data: string }> = []): Promise<void> {
    if (text.trim() === '/compact' && attachments.length === 0 && images.length === 0) return this.compact();
    if (this.running) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Wait for the current answer, or stop it first.'));
      return;
    }
    let turn;
    try {
      // Built in the core as the CLI builds it: resources read within their budgets, watched changes, then the text.
      turn = await buildUserTurn(this.host.manager, { text, attachments: attachments.map((a) => ({ server: a.server, uri: attachmentUri(a) })), watch: this.watch });
    } catch (err) {
      await this.banner(vscode.l10n.t('Could not read the attached resource: {0}', (err as Error).message), ['showLogs']);
      return;
    }
    let shown = text;
    if (attachments.length || images.length) shown = `${text}\n\n${vscode.l10n.t('Attached: {0}', [...attachments, ...images].map((a) => a.name).join(', '))}`;
    if (turn.updated.length) shown = `${shown}\n\n${vscode.l10n.t('Changed since attached: {0}', turn.updated.join(', '))}`;
    if (attachments.length) void this.watch.watch(attachments.map((a) => ({ server: a.server, uri: attachmentUri(a), name: a.name })));
    const prompt = 'prompt' in turn.request ? turn.request.prompt : text;
    await this.runTurn(shown, { prompt, ...(images.length ? { images: images.map((i) => ({ mimeType: i.mimeType, data: i.data })) } : {}) });
  }

  /** Compact Conversation: the conversation so far is summarized for the model; every message stays. */
  async compact(): Promise<void> {
    if (this.running) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Wait for the current answer, or stop it first.'));
      return;
    }
    if (!this.conversationId) {
      await this.banner(vscode.l10n.t('Nothing to compact yet.'), [], 'info');
      return;
    }
    try {
      const { agent } = await this.host.agent();
      const { summarized } = await agent.compact(this.conversationId);
      await this.banner(summarized ? vscode.l10n.t('The {0} oldest messages are now summarized for the model; you still see them all.', summarized) : vscode.l10n.t('Nothing to compact yet.'), [], 'info');
    } catch (err) {
      await this.banner(vscode.l10n.t('Could not compact the conversation: {0}', (err as Error).message), ['showLogs']);
    }
  }

  /** Runs a server prompt (a `/` command): its messages become the user's turn. */
  async runPrompt(server: string, name: string, args: Record<string, string>): Promise<void> {
    if (this.running) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Wait for the current answer, or stop it first.'));
      return;
    }
    let turn;
    try {
      turn = await buildUserTurn(this.host.manager, { prompt: { server, name, args }, watch: this.watch });
    } catch (err) {
      await this.banner(vscode.l10n.t('Could not run the prompt /{0} of {1}: {2}', name, server, (err as Error).message), ['showLogs']);
      return;
    }
    const { request } = turn;
    const last = 'prompt' in request ? request.prompt : (request.messages[request.messages.length - 1]?.content ?? '');
    await this.runTurn(`/${name}\n\n${last}`, request);
  }

  private async runTurn(userText: string, request: { prompt: string; images?: ImagePart[] } | { messages: Array<{ role: string; content: string }> }): Promise<void> {
    const turnId = randomUUID();
    const abort = new AbortController();
    this.running = { turnId, abort };
    // Retry sends the same text again (attached resources included, as read the first time).
    this.lastPrompt = 'prompt' in request ? request.prompt : userText;
    await this.post({ type: 'turnStart', turnId, userText, ...('images' in request && request.images?.length ? { images: request.images } : {}) });
    const emit = (event: TurnEvent) => void this.post({ type: 'turnEvent', turnId, event });
    try {
      const { agent } = await this.host.agent();
      // This panel answers this turn's approvals, each on its own tool call's card.
      const approver: Approver = { request: (req, signal) => this.ask(req, signal) };
      const r = await agent.chat({ ...request, conversationId: this.conversationId, signal: abort.signal, onEvent: (e) => toTurnEvent(e, emit), approver });
      this.conversationId = r.conversation_id ?? this.conversationId;
      if (r.error) await this.banner(r.error, errorActions(r.error));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      emit({ type: 'error', message, actions: errorActions(message, err) });
      emit({ type: 'done', stopReason: 'error' });
      await this.banner(message, errorActions(message, err));
    } finally {
      this.running = undefined;
      for (const [id, resolve] of this.pending) {
        resolve('deny');
        void this.post({ type: 'approvalSettled', approvalId: id, decision: 'cancelled' });
      }
      this.pending.clear();
      await this.post({ type: 'conversations', conversations: await this.conversations() });
    }
  }

  ask(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision> {
    const approvalId = randomUUID();
    return new Promise<ApprovalDecision>((resolve) => {
      const done = (d: ApprovalDecision) => {
        if (!this.pending.delete(approvalId)) return;
        changeReview.settled(approvalId);
        signal?.removeEventListener('abort', onAbort);
        void this.post({ type: 'approvalSettled', approvalId, decision: d });
        resolve(d);
      };
      const onAbort = () => done('deny');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(approvalId, done);
      void this.post({
        type: 'approval',
        turnId: this.running?.turnId ?? '',
        approvalId,
        callId: req.callId ?? '',
        kind: req.kind,
        tool: req.tool,
        server: req.server,
        summary: req.summary,
        args: JSON.stringify(req.args, null, 2),
        ...(req.change ? { change: { path: req.change.path, diff: req.change.diff } } : {}),
        ...(req.cwd ? { cwd: req.cwd } : {}),
        ...(req.reason ? { reason: req.reason } : {}),
      });
      if (req.change) void changeReview.show(approvalId, this.host.root, req.change, done);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Server requests (sampling, elicitation): cards here, answered through `decide` (ServerRequests)

  get canShow(): boolean {
    return this.loaded && !this.disposed;
  }

  get busy(): boolean {
    return !!this.running;
  }

  showRequest<T>(request: ServerRequestView, signal: AbortSignal, decide: (reply: Reply) => Promise<Verdict<T>>): Promise<T | undefined> {
    const requestId = randomUUID();
    return new Promise<T | undefined>((resolve) => {
      let deciding = false;
      const finish = (value: T | undefined, outcome: Parameters<ChatController['settleRequest']>[1], detail?: string) => {
        if (!this.requests.delete(requestId)) return;
        signal.removeEventListener('abort', onAbort);
        if (!this.disposed) void this.settleRequest(requestId, outcome, detail);
        resolve(value);
      };
      const onAbort = () => finish(undefined, 'cancelled');
      if (signal.aborted) {
        resolve(undefined);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.requests.set(requestId, {
        request,
        cancel: onAbort,
        reply: async (r) => {
          if (deciding) return;
          deciding = true;
          try {
            const verdict = await decide(r);
            if ('errors' in verdict) await this.post({ type: 'serverRequestErrors', requestId, errors: verdict.errors });
            else finish(verdict.result, verdict.outcome, verdict.detail);
          } catch (err) {
            this.host.logger.warn(`answering a server request failed: ${(err as Error).message}`);
            finish(undefined, 'failed', (err as Error).message);
          } finally {
            deciding = false;
          }
        },
      });
      // Not delivered: the view is hidden (its webview is gone until shown). Show it; on `ready` it gets the card.
      void (async () => {
        const delivered = await this.post({ type: 'serverRequest', requestId, request });
        if (!delivered && !this.disposed) await vscode.commands.executeCommand('mcpAgent.openChat');
      })().catch((err: unknown) => this.host.logger.debug(`showing a server request: ${(err as Error).message}`));
    });
  }

  private settleRequest(requestId: string, outcome: Extract<HostMessage, { type: 'serverRequestSettled' }>['outcome'], detail?: string): Thenable<boolean> {
    return this.post({ type: 'serverRequestSettled', requestId, outcome, ...(detail ? { detail } : {}) });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Resources and prompts for `@` and `/`

  private async sendCatalog(): Promise<void> {
    const errors: string[] = [];
    let c: ReturnType<typeof catalog> = { resources: [], prompts: [] };
    try {
      c = catalog(this.host.manager);
    } catch (err) {
      errors.push((err as Error).message);
    }
    await this.post({ type: 'catalog', resources: c.resources, prompts: c.prompts, errors });
  }

  private async complete(msg: Extract<WebviewMessage, { type: 'complete' }>): Promise<void> {
    let values: string[] = [];
    try {
      const ref = msg.ref.type === 'prompt' ? { type: 'ref/prompt' as const, name: msg.ref.name } : { type: 'ref/resource' as const, uri: msg.ref.uri };
      values = (await this.host.manager.complete(msg.server, ref, msg.argument, msg.context, { timeoutMs: 5_000 })).values.slice(0, 100);
    } catch (err) {
      this.host.logger.debug(`[${msg.server}] completion failed: ${(err as Error).message}`);
    }
    await this.post({ type: 'completion', requestId: msg.requestId, values });
  }

  private async banner(message: string, actions: BannerAction[], level: 'error' | 'info' = 'error'): Promise<void> {
    await this.post({ type: 'banner', level, message, actions });
  }

  private header(): string {
    return JSON.stringify([this.host.providerInfo(), vscode.workspace.isTrusted]);
  }

  async sendState(): Promise<void> {
    const { provider, model } = this.host.providerInfo();
    this.shownHeader = this.header();
    await this.post({
      type: 'state',
      provider,
      model,
      servers: serverSummaries(this.host),
      conversations: await this.conversations(),
      restricted: !vscode.workspace.isTrusted,
      locale: vscode.env.language,
      instructions: await this.host.runtime.instructionSources().catch(() => []),
    });
  }

  private async conversations(): Promise<ConversationListItem[]> {
    try {
      return (await this.host.store.list()).slice(0, 100).map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt, messageCount: c.messageCount }));
    } catch {
      return [];
    }
  }

  private async showConversation(id: string | undefined): Promise<void> {
    if (!id) {
      await this.post({ type: 'conversation', items: [] });
      return;
    }
    try {
      const conv = await this.host.store.load(id);
      this.conversationId = id;
      await this.post({ type: 'conversation', id, items: transcript(conv.messages), totals: conversationTotals(conv.messages, this.host.runtime.settings.llm.pricing) });
    } catch (err) {
      await this.banner(vscode.l10n.t('Could not open the conversation: {0}', (err as Error).message), []);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.running?.abort.abort();
    void this.watch.clear();
    for (const d of this.disposables) d.dispose();
    // Requests waiting here are cancelled: the server hears "cancel", not silence.
    for (const p of [...this.requests.values()]) p.cancel();
  }
}

/** Links from model output open outside VS Code only when they are http(s). */
async function openLink(href: string, logger: { warn(m: string): void }): Promise<void> {
  const url = openableUrl(href);
  if (!url) {
    logger.warn(`refused to open a link that is not a plain http(s) URL: ${JSON.stringify(href.slice(0, 200))}`);
    return;
  }
  await vscode.env.openExternal(vscode.Uri.parse(url.href, true));
}

/** The webview's labels in the UI language: each English text looked up in the loaded l10n bundle (none in English). */
export function webviewStrings(): Record<string, string> {
  const bundle = vscode.l10n.bundle;
  const out: Record<string, string> = {};
  if (!bundle) return out;
  for (const [key, english] of Object.entries(DEFAULT_STRINGS)) {
    const translated = bundle[english];
    if (typeof translated === 'string' && translated) out[key] = translated;
  }
  return out;
}
