// Shared plumbing of the end-to-end suites: settings, MCP server definitions, processes, and the user-level
// UI steps (Command Palette, the servers quick pick, the chat view) built on helpers.ts's `ui`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { OUR_EXTENSION_ID } from '../protocol';
import { runConfig, ui } from './helpers';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something other than undefined/false; throws with `what` (and the last value seen) on timeout. */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

export function repoRoot(): string {
  const root = runConfig().repoRoot;
  if (!root) throw new Error('the harness did not pass repoRoot');
  return root;
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('no workspace folder is open');
  return folder;
}

export function ourExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(OUR_EXTENSION_ID);
  if (!ext) throw new Error(`${OUR_EXTENSION_ID} is not installed`);
  return ext;
}

/** User settings, as a user would set them (Settings editor / settings.json). */
export async function setUserSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('mcpAgent').update(key, value, vscode.ConfigurationTarget.Global);
}

// ---------------------------------------------------------------------------------------------------------------
// MCP servers

/** The env var every server the suites define carries, so its process can be found (and told apart) in /proc. */
export const MARKER_ENV = 'MCP_AGENT_E2E_SERVER';

export interface StdioServer {
  type: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The extension host's own Node runs the servers: in code-server that is Node 24 (code-server's), which is
 * a plain `node`; `node` on PATH may be another version or missing.
 */
export function everythingServer(marker: string): StdioServer {
  return { type: 'stdio', command: process.execPath, args: [path.join(repoRoot(), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'], env: { [MARKER_ENV]: marker } };
}

/** test/fixtures/servers/ask-server.mjs: asks the client things; offers an image and a Markdown resource. */
export function askServer(marker: string): StdioServer {
  return { type: 'stdio', command: process.execPath, args: [path.join(repoRoot(), 'test/fixtures/servers/ask-server.mjs')], env: { [MARKER_ENV]: marker } };
}

/** test/fixtures/servers/fault-server.mjs: echo/add/sleep/... tools; `--startup-delay MS` makes a slow server. */
export function faultServer(name: string, marker: string, extraArgs: string[] = []): StdioServer {
  return { type: 'stdio', command: process.execPath, args: [path.join(repoRoot(), 'test/fixtures/servers/fault-server.mjs'), '--name', name, ...extraArgs], env: { [MARKER_ENV]: marker } };
}

/** Pids of live processes whose environment has MARKER_ENV=marker (Linux /proc; the extension host's children). */
export function serverPids(marker: string): number[] {
  const wanted = `${MARKER_ENV}=${marker}`;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie is gone for our purposes
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted)) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

export interface ServerRow {
  name: string;
  /**
   * connected | starting | error | stopped | idle, or `restricted` for a workspace server held back in Restricted Mode,
   * `untrusted` for one held back until the user trusts its definition.
   */
  state: string;
  description: string;
}

const QUICK_ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

/**
 * What "MCP Agent: Show MCP Servers" lists, read off the quick pick the way a user sees it, then dismissed.
 * With no servers at all the command shows a notification instead: that reads as an empty list.
 */
export async function serverStates(): Promise<Map<string, ServerRow>> {
  const shown = Promise.resolve(vscode.commands.executeCommand('mcpAgent.showServers')).catch(() => undefined);
  const rows = new Map<string, ServerRow>();
  try {
    await ui.waitFor('workbench', `${QUICK_ROWS}`, { timeoutMs: 4_000 });
    await sleep(100); // the list is set in one go, but give it a frame
    // Each row's aria-label is "<codicon>  <name>, <description>", e.g. "pass-filled  everything, connected · stdio · 13 tools".
    for (const label of await ui.attrs('workbench', QUICK_ROWS, 'aria-label')) {
      const m = /^(?:[\w~-]+ {2})?\s*([^,]+), (.*)$/.exec(label.trim());
      if (!m) continue;
      const [, name, description] = m;
      const state = /not started in Restricted Mode/i.test(description) ? 'restricted' : /not trusted/i.test(description) ? 'untrusted' : (description.split(/[\s·]/)[0] ?? '');
      rows.set(name.trim(), { name: name.trim(), state, description });
    }
    await ui.press('workbench', 'Escape');
  } catch {
    // No quick pick: the "no servers configured" notification (or nothing yet). Close whatever came up.
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('notifications.clearAll');
  }
  await Promise.race([shown, sleep(2_000)]);
  return rows;
}

/** Waits until "Show MCP Servers" lists `name` as `state`. */
export async function waitForServer(name: string, state: string, timeoutMs = 45_000): Promise<ServerRow> {
  let last: ServerRow | undefined;
  try {
    return await waitUntil(`server "${name}" to be ${state}`, async () => {
      last = (await serverStates()).get(name);
      return last?.state === state ? last : undefined;
    }, timeoutMs, 500);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last seen: ${last ? `${last.state}: ${last.description}` : 'not listed'})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The trust prompt for workspace-defined servers (a modal dialog in the workbench)

export const TRUST_DIALOG = '.monaco-dialog-box';

/** Waits for the trust prompt naming `server` and returns its whole text (message, definition, buttons). */
export async function trustPrompt(server: string, timeoutMs = 20_000): Promise<string> {
  await ui.waitFor('workbench', TRUST_DIALOG, { hasText: server, timeoutMs });
  return ui.text('workbench', TRUST_DIALOG, { hasText: server });
}

/** Clicks a button of the open trust prompt ("Trust and Start", "Choose…", "Not Now") and waits for it to close. */
export async function answerTrustPrompt(button: string): Promise<void> {
  await ui.click('workbench', `${TRUST_DIALOG} .dialog-buttons .monaco-button`, { hasText: button });
  await ui.waitFor('workbench', TRUST_DIALOG, { state: 'hidden' });
}

// ---------------------------------------------------------------------------------------------------------------
// Command Palette

/** F1, type the command's title, pick it: as a user runs a command. */
export async function runFromPalette(title: string): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  await ui.press('workbench', 'F1');
  try {
    await ui.waitFor('workbench', '.quick-input-widget input', { timeoutMs: 3_000 });
  } catch {
    // F1 went to something that kept it (a webview, a terminal): open the palette the other way.
    void vscode.commands.executeCommand('workbench.action.showCommands');
    await ui.waitFor('workbench', '.quick-input-widget input');
  }
  await ui.fill('workbench', '.quick-input-widget input', `>${title}`);
  // The row whose label is exactly the title (fuzzy matching also lists "Open Chat in Editor" for "Open Chat").
  await ui.click('workbench', `${QUICK_ROWS}[aria-label="${title}"]`, { timeoutMs: 10_000 });
}

/** The titles the Command Palette offers for `filter`. */
export async function paletteTitles(filter: string): Promise<string[]> {
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  void vscode.commands.executeCommand('workbench.action.showCommands');
  await ui.waitFor('workbench', '.quick-input-widget input');
  await ui.fill('workbench', '.quick-input-widget input', `>${filter}`);
  await ui.waitFor('workbench', QUICK_ROWS);
  await sleep(300);
  const titles = await ui.texts('workbench', `${QUICK_ROWS} .label-name`);
  await ui.press('workbench', 'Escape');
  return titles.map((t) => t.replace(/\s+/g, ' ').trim());
}

// ---------------------------------------------------------------------------------------------------------------
// The chat view (selectors of media/src)

export const CHAT = {
  input: '.composer textarea',
  sendButton: '.composer .send-button',
  userMessage: '.message.user',
  assistantMessage: '.message.assistant',
  assistantBody: '.message.assistant .assistant-body',
  toolCard: '.tool-card',
  approvalCard: '.approval-card',
  restrictedBanner: '.banner.restricted',
  modelChip: '.model-chip',
  idle: 'body:not(.running)',
} as const;

/** Types into the chat input and presses Enter. */
export async function sendChat(text: string): Promise<void> {
  await ui.fill('chat', CHAT.input, text, { timeoutMs: 20_000 });
  await ui.press('chat', 'Enter', CHAT.input);
}

/** The rendered text of the last assistant message ('' before there is one). */
export async function lastAssistantText(): Promise<string> {
  const all = await ui.texts('chat', CHAT.assistantBody, { timeoutMs: 5_000 });
  return all.at(-1) ?? '';
}

/** Waits until the last assistant message shows `expected` and the turn is over. */
export async function waitForAnswer(expected: string, timeoutMs = 30_000): Promise<string> {
  let last = '';
  try {
    return await waitUntil(`the panel to show the answer "${expected}"`, async () => {
      last = await lastAssistantText();
      if (!last.replace(/\s+/g, ' ').includes(expected)) return undefined;
      return (await ui.count('chat', CHAT.idle)) === 1 ? last : undefined;
    }, timeoutMs, 200);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last assistant text: ${JSON.stringify(last.slice(0, 400))}`);
  }
}

/** Opens a tool card's Result section (rendered on first open, as a user clicks it) and returns its text. */
export async function toolResultText(card: string): Promise<string> {
  const section = `${card} details.tool-result`;
  if ((await ui.attr('chat', section, 'open')) === undefined) await ui.click('chat', `${section} > summary`);
  await ui.waitFor('chat', `${section} .tool-result-actions, ${section} .tool-empty`);
  return ui.text('chat', section);
}

/** Every file under `dir`, recursively (for scanning logs). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => {
      try {
        return fs.statSync(f).isFile();
      } catch {
        return false;
      }
    });
}
