// Issue 7 in the panel, as a user, in a real VS Code: server-everything (a user-level server) asks for input
// (elicitation) and for a completion (sampling) while its tools run, and the answers are given in the chat view's
// cards; `@` attaches a resource whose text reaches the model; `/` runs a server prompt with arguments and
// completions. The model is the scripted OpenAI-compatible server (test/fixtures/scriptedOpenAI.ts).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI } from '../../fixtures/scriptedOpenAI';
import { canDriveUi, screenshot, ui } from './helpers';
import { askServer, CHAT, everythingServer, ourExtension, repoRoot, runFromPalette, sendChat, setUserSetting, waitForAnswer, waitForServer, waitUntil } from './support';

const RUN = randomBytes(4).toString('hex');
const MODEL = 'scripted-panel-model';
/** Tool approvals (not our server-request cards, which share the card style). */
const TOOL_APPROVAL = '.approval-card[data-approval-id]:not([data-settled])';
const REQUEST = (kind: string) => `.request-card[data-kind="${kind}"]:not([data-settled])`;

function lastUser(req: RecordedRequest | undefined): string {
  const content = [...(req?.body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content;
  return typeof content === 'string' ? content : JSON.stringify(content ?? '');
}

function toolResults(req: RecordedRequest | undefined): string {
  return (req?.body.messages ?? [])
    .filter((m) => m.role === 'tool')
    .map((m) => String(m.content))
    .join('\n');
}

describe('MCP in the panel: sampling, elicitation, @ resources, / prompts', function () {
  let srv: ScriptedOpenAI;
  const saved: Record<string, unknown> = {};
  const hadKey = process.env.OPENAI_API_KEY;

  before(async function () {
    if (!canDriveUi()) this.skip();
    this.timeout(120_000);
    srv = await startScriptedOpenAI();
    // The extension host is this process: a key for the agent when none was set through "Set API Key".
    process.env.OPENAI_API_KEY ??= `sk-panel-${RUN}`;
    const config = vscode.workspace.getConfiguration('mcpAgent');
    for (const key of ['llm.baseUrl', 'llm.model', 'servers', 'tools.disabled']) saved[key] = config.inspect(key)?.globalValue;
    await setUserSetting('llm.baseUrl', srv.url);
    await setUserSetting('llm.model', MODEL);
    await setUserSetting('servers', { everything: everythingServer(`panel-everything-${RUN}`) });
    await ourExtension().activate();
    await waitForServer('everything', 'connected');
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
  });

  after(async function () {
    if (!srv) return;
    for (const [key, value] of Object.entries(saved)) await setUserSetting(key, value);
    if (hadKey === undefined) delete process.env.OPENAI_API_KEY;
    await srv.close();
  });

  it('elicitation: the form is filled in and accepted in the panel, and the server gets the values', async () => {
    srv.enqueue({ toolCalls: [{ name: 'everything__trigger-elicitation-request', arguments: {} }] }, { text: 'The server got your details.' });
    const before = srv.chatRequests.length;
    await sendChat('Ask me for my details through server-everything.');
    // The tool itself asks first (it is not read-only).
    await ui.click('chat', `${TOOL_APPROVAL} button[data-decision="allow"]`, { timeoutMs: 30_000 });
    const card = REQUEST('elicitation');
    await ui.waitFor('chat', card, { timeoutMs: 30_000 });
    assert.match(await ui.text('chat', `${card} .request-server`), /everything/);
    // Required is enforced in the card before anything is sent.
    await ui.click('chat', `${card} button[data-action="accept"]`);
    await ui.waitFor('chat', `${card} .form-field[data-field="name"] .field-error:not([hidden])`);
    await ui.fill('chat', `${card} .form-field[data-field="name"] input`, `Ada ${RUN}`);
    await ui.fill('chat', `${card} .form-field[data-field="email"] input`, 'ada@example.com');
    await ui.fill('chat', `${card} .form-field[data-field="integer"] input`, '7');
    await ui.click('chat', `${card} .form-field[data-field="check"] input[type="checkbox"]`);
    await screenshot('mcp-elicitation-card');
    await ui.click('chat', `${card} button[data-action="accept"]`);
    await ui.waitFor('chat', '.request-card[data-kind="elicitation"][data-settled="accepted"]');
    await waitForAnswer('The server got your details.', 60_000);
    const result = toolResults(srv.chatRequests[before + 1]);
    for (const line of [`Name: Ada ${RUN}`, 'Email: ada@example.com', 'Favorite Integer: 7', 'Agreed to terms: true', 'Favorite Number: 3.14', '"firstLine": "It was a dark and stormy night."']) {
      assert.ok(result.includes(line), `the tool result lacks "${line}": ${result.slice(0, 1500)}`);
    }
  });

  it('URL elicitation: the link is shown whole; Open asks first; a link that is not http(s) cannot be opened; Decline tells the server', async () => {
    // An https link: Open asks in a modal naming the host; cancelling it opens nothing and leaves the card to answer.
    srv.enqueue({ toolCalls: [{ name: 'everything__trigger-url-elicitation', arguments: { url: `https://example.com/sign-in?run=${RUN}`, message: `Sign in ${RUN}` } }] }, { text: `Declined ${RUN}.` });
    let before = srv.chatRequests.length;
    await sendChat('Ask me to open a link through server-everything.');
    await ui.click('chat', `${TOOL_APPROVAL} button[data-decision="allow"]`, { timeoutMs: 30_000 });
    const card = REQUEST('elicitationUrl');
    await ui.waitFor('chat', card, { timeoutMs: 30_000 });
    assert.ok((await ui.text('chat', `${card} .elicitation-url`)).includes(`https://example.com/sign-in?run=${RUN}`));
    await screenshot('mcp-elicitation-url-card');
    await ui.click('chat', `${card} button[data-action="open"]`);
    await ui.waitFor('workbench', '.monaco-dialog-box', { hasText: 'example.com', timeoutMs: 20_000 });
    await ui.click('workbench', '.monaco-dialog-box .dialog-buttons a.monaco-button', { hasText: 'Cancel' });
    await ui.waitFor('chat', card, { timeoutMs: 10_000 });
    await ui.click('chat', `${card} button[data-action="decline"]`);
    await ui.waitFor('chat', '.request-card[data-kind="elicitationUrl"][data-settled="declined"]', { timeoutMs: 20_000 });
    await waitForAnswer(`Declined ${RUN}.`, 60_000);
    assert.match(toolResults(srv.chatRequests[before + 1]), /declin/i);

    // Another scheme: the card says so and its Open button is disabled.
    srv.enqueue({ toolCalls: [{ name: 'everything__trigger-url-elicitation', arguments: { url: `file:///etc/passwd?run=${RUN}` } }] }, { text: `Not opened ${RUN}.` });
    before = srv.chatRequests.length;
    await sendChat('Ask me to open a file link through server-everything.');
    await ui.click('chat', `${TOOL_APPROVAL} button[data-decision="allow"]`, { timeoutMs: 30_000 });
    await ui.waitFor('chat', `${card} button[data-action="open"][disabled]`, { timeoutMs: 30_000 });
    await ui.click('chat', `${card} button[data-action="decline"]`);
    await waitForAnswer(`Not opened ${RUN}.`, 60_000);
    assert.match(toolResults(srv.chatRequests[before + 1]), /declin/i);
  });

  it('sampling: approved in the panel, answered by the model, reviewed, and sent back to the server', async () => {
    const sampled = `A haiku from the scripted model ${RUN}`;
    srv.enqueue({ toolCalls: [{ name: 'everything__trigger-sampling-request', arguments: { prompt: `write a haiku ${RUN}`, maxTokens: 64 } }] }, { text: sampled }, { text: 'The server got the sampled answer.' });
    const before = srv.chatRequests.length;
    await sendChat('Let server-everything sample the model.');
    await ui.click('chat', `${TOOL_APPROVAL} button[data-decision="allow"]`, { timeoutMs: 30_000 });
    const card = REQUEST('sampling');
    await ui.waitFor('chat', card, { timeoutMs: 30_000 });
    const shown = await ui.text('chat', card);
    assert.ok(shown.includes(`write a haiku ${RUN}`), `the card does not show the server's message: ${shown}`);
    assert.match(shown, /Max tokens: 64/);
    assert.ok(shown.includes(`Model: ${MODEL}`), `the card does not name the model: ${shown}`);
    // Nothing reaches the model before the user approves.
    assert.equal(srv.chatRequests.length, before + 1, 'the sampling request went to the model before approval');
    await screenshot('mcp-sampling-card');
    await ui.click('chat', `${card} button[data-action="approve"]`);
    // The answer is shown for review before it goes back.
    const review = REQUEST('samplingReview');
    await ui.waitFor('chat', review, { timeoutMs: 30_000 });
    assert.ok((await ui.text('chat', review)).includes(sampled), 'the review card does not show the answer');
    await screenshot('mcp-sampling-review');
    await ui.click('chat', `${review} button[data-action="send"]`);
    await waitForAnswer('The server got the sampled answer.', 60_000);

    const sampling = srv.chatRequests[before + 1];
    assert.equal(sampling.body.model, MODEL);
    assert.ok(lastUser(sampling).includes(`write a haiku ${RUN}`), `the model did not get the server's message: ${lastUser(sampling)}`);
    assert.equal(sampling.body.messages?.[0]?.role, 'system');
    assert.equal(sampling.body.messages?.[0]?.content, 'You are a helpful test server.');
    assert.equal(sampling.body.tools, undefined, 'sampling offered the agent\'s tools');
    const result = toolResults(srv.chatRequests[before + 2]);
    assert.ok(result.includes(sampled), `the server did not return the sampled text: ${result.slice(0, 1500)}`);
  });

  it('@ attaches a resource from the picker, and its text reaches the model', async () => {
    const doc = fs.readFileSync(path.join(repoRoot(), 'node_modules/@modelcontextprotocol/server-everything/dist/docs/architecture.md'), 'utf8');
    srv.enqueue({ text: 'I read the architecture document.' });
    const before = srv.chatRequests.length;
    await ui.fill('chat', CHAT.input, 'Summarize @architec');
    await ui.waitFor('chat', '.picker-item', { hasText: 'architecture.md', timeoutMs: 20_000 });
    await screenshot('mcp-mention-picker');
    await ui.press('chat', 'Enter', CHAT.input);
    await ui.waitFor('chat', '.attachment-chip', { hasText: 'architecture.md' });
    await ui.type('chat', 'in two lines', CHAT.input);
    await ui.press('chat', 'Enter', CHAT.input);
    await waitForAnswer('I read the architecture document.');
    const prompt = lastUser(srv.chatRequests[before]);
    // Context first, the question last (core/mcp/userTurn.ts).
    assert.ok(prompt.startsWith('<resource uri='), `the attached resource is not first: ${prompt.slice(0, 200)}`);
    assert.ok(prompt.endsWith('\n\nSummarize in two lines'), `the user's text is not last: ${prompt.slice(-200)}`);
    assert.ok(prompt.includes('<resource uri="demo://resource/static/document/architecture.md" server="everything"'), `no delimited resource in the prompt: ${prompt.slice(0, 400)}`);
    const line = doc.split('\n').find((l) => l.includes('server factory')) ?? doc.slice(0, 80);
    assert.ok(prompt.includes(line.trim()), `the document's text did not reach the model (looked for "${line.trim()}")`);
    assert.match(await ui.text('chat', `${CHAT.userMessage} >> nth=-1`), /Attached: architecture\.md/);
  });

  it('an attached resource the server reports changed shows above the input, and its current text goes with the next message', async () => {
    // The conversation of the test before has architecture.md attached (and subscribed to): make the server report changes.
    srv.enqueue({ toolCalls: [{ name: 'everything__toggle-subscriber-updates', arguments: {} }] }, { text: 'Updates are on.' });
    await sendChat('Turn on resource updates.');
    await ui.click('chat', `${TOOL_APPROVAL} button[data-decision="allow"]`, { timeoutMs: 30_000 });
    await waitForAnswer('Updates are on.');
    await ui.waitFor('chat', '.watched-chip', { hasText: 'architecture.md', timeoutMs: 20_000 });
    await screenshot('mcp-watched-change');
    srv.enqueue({ text: 'I see the new version.' });
    const before = srv.chatRequests.length;
    await sendChat('What changed?');
    await waitForAnswer('I see the new version.');
    const prompt = lastUser(srv.chatRequests[before]);
    // Context first, the question last (built by the core, as the CLI builds it).
    assert.ok(prompt.startsWith('These attached resources changed since they were attached'), prompt.slice(0, 200));
    assert.ok(prompt.endsWith('</resource>\n\nWhat changed?'), prompt.slice(-200));
    assert.ok(prompt.includes('<resource uri="demo://resource/static/document/architecture.md" server="everything"'), prompt.slice(0, 400));
    assert.match(await ui.text('chat', `${CHAT.userMessage} >> nth=-1`), /Changed since attached: architecture\.md/);
    // A new conversation stops watching (and the server stops reporting).
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await waitUntil('the changed chip to go', async () => (await ui.count('chat', '.watched-chip')) === 0);
  });

  it('/ runs a server prompt: arguments asked for with the server\'s completions, its message sent as the user turn', async () => {
    srv.enqueue({ text: 'Alice now leads Engineering.' });
    const before = srv.chatRequests.length;
    await ui.fill('chat', CHAT.input, '/completable');
    await ui.waitFor('chat', '.picker-item', { hasText: 'completable-prompt', timeoutMs: 20_000 });
    await ui.press('chat', 'Enter', CHAT.input);
    const dept = '.picker-form .form-field[data-field="department"]';
    await ui.fill('chat', `${dept} input`, 'Eng');
    await ui.click('chat', `${dept} .arg-suggestion`, { hasText: 'Engineering' });
    const name = '.picker-form .form-field[data-field="name"]';
    await ui.fill('chat', `${name} input`, 'A');
    await ui.waitFor('chat', `${name} .arg-suggestion`, { hasText: 'Alice' });
    await screenshot('mcp-prompt-arguments');
    await ui.click('chat', `${name} .arg-suggestion`, { hasText: 'Alice' });
    await ui.click('chat', '.picker-form button[type="submit"]');
    await waitForAnswer('Alice now leads Engineering.');
    assert.equal(lastUser(srv.chatRequests[before]), 'Please promote Alice to the head of the Engineering team.');
    assert.match(await ui.text('chat', `${CHAT.userMessage} >> nth=-1`), /\/completable-prompt/);
    await waitUntil('the panel to be idle', async () => (await ui.count('chat', CHAT.idle)) === 1);
    await screenshot('mcp-panel-conversation');
  });

  it('Open Server Resource…: picked from the palette, text opens read-only with its language; an image opens in the image preview', async () => {
    await setUserSetting('servers', { everything: everythingServer(`panel-everything-${RUN}`), ask: askServer(`panel-ask-${RUN}`) });
    await waitForServer('ask', 'connected');
    await runFromPalette('MCP Agent: Open Server Resource…');
    await ui.fill('workbench', '.quick-input-widget input', 'todo.md');
    await ui.click('workbench', '.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'fixture://notes/todo.md' });
    await waitUntil('the resource editor', async () => vscode.window.activeTextEditor?.document.uri.scheme === 'mcp-agent-resource');
    const doc = vscode.window.activeTextEditor!.document;
    assert.equal(doc.getText(), '# To do\n\n- [ ] ship it\n');
    assert.equal(doc.languageId, 'markdown');
    assert.equal(path.basename(doc.uri.path), 'todo.md');
    await screenshot('mcp-resource-text');

    await vscode.commands.executeCommand('mcpAgent.openResource', 'ask', 'fixture://images/logo');
    const imageTab = () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'imagePreview.previewEditor' ? input : undefined;
    };
    await waitUntil('the image preview', async () => imageTab() !== undefined);
    const file = imageTab()!.uri.fsPath;
    assert.equal(path.basename(file), 'logo.png');
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'the PNG bytes, decoded');
    await screenshot('mcp-resource-image');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  it('a tool switched off in the server list is not offered to the model; switched on again, it is', async () => {
    await ui.click('chat', '.server-strip');
    const item = '.server-item[data-server="everything"]';
    await ui.click('chat', `${item} .server-tools > summary`);
    const echo = `${item} input.tool-switch[data-tool="everything__echo"]`;
    await ui.click('chat', echo);
    await waitUntil('tools.disabled to name everything__echo', () => (vscode.workspace.getConfiguration('mcpAgent').get<string[]>('tools.disabled') ?? []).includes('everything__echo') || undefined);
    await ui.waitFor('chat', `${item} .server-tools > summary:has-text("1 switched off")`);
    await screenshot('mcp-tool-switches');
    await ui.press('chat', 'Escape');
    const offered = (r: RecordedRequest | undefined) => (r?.body.tools ?? []).map((t) => t.function.name);
    srv.enqueue({ text: 'No echo today.' });
    let before = srv.chatRequests.length;
    await sendChat('Which tools do you have?');
    await waitForAnswer('No echo today.');
    assert.ok(!offered(srv.chatRequests.slice(before).at(-1)).includes('everything__echo'), 'a switched-off tool was offered');
    assert.ok(offered(srv.chatRequests.slice(before).at(-1)).includes('everything__get-sum'), 'the other tools are still offered');

    await ui.click('chat', '.server-strip');
    await ui.click('chat', echo);
    await waitUntil('tools.disabled without everything__echo', () => !(vscode.workspace.getConfiguration('mcpAgent').get<string[]>('tools.disabled') ?? []).includes('everything__echo') || undefined);
    await ui.press('chat', 'Escape');
    srv.enqueue({ text: 'Echo is back.' });
    before = srv.chatRequests.length;
    await sendChat('And now?');
    await waitForAnswer('Echo is back.');
    assert.ok(offered(srv.chatRequests.slice(before).at(-1)).includes('everything__echo'));
  });
});
