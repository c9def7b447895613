// The `vscode-lm` provider for real: a test extension (test/vscode/lm-provider-extension) registers a scripted
// chat model with vscode.lm.registerLanguageModelChatProvider, and the chat runs a tool turn through it.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScriptedLmApi } from '../lm-provider-extension/src/api';
import { LM_EXTENSION_ID, LM_MODEL_ID, LM_VENDOR } from '../protocol';
import { canDriveUi, screenshot, ui } from './helpers';
import { CHAT, everythingServer, ourExtension, sendChat, setUserSetting, toolResultText, waitForAnswer, waitForServer } from './support';

const RUN = randomBytes(4).toString('hex');

describe('the vscode-lm provider, through VS Code\'s language-model API', function () {
  let lm: ScriptedLmApi;
  let previousServers: unknown;

  before(async function () {
    const ext = vscode.extensions.getExtension<ScriptedLmApi>(LM_EXTENSION_ID);
    assert.ok(ext, `${LM_EXTENSION_ID} is not installed`);
    lm = await ext.activate();
    lm.reset();
    previousServers = vscode.workspace.getConfiguration('mcpAgent').inspect('servers')?.globalValue;
    await setUserSetting('servers', { everything: everythingServer(`lm-everything-${RUN}`) });
    await setUserSetting('llm.provider', 'vscode-lm');
    await setUserSetting('llm.model', LM_MODEL_ID);
    await ourExtension().activate();
  });

  after(async function () {
    await setUserSetting('llm.provider', undefined);
    await setUserSetting('llm.model', undefined);
    await setUserSetting('servers', previousServers);
  });

  it('the scripted model is offered by vscode.lm', async () => {
    const models = await vscode.lm.selectChatModels({ vendor: LM_VENDOR });
    assert.deepEqual(
      models.map((m) => m.id),
      [LM_MODEL_ID],
    );
  });

  it('runs a tool turn through the chat model VS Code provides', async function () {
    if (!canDriveUi()) this.skip();
    const message = `via vscode-lm ${RUN}`;
    lm.enqueue({ toolCalls: [{ name: 'everything__echo', input: { message } }] }, { text: 'The VS Code chat model saw the echo result.', delayMs: 40 });
    await waitForServer('everything', 'connected');
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
    await ui.waitFor('chat', CHAT.modelChip, { hasText: LM_MODEL_ID, timeoutMs: 15_000 });
    assert.match(await ui.text('chat', CHAT.modelChip), new RegExp(LM_MODEL_ID));
    await sendChat('Echo something through server-everything.');
    await waitForAnswer('The VS Code chat model saw the echo result.');

    const card = `${CHAT.toolCard}:has(.tool-name:text-is("echo"))`;
    const shown = await toolResultText(card);
    assert.ok(shown.includes(`Echo: ${message}`), `the tool card does not show the echo result: ${shown}`);

    assert.equal(lm.requests.length, 2, `the model got ${lm.requests.length} requests`);
    const [first, second] = lm.requests;
    assert.equal(first.modelId, LM_MODEL_ID);
    assert.ok(first.tools.includes('everything__echo'), `everything__echo was not offered: ${first.tools.join(', ')}`);
    assert.ok(first.messages.some((m) => m.role === 'user' && m.parts.some((p) => p.type === 'text' && p.value.includes('Echo something through server-everything.'))));
    // The second request carries the call and its result, as LanguageModelToolCallPart / LanguageModelToolResultPart.
    const calls = second.messages.flatMap((m) => m.parts).filter((p) => p.type === 'toolCall');
    assert.ok(calls.some((c) => c.type === 'toolCall' && c.name === 'everything__echo'), 'the assistant message with the tool call is missing');
    const results = second.messages.flatMap((m) => m.parts).filter((p) => p.type === 'toolResult');
    assert.ok(
      results.some((r) => r.type === 'toolResult' && r.content.join('').includes(`Echo: ${message}`)),
      `the tool result did not reach the model: ${JSON.stringify(results)}`,
    );
    await screenshot('chat-vscode-lm');
  });

  it('a picture attached in the panel goes to the chat model as a data part (the model says it takes images)', async function () {
    if (!canDriveUi()) this.skip();
    const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-lm-picture-')), 'dot.png');
    fs.writeFileSync(file, Buffer.from(PNG, 'base64'));
    lm.reset();
    lm.enqueue({ text: 'A dot, seen through VS Code.' });
    await ui.setInputFiles('chat', '.composer input.picture-input', [file]);
    await ui.waitFor('chat', '.image-chip');
    await sendChat('What is this?');
    await waitForAnswer('A dot, seen through VS Code.');
    const parts = lm.requests.at(-1)!.messages.filter((m) => m.role === 'user').flatMap((m) => m.parts);
    assert.deepEqual(parts.filter((p) => p.type === 'data'), [{ type: 'data', mimeType: 'image/png', base64: PNG }]);
  });
});
