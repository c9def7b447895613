// Issue 16 in a real VS Code: edit_file proposed by the (scripted) model is shown in the diff editor with Accept and
// Reject in its title bar, driven through the UI; accepted edits apply as WorkspaceEdits (an unsaved buffer keeps the
// user's typing and stays unsaved; the editor's undo takes the edit back); rejected ones change nothing; the tool
// card shows the diff and links to the file.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../fixtures/scriptedOpenAI';
import { canDriveUi, screenshot, ui } from './helpers';
import { CHAT, ourExtension, sendChat, setUserSetting, waitForAnswer, waitUntil, workspaceFolder } from './support';

const RUN = randomBytes(4).toString('hex');
const EDIT_APPROVAL = '.approval-card[data-kind="edit"]:not([data-settled])';
const TITLE_ACTION = (label: string) => `.editor-actions .action-item a[aria-label^="${label}"]`;

function diffTabs(): vscode.TabInputTextDiff[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.input)).filter((i): i is vscode.TabInputTextDiff => i instanceof vscode.TabInputTextDiff && i.modified.scheme === 'mcp-agent-change');
}

describe('Edits reviewed in the diff editor', function () {
  let srv: ScriptedOpenAI;
  let file: string;
  let other: string;
  const saved: Record<string, unknown> = {};
  let autoSave: unknown;
  const hadKey = process.env.OPENAI_API_KEY;

  before(async function () {
    if (!canDriveUi() || !vscode.workspace.isTrusted) this.skip();
    this.timeout(120_000);
    srv = await startScriptedOpenAI();
    process.env.OPENAI_API_KEY ??= `sk-edits-${RUN}`;
    const config = vscode.workspace.getConfiguration('mcpAgent');
    for (const key of ['llm.baseUrl', 'llm.model', 'servers']) saved[key] = config.inspect(key)?.globalValue;
    await setUserSetting('llm.baseUrl', srv.url);
    await setUserSetting('llm.model', 'scripted-edits-model');
    await setUserSetting('servers', {});
    // code-server saves after a delay by default: the unsaved-buffer case needs a buffer that stays unsaved.
    const files = vscode.workspace.getConfiguration('files');
    autoSave = files.inspect('autoSave')?.globalValue;
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    file = path.join(workspaceFolder(), 'src', `edit-${RUN}.ts`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'export function greet(): string {\r\n  return "hi";\r\n}\r\n');
    other = path.join(workspaceFolder(), 'src', `keep-${RUN}.txt`);
    fs.writeFileSync(other, 'keep\n');
    await ourExtension().activate();
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
  });

  after(async function () {
    if (!srv) return;
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const [key, value] of Object.entries(saved)) await setUserSetting(key, value);
    await vscode.workspace.getConfiguration('files').update('autoSave', autoSave, vscode.ConfigurationTarget.Global);
    if (hadKey === undefined) delete process.env.OPENAI_API_KEY;
    fs.rmSync(file, { force: true });
    fs.rmSync(other, { force: true });
    await srv.close();
  });

  it('Accept in the diff editor applies the edit into the unsaved buffer; the editor\'s undo takes it back', async function () {
    this.timeout(120_000);
    // The user has typed something and not saved.
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preview: false });
    await editor.edit((b) => b.insert(new vscode.Position(3, 0), '// typed, not saved\r\n'));
    assert.ok(doc.isDirty);

    const rel = path.relative(workspaceFolder(), file).split(path.sep).join('/');
    srv.enqueue({ toolCalls: [{ name: 'edit_file', arguments: { path: rel, edits: [{ oldText: 'return "hi";', newText: 'return "hello";' }] } }] }, { text: `Edited ${RUN}.` });
    await sendChat('Make the greeting longer.');
    await ui.waitFor('chat', EDIT_APPROVAL, { timeoutMs: 30_000 });
    const cardDiff = await ui.text('chat', `${EDIT_APPROVAL} .approval-diff`);
    assert.match(cardDiff, /-\s*return "hi";/);
    assert.match(cardDiff, /\+\s*return "hello";/);
    const tab = await waitUntil('the diff editor of the proposed change', () => diffTabs()[0], 20_000);
    assert.equal(tab.original.fsPath, file, 'the left side is the file itself (its buffer)');
    await ui.waitFor('workbench', '.monaco-diff-editor .modified .view-lines', { hasText: 'return "hello";', timeoutMs: 20_000 });
    await ui.waitFor('workbench', '.monaco-diff-editor .original .view-lines', { hasText: 'typed, not saved' });
    await screenshot('edit-diff-editor-review');
    await ui.click('workbench', TITLE_ACTION('Accept Proposed Change'));
    await waitForAnswer(`Edited ${RUN}.`, 60_000);

    assert.equal(doc.getText().replace(/\r\n/g, '\n'), 'export function greet(): string {\n  return "hello";\n}\n// typed, not saved\n');
    assert.equal(doc.eol, vscode.EndOfLine.CRLF);
    assert.ok(doc.isDirty, 'a buffer with unsaved changes stays unsaved: the user decides');
    assert.equal(fs.readFileSync(file, 'utf8'), 'export function greet(): string {\r\n  return "hi";\r\n}\r\n', 'nothing was written behind the buffer');
    assert.equal(diffTabs().length, 0, 'the diff editor closed once answered');

    // The tool card shows the diff and links to the file.
    const card = `${CHAT.toolCard}:has(.tool-change)`;
    assert.match(await ui.text('chat', `${card} .tool-change .tool-diff`), /\+\s*return "hello";/);
    assert.equal((await ui.text('chat', `${card} .tool-open-file`)).trim(), rel);
    await screenshot('edit-tool-card-diff');

    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('undo');
    await waitUntil('the editor undo to take the edit back', () => doc.getText().includes('return "hi";'), 10_000);
    assert.ok(doc.getText().includes('typed, not saved'), 'undo took back only the agent\'s edit');
  });

  it('Reject in the diff editor: nothing changes and the model is told', async function () {
    this.timeout(120_000);
    const rel = path.relative(workspaceFolder(), other).split(path.sep).join('/');
    srv.enqueue({ toolCalls: [{ name: 'write_file', arguments: { path: rel, content: 'gone\n' } }] }, { text: `Not written ${RUN}.` });
    const before = srv.chatRequests.length;
    await sendChat('Replace the file.');
    await ui.waitFor('chat', EDIT_APPROVAL, { timeoutMs: 30_000 });
    await waitUntil('the diff editor of the proposed change', () => diffTabs()[0], 20_000);
    await ui.waitFor('workbench', '.monaco-diff-editor .modified .view-lines', { hasText: 'gone', timeoutMs: 20_000 });
    await ui.click('workbench', TITLE_ACTION('Reject Proposed Change'));
    await waitForAnswer(`Not written ${RUN}.`, 60_000);
    const sent = (srv.chatRequests[before + 1]?.body.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content)).join('\n');
    assert.match(sent, /Not run: the user declined/);
    assert.equal(fs.readFileSync(other, 'utf8'), 'keep\n');
    assert.equal(diffTabs().length, 0);
    assert.match(await ui.text('chat', '.approval-card[data-kind="edit"][data-settled="deny"]'), /./);
  });

  it('a link in the workspace to a file outside it is not read, even with the file open in an editor', async function () {
    this.timeout(120_000);
    const outsideDir = fs.mkdtempSync(path.join(os.tmpdir(), `outside-${RUN}-`));
    const outside = path.join(outsideDir, 'secret.ts');
    fs.writeFileSync(outside, `export function leaked_${RUN}(): number {\n  return 1;\n}\n`);
    const link = path.join(workspaceFolder(), 'src', `link-${RUN}.ts`);
    fs.symlinkSync(outside, link);
    let doc: vscode.TextDocument | undefined;
    try {
      // Opened by the link's own path, as the explorer opens it: the buffer holds the outside file's text.
      doc = await vscode.workspace.openTextDocument(link);
      await vscode.window.showTextDocument(doc, { preview: false });
      assert.ok(doc.getText().includes(`leaked_${RUN}`));
      const rel = path.relative(workspaceFolder(), link).split(path.sep).join('/');
      srv.enqueue({ toolCalls: [{ name: 'analyze_code', arguments: { path: rel } }] }, { text: `Refused ${RUN}.` });
      const before = srv.chatRequests.length;
      await sendChat('Analyze the linked file.');
      await waitForAnswer(`Refused ${RUN}.`, 60_000);
      const sent = (srv.chatRequests[before + 1]?.body.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content)).join('\n');
      assert.match(sent, /leads outside the workspace root through a symbolic link/);
      assert.ok(!sent.includes(`leaked_${RUN}`), 'the outside file reached the model through the open editor');
    } finally {
      // Only this editor: the first test leaves a buffer with unsaved changes, and closing it would ask to save.
      if (doc) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      }
      fs.rmSync(link, { force: true });
      fs.rmSync(outsideDir, { recursive: true, force: true });
    }
  });

  it('Restore to here: the files are shown first, then the turn\'s new file is gone and the restore can be undone', async function () {
    this.timeout(120_000);
    const created = path.join(workspaceFolder(), 'src', `created-${RUN}.txt`);
    const rel = path.relative(workspaceFolder(), created).split(path.sep).join('/');
    srv.enqueue({ toolCalls: [{ name: 'write_file', arguments: { path: rel, content: 'new\n' } }] }, { text: `Created ${RUN}.` });
    await sendChat(`Create a file ${RUN}.`);
    await ui.click('chat', `${EDIT_APPROVAL} button[data-decision="allow"]`, { timeoutMs: 30_000 });
    await waitForAnswer(`Created ${RUN}.`, 60_000);
    assert.equal(fs.readFileSync(created, 'utf8'), 'new\n');
    const restore = `${CHAT.userMessage}:has-text("Create a file ${RUN}.") .restore-checkpoint`;
    await ui.click('chat', restore, { timeoutMs: 20_000 });
    await ui.waitFor('workbench', '.monaco-dialog-box', { hasText: `deleted: ${rel}`, timeoutMs: 20_000 });
    await screenshot('checkpoint-restore-dialog');
    await ui.click('workbench', '.monaco-dialog-box .dialog-buttons a.monaco-button', { hasText: 'Restore' });
    await waitUntil('the created file to be gone', () => !fs.existsSync(created), 20_000);
    await ui.click('workbench', '.notifications-toasts .monaco-button', { hasText: 'Undo Restore', timeoutMs: 20_000 });
    await ui.click('workbench', '.monaco-dialog-box .dialog-buttons a.monaco-button', { hasText: 'Restore', timeoutMs: 20_000 });
    await waitUntil('the file to be back', () => fs.existsSync(created), 20_000);
    fs.rmSync(created, { force: true });
  });
});
