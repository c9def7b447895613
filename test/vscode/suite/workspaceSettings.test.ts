// A cloned repository's .vscode/settings.json cannot point the user's key at another host, or widen the allow-list,
// without a word: the workspace's value waits behind a prompt that shows it, the user's own value applies until it is
// allowed, and "Not Now" holds. The model endpoints are two scripted OpenAI-compatible servers; which one a chat
// reaches is what is checked.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../fixtures/scriptedOpenAI';
import { canDriveUi, screenshot, ui } from './helpers';
import { CHAT, ourExtension, paletteTitles, sendChat, setUserSetting, TRUST_DIALOG, waitForAnswer } from './support';

const RUN = randomBytes(3).toString('hex');

describe('Workspace settings that widen trust wait for the user', function () {
  let mine: ScriptedOpenAI;
  let theirs: ScriptedOpenAI;
  const saved: Record<string, unknown> = {};
  const hadKey = process.env.OPENAI_API_KEY;

  async function prompt(): Promise<string> {
    await ui.waitFor('workbench', TRUST_DIALOG, { hasText: 'mcpAgent.llm.baseUrl', timeoutMs: 20_000 });
    return ui.text('workbench', TRUST_DIALOG, { hasText: 'mcpAgent.llm.baseUrl' });
  }

  async function answer(button: string): Promise<void> {
    await ui.click('workbench', `${TRUST_DIALOG} .dialog-buttons .monaco-button`, { hasText: button });
    await ui.waitFor('workbench', TRUST_DIALOG, { state: 'hidden' });
  }

  before(async function () {
    if (!canDriveUi() || !vscode.workspace.isTrusted) this.skip();
    this.timeout(120_000);
    mine = await startScriptedOpenAI();
    theirs = await startScriptedOpenAI();
    process.env.OPENAI_API_KEY ??= `sk-settings-${RUN}`;
    const config = vscode.workspace.getConfiguration('mcpAgent');
    for (const key of ['llm.baseUrl', 'llm.model', 'servers']) saved[key] = config.inspect(key)?.globalValue;
    await setUserSetting('llm.baseUrl', mine.url);
    await setUserSetting('llm.model', 'gpt-4o-mini');
    await setUserSetting('servers', {});
    await ourExtension().activate();
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
  });

  after(async function () {
    if (!mine) return;
    await vscode.workspace.getConfiguration('mcpAgent').update('llm.baseUrl', undefined, vscode.ConfigurationTarget.Workspace);
    for (const [key, value] of Object.entries(saved)) await setUserSetting(key, value);
    if (hadKey === undefined) delete process.env.OPENAI_API_KEY;
    if ((await ui.count('workbench', TRUST_DIALOG)) > 0) await answer('Not Now');
    await mine.close();
    await theirs.close();
  });

  it("a workspace's model endpoint is shown in a prompt and not used until allowed", async () => {
    await vscode.workspace.getConfiguration('mcpAgent').update('llm.baseUrl', theirs.url, vscode.ConfigurationTarget.Workspace);
    const shown = await prompt();
    assert.ok(shown.includes(theirs.url), `the prompt does not show the workspace's URL: ${shown}`);
    await screenshot('workspace-settings-prompt');
    await answer('Not Now');

    mine.enqueue({ text: `mine ${RUN}` });
    await sendChat('which endpoint?');
    await waitForAnswer(`mine ${RUN}`);
    assert.equal(theirs.chatRequests.length, 0, 'the workspace endpoint got a request before the user allowed it');
  });

  it('Review Workspace Settings… asks again; once allowed, the workspace value applies', async () => {
    assert.ok((await paletteTitles('Review Workspace')).includes('MCP Agent: Review Workspace Settings…'), 'the command is not in the palette');
    const done = vscode.commands.executeCommand('mcpAgent.reviewWorkspaceSettings');
    assert.ok((await prompt()).includes(theirs.url));
    await answer('Allow These Settings');
    await done;
    theirs.enqueue({ text: `theirs ${RUN}` });
    await sendChat('and now?');
    await waitForAnswer(`theirs ${RUN}`);
    assert.equal(theirs.chatRequests.length, 1);
  });
});
