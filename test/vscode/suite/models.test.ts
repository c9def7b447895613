// Reasoning models and pictures in the real editor: a model's thinking streams into a Thinking block and folds when
// the answer comes; a picture attached in the panel goes through the extension host to a vision model as an image
// part. The model is the scripted OpenAI-compatible server (test/fixtures/scriptedOpenAI.ts).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../fixtures/scriptedOpenAI';
import { canDriveUi, screenshot, ui } from './helpers';
import { CHAT, ourExtension, sendChat, setUserSetting, waitForAnswer } from './support';

const RUN = randomBytes(3).toString('hex');
// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('Reasoning and pictures in the chat panel', function () {
  let srv: ScriptedOpenAI;
  const saved: Record<string, unknown> = {};
  const hadKey = process.env.OPENAI_API_KEY;

  before(async function () {
    if (!canDriveUi()) this.skip();
    this.timeout(120_000);
    srv = await startScriptedOpenAI();
    process.env.OPENAI_API_KEY ??= `sk-models-${RUN}`;
    const config = vscode.workspace.getConfiguration('mcpAgent');
    for (const key of ['llm.baseUrl', 'llm.model', 'servers']) saved[key] = config.inspect(key)?.globalValue;
    await setUserSetting('llm.baseUrl', srv.url);
    // A model of a family that sees images (and thinks, as the script says).
    await setUserSetting('llm.model', 'gpt-4o');
    await setUserSetting('servers', {});
    await ourExtension().activate();
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
  });

  after(async function () {
    if (!srv) return;
    for (const [key, value] of Object.entries(saved)) await setUserSetting(key, value);
    if (hadKey === undefined) delete process.env.OPENAI_API_KEY;
    await srv.close();
  });

  it("streams the model's thinking into a Thinking block, folded once the answer starts", async () => {
    srv.enqueue({ reasoning: 'The user wants a haiku about builds. Five, seven, five.', reasoningField: 'reasoning_content', text: 'Green checks in the dawn.', chunkSize: 6, delayMs: 20 });
    await sendChat('Write a haiku about a passing build.');
    await waitForAnswer('Green checks in the dawn.');
    const block = '.message.assistant .thinking';
    await ui.waitFor('chat', block);
    assert.match(await ui.content('chat', `${block}`), /Five, seven, five\./);
    assert.equal(await ui.attr('chat', block, 'open'), undefined, 'folded once the answer came');
    // The answer is the answer only.
    assert.doesNotMatch(await ui.text('chat', CHAT.assistantBody), /Five, seven/);
    await screenshot('chat-thinking');
  });

  it('a picture attached in the panel reaches the vision model as an image part, through the extension host', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-picture-')), 'pixel.png');
    fs.writeFileSync(file, Buffer.from(PNG, 'base64'));
    await ui.setInputFiles('chat', '.composer input.picture-input', [file]);
    await ui.waitFor('chat', '.image-chip');
    assert.equal(await ui.text('chat', '.image-chip .chip-label'), 'pixel.png');
    await screenshot('chat-picture-chip');
    srv.enqueue({ text: 'A single pixel.' });
    const before = srv.chatRequests.length;
    await sendChat('What is in this picture?');
    await waitForAnswer('A single pixel.');
    const sent = srv.chatRequests.slice(before).at(-1)!;
    const user = (sent.body.messages ?? []).filter((m) => m.role === 'user').at(-1);
    const parts = Array.isArray(user?.content) ? (user.content as Array<{ type: string; image_url?: { url: string } }>) : [];
    assert.equal(parts.find((p) => p.type === 'image_url')?.image_url?.url, `data:image/png;base64,${PNG}`);
    // The bubble says what went with the message, and shows it.
    assert.match((await ui.texts('chat', CHAT.userMessage)).at(-1) ?? '', /Attached: pixel\.png/);
    assert.ok((await ui.count('chat', `${CHAT.userMessage} img.user-image`)) >= 1, 'the picture is in the bubble');
  });
  it('a message typed while an answer runs is queued, shown as queued, and sent when the turn ends', async () => {
    srv.enqueue({ text: 'A slow answer, word by word, so there is time to type.', chunkSize: 3, delayMs: 120 }, { text: 'The queued question, answered.' });
    const before = srv.chatRequests.length;
    await sendChat('Tell me something slowly.');
    await ui.waitFor('chat', 'body.running');
    await sendChat('And a follow-up typed meanwhile.');
    await ui.waitFor('chat', '.queued-message');
    assert.equal(await ui.text('chat', '.queued-message .queued-text'), 'And a follow-up typed meanwhile.');
    assert.equal(await ui.attr('chat', CHAT.sendButton, 'aria-label'), 'Stop', 'Stop stays available');
    await screenshot('chat-queued-message');
    await waitForAnswer('The queued question, answered.', 60_000);
    const sent = srv.chatRequests.slice(before);
    assert.equal(sent.length, 2, 'two turns, one after the other');
    const lastUser = (sent[1].body.messages ?? []).filter((m) => m.role === 'user').at(-1);
    assert.equal(String(lastUser?.content), 'And a follow-up typed meanwhile.');
    assert.equal(await ui.count('chat', '.queued-message'), 0);
  });
});
