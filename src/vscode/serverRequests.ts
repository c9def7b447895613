/**
 * Requests MCP servers make of the user, in VS Code: sampling (`sampling/createMessage`) and elicitation
 * (`elicitation/create`, form and URL modes). They can come at any time (during a tool call or not), so they go to
 * a chat panel that can show them now (the one running a turn first, else the chat view, revealed) and fall back
 * to native dialogs (modal + input boxes / quick picks) when no panel can show them. The core does the rest:
 * rate limits, model mapping and the model call (createSamplingHandler), the form model and its validation
 * (elicitationView / validateForm).
 */
import type { CreateMessageRequest, ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import * as vscode from 'vscode';
import type { ChatProvider, ChatRequest, StreamEvent } from '../core/llm/types';
import type { AgentManager } from '../core/mcp/AgentManager';
import { coerceField, elicitationView, validateForm, type ElicitationView, type FormField } from '../core/mcp/elicitation';
import type { ClientHandlers } from '../core/mcp/McpAgent';
import { base64Bytes, createSamplingHandler, type SamplingAnswerView, type SamplingDecision, type SamplingRequestView } from '../core/mcp/sampling';
import type { Logger } from '../core/ports';
import type { SamplingPart, ServerRequestOutcome, ServerRequestView } from '../shared/protocol';

export type ReplyAction = 'approve' | 'trust' | 'deny' | 'send' | 'discard' | 'accept' | 'decline' | 'cancel' | 'open';
export interface Reply {
  action: ReplyAction;
  values?: Record<string, unknown>;
}

/** The host's answer to a reply: settle the card with a result, or keep it open with messages by field. */
export type Verdict<T> = { outcome: ServerRequestOutcome; result: T; detail?: string } | { errors: Record<string, string> };

/** A chat panel that can show server requests (ChatController). */
export interface RequestSurface {
  /** Its webview has loaded (posted `ready`) and is not disposed. */
  readonly canShow: boolean;
  /** It is running a turn (the user is watching it). */
  readonly busy: boolean;
  /** Shows the request as a card; resolves with the settled result, or undefined when the server cancelled it or the panel went away. */
  showRequest<T>(request: ServerRequestView, signal: AbortSignal, decide: (reply: Reply) => Promise<Verdict<T>>): Promise<T | undefined>;
}

/** Images bigger than this are described, not sent to the webview as thumbnails. */
const MAX_THUMBNAIL_BYTES = 512 * 1024;
const TRUST_KEY = 'mcpAgent.samplingTrustedServers';
/** How long a request waits for a chat view to come up before native dialogs are used. */
const REVEAL_WAIT_MS = 20_000;

export interface ServerRequestsOptions {
  logger: Logger;
  state: vscode.Memento;
  /** The agent's model service (built lazily: settings may change it). */
  provider: () => Promise<ChatProvider>;
  /** The configured model's name, known without building the provider. */
  model: () => string;
  /** The servers (set after the manager is built): user-level definitions may be trusted for sampling. */
  manager?: () => AgentManager | undefined;
}

export class ServerRequests {
  private readonly surfaces: RequestSurface[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** The request each running sampling call came with (for images the core's text view leaves out). */
  private readonly samplingParams = new WeakMap<AbortSignal, CreateMessageRequest['params']>();

  constructor(private readonly opts: ServerRequestsOptions) {}

  /** The `sampling` and `elicitation` entries of the AgentManager's handlers. */
  handlers(): Pick<ClientHandlers, 'sampling' | 'elicitation'> {
    const provider = this.lazyProvider();
    const core = createSamplingHandler({
      provider,
      approve: (view, signal) => this.approveSampling(view, signal),
      reviewAnswer: (view, answer, signal) => this.reviewAnswer(view, answer, signal),
      trusted: (server) => this.isTrusted(server),
    });
    return {
      sampling: async (server, params, signal) => {
        this.samplingParams.set(signal, params);
        try {
          return await core(server, params, signal);
        } finally {
          this.samplingParams.delete(signal);
        }
      },
      elicitation: (server, params, signal) => this.elicit(server, params, signal),
    };
  }

  /** A chat panel that can show requests; dispose when it goes. */
  register(surface: RequestSurface): vscode.Disposable {
    this.surfaces.push(surface);
    return new vscode.Disposable(() => {
      const i = this.surfaces.indexOf(surface);
      if (i >= 0) this.surfaces.splice(i, 1);
    });
  }

  /** A panel announces it can show requests now (its webview posted `ready`). */
  surfaceReady(): void {
    this.changed.fire();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sampling

  isTrusted(server: string): boolean {
    if (this.opts.state.get<string[]>(TRUST_KEY, []).includes(server)) return true;
    // Only the user's own definitions may say so: a cloned repository's mcp.json must not trust itself.
    const def = this.opts.manager?.()?.agent(server)?.definition;
    return def?.source === 'user settings' && def.sampling?.trusted === true;
  }

  async trust(server: string): Promise<void> {
    const list = this.opts.state.get<string[]>(TRUST_KEY, []);
    if (!list.includes(server)) await this.opts.state.update(TRUST_KEY, [...list, server]);
  }

  private async approveSampling(view: SamplingRequestView, signal: AbortSignal): Promise<SamplingDecision> {
    const request = samplingCardView(view, this.samplingParams.get(signal));
    const decide = async (r: Reply): Promise<Verdict<SamplingDecision>> => {
      if (r.action === 'approve') return { outcome: 'approved', result: 'approve' };
      if (r.action === 'trust') {
        await this.trust(view.server);
        return { outcome: 'trusted', result: 'always' };
      }
      return { outcome: 'denied', result: 'decline' };
    };
    const shown = await this.show(request, signal, decide);
    if (shown !== NO_PANEL) return shown ?? 'decline';
    // No panel: a modal dialog.
    const approve = vscode.l10n.t('Approve');
    const trust = vscode.l10n.t('Trust this server for sampling');
    const picked = await vscode.window.showWarningMessage(vscode.l10n.t('MCP server "{0}" asks the model for a completion', view.server), { modal: true, detail: samplingDetail(view) }, approve, trust);
    if (picked === trust) {
      await this.trust(view.server);
      return 'always';
    }
    return picked === approve ? 'approve' : 'decline';
  }

  private async reviewAnswer(view: SamplingRequestView, answer: SamplingAnswerView, signal: AbortSignal): Promise<boolean> {
    const request: ServerRequestView = { kind: 'samplingReview', server: view.server, model: answer.model, text: answer.text, stopReason: answer.stopReason };
    const shown = await this.show(request, signal, async (r) => (r.action === 'send' ? { outcome: 'sent', result: true } : { outcome: 'discarded', result: false }));
    if (shown !== NO_PANEL) return shown ?? false;
    const send = vscode.l10n.t('Send');
    const picked = await vscode.window.showInformationMessage(vscode.l10n.t('Send the model\'s answer back to "{0}"?', view.server), { modal: true, detail: answer.text.slice(0, 4000) }, send);
    return picked === send;
  }

  /** The model service, resolved when a request comes (it is rebuilt when settings change). */
  private lazyProvider(): ChatProvider {
    const opts = this.opts;
    return {
      id: 'agent',
      get model() {
        return opts.model();
      },
      async *stream(request: ChatRequest): AsyncIterable<StreamEvent> {
        const p = await opts.provider();
        // The configured model by its settings name: the provider's own name for it (vscode-lm's "auto" is not one).
        yield* p.stream({ ...request, model: request.model === opts.model() ? p.model : request.model });
      },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Elicitation

  private async elicit(server: string, params: ElicitRequest['params'], signal: AbortSignal): Promise<ElicitResult> {
    const view = elicitationView(params);
    if (view.mode === 'url') return this.elicitUrl(server, view, signal);
    const decide = async (r: Reply): Promise<Verdict<ElicitResult>> => {
      if (r.action === 'decline') return { outcome: 'declined', result: { action: 'decline' } };
      if (r.action !== 'accept') return { outcome: 'cancelled', result: { action: 'cancel' } };
      // The webview checked too, but it renders model output: the values are checked again here.
      const checked = validateForm(view.fields, r.values ?? {});
      if (!checked.ok) return { errors: checked.errors };
      return { outcome: 'accepted', result: { action: 'accept', content: checked.content } };
    };
    const shown = await this.show({ kind: 'elicitation', server, message: view.message, fields: view.fields }, signal, decide);
    if (shown !== NO_PANEL) return shown ?? { action: 'cancel' };
    return nativeForm(server, view.message, view.fields, signal);
  }

  private async elicitUrl(server: string, view: Extract<ElicitationView, { mode: 'url' }>, signal: AbortSignal): Promise<ElicitResult> {
    const open = async (): Promise<boolean> => {
      if (!view.openable) {
        this.opts.logger.warn(`[${server}] refused to open a link with a scheme other than http(s): ${view.url.slice(0, 200)}`);
        return false;
      }
      const yes = vscode.l10n.t('Open');
      const picked = await vscode.window.showWarningMessage(vscode.l10n.t('Open {0} in your browser?', view.host), { modal: true, detail: `${vscode.l10n.t('MCP server "{0}" asks you to open this link:', server)}\n${view.url}` }, yes);
      if (picked !== yes) return false;
      return vscode.env.openExternal(vscode.Uri.parse(view.url, true));
    };
    const decide = async (r: Reply): Promise<Verdict<ElicitResult>> => {
      if (r.action === 'open') return (await open()) ? { outcome: 'opened', result: { action: 'accept' } } : { errors: {} };
      if (r.action === 'decline') return { outcome: 'declined', result: { action: 'decline' } };
      return { outcome: 'cancelled', result: { action: 'cancel' } };
    };
    const shown = await this.show({ kind: 'elicitationUrl', server, message: view.message, url: view.url, host: view.host, openable: view.openable }, signal, decide);
    if (shown !== NO_PANEL) return shown ?? { action: 'cancel' };
    if (signal.aborted) return { action: 'cancel' };
    return (await open()) ? { action: 'accept' } : { action: 'decline' };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Where requests are shown

  /** Shows the request in a panel; NO_PANEL when none can show it (the caller falls back to native dialogs). */
  private async show<T>(request: ServerRequestView, signal: AbortSignal, decide: (r: Reply) => Promise<Verdict<T>>): Promise<T | undefined | typeof NO_PANEL> {
    const surface = await this.surface(signal);
    if (!surface) return NO_PANEL;
    return surface.showRequest(request, signal, decide);
  }

  /** The panel running a turn, else the latest ready one, else the chat view revealed for it. */
  private async surface(signal: AbortSignal): Promise<RequestSurface | undefined> {
    const pick = () => [...this.surfaces].reverse().find((s) => s.canShow && s.busy) ?? [...this.surfaces].reverse().find((s) => s.canShow);
    // A panel that is hidden reveals itself when the card cannot be delivered (ChatController.showRequest).
    const now = pick();
    if (now) return now;
    if (signal.aborted) return undefined;
    const appeared = new Promise<RequestSurface | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), REVEAL_WAIT_MS);
      const sub = this.changed.event(() => {
        const s = pick();
        if (s) done(s);
      });
      const onAbort = () => done(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      function done(s: RequestSurface | undefined): void {
        clearTimeout(timer);
        sub.dispose();
        signal.removeEventListener('abort', onAbort);
        resolve(s);
      }
    });
    try {
      await vscode.commands.executeCommand('mcpAgent.openChat');
    } catch (err) {
      this.opts.logger.warn(`could not open the chat view for a server request: ${(err as Error).message}`);
    }
    return pick() ?? (await appeared);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const NO_PANEL = Symbol('no panel');

/** The card's view of a sampling request: the core's view plus the images and audio of the original messages. */
export function samplingCardView(view: SamplingRequestView, params?: CreateMessageRequest['params']): ServerRequestView {
  const messages = params
    ? params.messages.map((m) => ({ role: m.role, parts: (Array.isArray(m.content) ? m.content : [m.content]).map(partOf) }))
    : view.messages.map((m) => ({ role: m.role, parts: [{ type: 'text' as const, text: m.text }] }));
  const prefs = params?.modelPreferences;
  const priorities = prefs ? { cost: prefs.costPriority, speed: prefs.speedPriority, intelligence: prefs.intelligencePriority } : undefined;
  return {
    kind: 'sampling',
    server: view.server,
    messages,
    systemPrompt: view.systemPrompt,
    maxTokens: view.maxTokens,
    temperature: view.temperature,
    model: view.model,
    modelHints: view.modelHints,
    ...(priorities && Object.values(priorities).some((v) => v !== undefined) ? { priorities } : {}),
    includeContext: view.includeContext,
  };
}

type SamplingBlock = CreateMessageRequest['params']['messages'][number]['content'];

function partOf(b: Exclude<SamplingBlock, unknown[]>): SamplingPart {
  if (b.type === 'text') return { type: 'text', text: b.text };
  if (b.type === 'image') {
    const bytes = base64Bytes(b.data);
    return { type: 'image', mimeType: b.mimeType, bytes, ...(bytes <= MAX_THUMBNAIL_BYTES ? { data: b.data } : {}) };
  }
  if (b.type === 'audio') return { type: 'audio', mimeType: b.mimeType, bytes: base64Bytes(b.data) };
  return { type: 'other', label: b.type };
}

function samplingDetail(view: SamplingRequestView): string {
  const lines = view.messages.map((m) => `${m.role}: ${m.text}`);
  if (view.systemPrompt) lines.unshift(`system: ${view.systemPrompt}`);
  lines.push('', vscode.l10n.t('Model: {0} · max tokens: {1}', view.model, String(view.maxTokens)));
  return lines.join('\n').slice(0, 4000);
}

/** Elicitation without a panel: a modal to choose, then one input box or quick pick per field. */
async function nativeForm(server: string, message: string, fields: FormField[], signal: AbortSignal): Promise<ElicitResult> {
  const fill = vscode.l10n.t('Fill In');
  const decline = vscode.l10n.t('Decline');
  const detail = fields.map((f) => `• ${f.title}${f.required ? ' *' : ''}${f.description ? ` — ${f.description}` : ''}`).join('\n');
  const picked = await vscode.window.showInformationMessage(vscode.l10n.t('MCP server "{0}" asks: {1}', server, message), { modal: true, detail }, fill, decline);
  if (picked === decline) return { action: 'decline' };
  if (picked !== fill || signal.aborted) return { action: 'cancel' };
  const cts = new vscode.CancellationTokenSource();
  const onAbort = () => cts.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const values: Record<string, unknown> = {};
    for (const f of fields) {
      const v = await askField(f, cts.token);
      if (v === CANCELLED) return { action: 'cancel' };
      if (v !== undefined) values[f.name] = v;
    }
    const checked = validateForm(fields, values);
    if (!checked.ok) {
      void vscode.window.showErrorMessage(Object.values(checked.errors).join('; '));
      return { action: 'cancel' };
    }
    return { action: 'accept', content: checked.content };
  } finally {
    signal.removeEventListener('abort', onAbort);
    cts.dispose();
  }
}

const CANCELLED = Symbol('cancelled');

async function askField(f: FormField, token: vscode.CancellationToken): Promise<unknown> {
  const title = f.required ? `${f.title} *` : f.title;
  if (f.kind === 'boolean' || f.kind === 'enum') {
    const options = f.kind === 'boolean' ? [{ value: 'true', label: vscode.l10n.t('Yes') }, { value: 'false', label: vscode.l10n.t('No') }] : (f.options ?? []);
    const items = options.map((o) => ({ label: o.label, description: o.label === o.value ? undefined : o.value, value: o.value, picked: String(f.default) === o.value }));
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: f.description, ignoreFocusOut: true }, token);
    if (!picked) return token.isCancellationRequested || f.required ? CANCELLED : undefined;
    return f.kind === 'boolean' ? picked.value === 'true' : picked.value;
  }
  if (f.kind === 'multi-enum') {
    const chosen = new Set(Array.isArray(f.default) ? f.default : []);
    const items = (f.options ?? []).map((o) => ({ label: o.label, value: o.value, picked: chosen.has(o.value) }));
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: f.description, canPickMany: true, ignoreFocusOut: true }, token);
    if (!picked) return CANCELLED;
    return picked.map((p) => p.value);
  }
  const value = await vscode.window.showInputBox(
    {
      title,
      prompt: f.description,
      value: f.default !== undefined ? String(f.default) : '',
      ignoreFocusOut: true,
      validateInput: (text) => {
        if (!text) return f.required && f.default === undefined ? vscode.l10n.t('{0} is required', f.title) : undefined;
        const r = coerceField(f, text);
        return 'error' in r ? r.error : undefined;
      },
    },
    token,
  );
  if (value === undefined) return CANCELLED;
  return value === '' ? undefined : value;
}
