/**
 * Workspace settings that widen what runs unasked or where the key and data go (settingsMap.ts GUARDED_SETTINGS:
 * the model endpoint, the command allow-list, auto-approved edits, the Redis URL) apply only after the user has seen
 * the exact value and allowed it, once per workspace. Until then the user's own value applies. Allowed values are
 * fingerprints (setting, value, workspace) in globalState, so an edited value asks again. "Not Now" holds for the
 * session; MCP Agent: Review Workspace Settings… asks again.
 */
import * as vscode from 'vscode';
import { quoteArg } from '../core/mcp/trust';
import { redact } from '../core/util/redact';
import type { HeldBackSetting } from './settingsMap';

const KEY = 'mcpAgent.allowedWorkspaceSettings';
const MAX_ALLOWED = 200;

export class SettingsTrust {
  private readonly offered = new Set<string>();

  constructor(private readonly state: vscode.Memento) {}

  readonly isAllowed = (fingerprint: string): boolean => this.allowed().includes(fingerprint);

  private allowed(): string[] {
    return this.state.get<string[]>(KEY, []);
  }

  /** Asks about the values not yet asked about in this session; resolves to whether any was allowed. */
  async offer(settings: HeldBackSetting[]): Promise<boolean> {
    const fresh = settings.filter((s) => !this.offered.has(s.fingerprint) && !this.isAllowed(s.fingerprint));
    if (fresh.length === 0) return false;
    for (const s of fresh) this.offered.add(s.fingerprint);
    return this.review(fresh);
  }

  /** Shows each held-back value as written and asks; resolves to whether they were allowed. */
  async review(settings: HeldBackSetting[]): Promise<boolean> {
    if (settings.length === 0) return false;
    const allow = vscode.l10n.t('Allow These Settings');
    const message = vscode.l10n.t("This workspace's settings change what MCP Agent runs without asking, or where it sends your key and data. Apply them?");
    const detail = [
      vscode.l10n.t('Until you allow them, your own settings apply. Allow them only if you trust this repository.'),
      ...settings.map(describeSetting),
    ].join('\n\n');
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, { title: allow }, { title: vscode.l10n.t('Not Now'), isCloseAffordance: true });
    if (answer?.title !== allow) return false;
    const kept = this.allowed().filter((f) => !settings.some((s) => s.fingerprint === f));
    await this.state.update(KEY, [...kept, ...settings.map((s) => s.fingerprint)].slice(-MAX_ALLOWED));
    return true;
  }

  /** Forgets every allowed value (they are held back again, and asked about again). */
  async reset(): Promise<void> {
    this.offered.clear();
    await this.state.update(KEY, undefined);
  }
}

/** `mcpAgent.llm.baseUrl: "https://…"`, with hidden characters escaped and secrets in known formats masked. */
export function describeSetting(s: HeldBackSetting): string {
  const text = redact(typeof s.value === 'string' ? s.value : JSON.stringify(s.value));
  const shown = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return `mcpAgent.${s.key}: ${quoteArg(shown)}`;
}
