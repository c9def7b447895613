/**
 * Trust for servers a workspace defines (workspace settings, `.vscode/mcp.json`, `.mcp.json`, `config.yaml`): none
 * starts until the user has seen its exact definition and trusted it. Trust is a set of fingerprints
 * (core/mcp/trust.ts: the definition as written plus its folder) in globalState, so an edited definition, or the
 * same name in another folder, asks again. "Not Now" holds for the session.
 */
import * as vscode from 'vscode';
import { quoteArg, type TrustSummary } from '../core/mcp/trust';

export interface HeldBackServer {
  name: string;
  fingerprint: string;
  summary: TrustSummary;
}

const KEY = 'mcpAgent.trustedServerDefinitions';
/** Oldest fingerprints are forgotten past this many (each edit of a trusted definition adds one). */
const MAX_TRUSTED = 500;

export class ServerTrust {
  /** Fingerprints already asked about in this session (answered "Not Now", or being asked now). */
  private readonly offered = new Set<string>();

  constructor(private readonly state: vscode.Memento) {}

  isTrusted(fingerprint: string): boolean {
    return this.trusted().includes(fingerprint);
  }

  private trusted(): string[] {
    return this.state.get<string[]>(KEY, []);
  }

  async trust(fingerprints: string[]): Promise<void> {
    const kept = this.trusted().filter((f) => !fingerprints.includes(f));
    await this.state.update(KEY, [...kept, ...fingerprints].slice(-MAX_TRUSTED));
  }

  /** Forgets every trusted definition; they are not asked about again until the user asks (Trust Workspace Servers…). */
  async reset(): Promise<void> {
    for (const f of this.trusted()) this.offered.add(f);
    await this.state.update(KEY, undefined);
  }

  /** Asks about the servers not yet asked about in this session; resolves to whether any was trusted. */
  async offer(servers: HeldBackServer[]): Promise<boolean> {
    const fresh = servers.filter((s) => !this.offered.has(s.fingerprint) && !this.isTrusted(s.fingerprint));
    if (fresh.length === 0) return false;
    for (const s of fresh) this.offered.add(s.fingerprint);
    return this.review(fresh);
  }

  /** Shows each server's definition and asks; resolves to whether any was trusted. */
  async review(servers: HeldBackServer[]): Promise<boolean> {
    if (servers.length === 0) return false;
    const trustAll = vscode.l10n.t('Trust and Start');
    const choose = vscode.l10n.t('Choose…');
    const notNow = vscode.l10n.t('Not Now');
    const message =
      servers.length === 1
        ? vscode.l10n.t('Start the MCP server "{0}" defined by this workspace?', servers[0].name)
        : vscode.l10n.t('Start {0} MCP servers defined by this workspace?', servers.length);
    const detail = [
      vscode.l10n.t('A workspace server runs with your permissions (a local server is a program started on this computer). Start it only if you trust what it runs.'),
      ...servers.map(describeServer),
    ].join('\n\n');
    const items: vscode.MessageItem[] = [{ title: trustAll }, ...(servers.length > 1 ? [{ title: choose }] : []), { title: notNow, isCloseAffordance: true }];
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, ...items);
    let picked: HeldBackServer[] = [];
    if (answer?.title === trustAll) picked = servers;
    else if (answer?.title === choose) picked = await pick(servers);
    if (picked.length === 0) return false;
    await this.trust(picked.map((s) => s.fingerprint));
    return true;
  }
}

async function pick(servers: HeldBackServer[]): Promise<HeldBackServer[]> {
  const items = servers.map((s) => ({
    label: s.name,
    description: s.summary.source,
    detail: s.summary.commandLine ?? s.summary.url,
    server: s,
  }));
  const chosen = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Trust and start workspace MCP servers'),
    placeHolder: vscode.l10n.t('Check the servers to trust and start; the others stay stopped'),
    canPickMany: true,
    ignoreFocusOut: true,
  });
  return (chosen ?? []).map((c) => c.server);
}

/** The definition as the prompt shows it: every line that decides what runs or where requests go. */
export function describeServer(s: HeldBackServer): string {
  const t = s.summary;
  const lines = [vscode.l10n.t('"{0}" from {1}', t.name, t.source)];
  if (t.commandLine !== undefined) lines.push(vscode.l10n.t('Command: {0}', t.commandLine));
  if (t.cwd) lines.push(vscode.l10n.t('Working directory: {0}', t.cwd));
  if (t.url) lines.push(vscode.l10n.t('URL ({0}): {1}', t.transport, t.url));
  // Values as written: references such as ${input:token} stay references; literal secrets in known formats are masked.
  if (t.env?.length) lines.push(vscode.l10n.t('Environment: {0}', t.env.map(([k, v]) => `${k}=${quoteArg(v)}`).join(' ')));
  else if (t.envKeys.length) lines.push(vscode.l10n.t('Environment variables: {0}', t.envKeys.join(', ')));
  if (t.headers?.length) lines.push(vscode.l10n.t('Headers: {0}', t.headers.map(([k, v]) => `${k}: ${quoteArg(v)}`).join('; ')));
  else if (t.headerKeys.length) lines.push(vscode.l10n.t('Headers: {0}', t.headerKeys.join(', ')));
  return lines.join('\n');
}
