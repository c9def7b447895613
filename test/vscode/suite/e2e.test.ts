// End to end, as a user, in a real VS Code (test/vscode/README.md): the Command Palette, the chat view (driven
// through Playwright inside its webview), a scripted OpenAI-compatible server for the model, server-everything
// for MCP, the terminal for run_command, the editor's context menu, globalStorage, settings and Restricted Mode.
// The tests run in order and build on each other (one window, one extension host).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { cacheKey, hashKey } from '../../../src/core/cache/key';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI, type WireMessage } from '../../fixtures/scriptedOpenAI';
import { OUR_EXTENSION_ID } from '../protocol';
import { activationTimes, canDriveUi, metric, runConfig, screenshot, ui } from './helpers';
import {
  answerTrustPrompt,
  CHAT,
  everythingServer,
  faultServer,
  filesUnder,
  lastAssistantText,
  ourExtension,
  paletteTitles,
  runFromPalette,
  sendChat,
  serverPids,
  toolResultText,
  serverStates,
  trustPrompt,
  setUserSetting,
  sleep,
  waitForAnswer,
  waitForServer,
  waitUntil,
  workspaceFolder,
} from './support';

const RUN = randomBytes(4).toString('hex');
/** A key that would be easy to spot anywhere it leaks. */
const API_KEY = `sk-e2e-${randomBytes(12).toString('hex')}`;
const MODEL = 'scripted-e2e-model';
const SLOW_START_MS = 8_000;
const MARK = { everything: `everything-${RUN}`, slow: `slow-${RUN}`, extra: `extra-${RUN}`, discovered: `discovered-${RUN}` };

const SAMPLE_TS = `// A file for "Analyze Current File".
export function fib(n: number): number {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

export class Counter {
  private count = 0;
  increment(): number {
    // TODO: overflow?
    return ++this.count;
  }
}
`;

function lastUser(req: RecordedRequest): string {
  const content = [...(req.body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content;
  return typeof content === 'string' ? content : JSON.stringify(content ?? '');
}

function toolMessages(req: RecordedRequest): WireMessage[] {
  return (req.body.messages ?? []).filter((m) => m.role === 'tool');
}

function toolNames(req: RecordedRequest): string[] {
  return (req.body.tools ?? []).map((t) => t.function.name);
}

describe('MCP Agent end to end, as a user', function () {
  const trusted = vscode.workspace.isTrusted;
  let srv: ScriptedOpenAI;
  let sample: vscode.Uri;
  let mcpJson: string;

  before(async function () {
    if (!canDriveUi()) this.skip(); // everything here is seen and done through the UI
    srv = await startScriptedOpenAI({ apiKey: API_KEY });
    const folder = workspaceFolder();
    fs.mkdirSync(path.join(folder, 'src'), { recursive: true });
    sample = vscode.Uri.file(path.join(folder, 'src', 'sample.ts'));
    fs.writeFileSync(sample.fsPath, SAMPLE_TS);
    mcpJson = path.join(folder, '.vscode', 'mcp.json');
    // The user's settings, before the extension wakes: the scripted endpoint and two servers, one slow to start.
    await setUserSetting('llm.baseUrl', srv.url);
    await setUserSetting('llm.model', MODEL);
    await setUserSetting('servers', {
      everything: everythingServer(MARK.everything),
      slow: faultServer('slow', MARK.slow, ['--startup-delay', String(SLOW_START_MS)]),
    });
  });

  after(async function () {
    if (!srv) return;
    fs.rmSync(mcpJson, { force: true });
    for (const key of ['llm.baseUrl', 'llm.model', 'servers']) await setUserSetting(key, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await srv.close();
  });

  it('activation returns before the servers connect', async function () {
    const ext = ourExtension();
    if (ext.isActive) this.skip(); // something activated it already: nothing left to measure
    const started = performance.now();
    await ext.activate();
    const activateMs = performance.now() - started;
    metric('api_activate_ms', Math.round(activateMs * 10) / 10);
    const times = activationTimes(OUR_EXTENSION_ID);
    if (times) metric('activation_ms', times.activationMs);
    // The slow server needs SLOW_START_MS before it even reads its input: activation did not wait for it.
    assert.ok(activateMs < SLOW_START_MS, `activate() took ${Math.round(activateMs)} ms: it waited for the servers`);
    const early = await serverStates();
    assert.notEqual(early.get('slow')?.state, 'connected', 'the slow server was connected right after activation');
    await waitForServer('everything', 'connected');
    const slow = await waitForServer('slow', 'connected', SLOW_START_MS + 30_000);
    metric('slow_server_connected_after_activation_ms', Math.round(performance.now() - started));
    assert.match(slow.description, /stdio/);
    assert.equal(serverPids(MARK.slow).length, 1, 'one process for the slow server');
  });

  it('registers its commands, and the Command Palette offers them', async () => {
    const commands = await vscode.commands.getCommands(true);
    const ids = ['openChat', 'newChat', 'analyzeCurrentFile', 'explainSelection', 'setApiKey', 'clearApiKey', 'restartServers', 'showServers', 'showLogs', 'clearCache'].map((c) => `mcpAgent.${c}`);
    const missing = ids.filter((id) => !commands.includes(id));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
    const titles = await paletteTitles('MCP Agent:');
    // Explain Selection is offered only with a selection (its `when`).
    for (const title of ['Open Chat', 'New Chat', 'Analyze Current File', 'Set API Key', 'Clear API Key', 'Restart MCP Servers', 'Show MCP Servers', 'Show Logs', 'Clear Cache']) {
      assert.ok(titles.includes(`MCP Agent: ${title}`), `the palette does not offer "MCP Agent: ${title}" (it offers: ${titles.join(' | ')})`);
    }
  });

  it('keeps the API key typed into "Set API Key" in SecretStorage', async () => {
    await runFromPalette('MCP Agent: Set API Key');
    const box = '.quick-input-widget input[type="password"]';
    await ui.waitFor('workbench', box);
    await ui.fill('workbench', box, API_KEY);
    await ui.press('workbench', 'Enter', box);
    await ui.waitFor('workbench', '.quick-input-widget', { state: 'hidden' });
    // Not in settings: the key lives in SecretStorage only.
    const settings = path.join(runConfig().userDataDir ?? '', 'User', 'settings.json');
    if (fs.existsSync(settings)) assert.ok(!fs.readFileSync(settings, 'utf8').includes(API_KEY), 'the API key was written to settings.json');
  });

  it('opens the chat panel from the Command Palette', async () => {
    await runFromPalette('MCP Agent: Open Chat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
    // The key set just before rebuilds the agent: the chip shows the model once the panel hears of it.
    await ui.waitFor('chat', CHAT.modelChip, { hasText: MODEL, timeoutMs: 15_000 });
    assert.match(await ui.text('chat', CHAT.modelChip), new RegExp(MODEL));
  });

  it('streams the answer from the model into the panel', async () => {
    const answer = 'Streaming works: this answer arrives in small pieces, one after the other, from the scripted OpenAI-compatible server.';
    srv.enqueue({ text: answer, chunkSize: 5, delayMs: 90 });
    const before = srv.chatRequests.length;
    await sendChat('Hello from the end-to-end test');
    // Watch it grow: at least one partial rendering before the whole answer.
    const seen = new Set<string>();
    await waitUntil('the streamed answer to complete', async () => {
      const text = (await lastAssistantText()).replace(/\s+/g, ' ').trim();
      if (text) seen.add(text);
      return text.includes(answer) ? true : undefined;
    }, 30_000, 50);
    await waitForAnswer(answer);
    const partial = [...seen].filter((t) => t.length > 0 && !t.includes(answer));
    assert.ok(partial.length >= 1, `no partial rendering was seen (saw ${seen.size} states)`);

    const req = srv.chatRequests[before];
    assert.ok(req, 'the scripted server got no request');
    assert.equal(req.body.model, MODEL);
    assert.equal(req.body.stream, true);
    assert.equal(lastUser(req), 'Hello from the end-to-end test');
    assert.equal(req.headers.authorization, `Bearer ${API_KEY}`, 'the request did not carry the key from SecretStorage');
    assert.equal(await ui.text('chat', `${CHAT.userMessage} >> nth=-1`), 'Hello from the end-to-end test');
  });

  it('shows a tool card for a call on server-everything, and the result reaches the model', async () => {
    const message = `hello from the e2e test ${RUN}`;
    srv.enqueue({ toolCalls: [{ name: 'everything__echo', arguments: { message } }] }, { text: 'The echo tool answered.' });
    const before = srv.chatRequests.length;
    await sendChat('Please call the echo tool of server-everything.');
    await waitForAnswer('The echo tool answered.');
    const card = `${CHAT.toolCard}:has(.tool-name:text-is("echo"))`;
    assert.match(await ui.text('chat', `${card} .tool-server`), /everything/);
    assert.match(await ui.text('chat', `${card} .tool-state`), /done/i);
    const shown = await toolResultText(card);
    assert.ok(shown.includes(`Echo: ${message}`), `the tool card's result does not show the echo: ${shown}`);
    const [first, second] = srv.chatRequests.slice(before);
    assert.ok(toolNames(first).includes('everything__echo'), `everything__echo was not offered: ${toolNames(first).join(', ')}`);
    const results = toolMessages(second).map((m) => String(m.content));
    assert.ok(results.some((r) => r.includes(`Echo: ${message}`)), `the model did not get the echo result: ${JSON.stringify(results)}`);
    await screenshot('chat-tool-card');
  });

  it('asks before run_command, runs it in the terminal, and its output reaches the model', async function () {
    if (!trusted) this.skip(); // Restricted Mode: no run_command (checked below)
    const command = `echo e2e-$((6*7))-${RUN}`;
    const expected = `e2e-42-${RUN}`;
    const executions: Array<{ terminal: string; commandLine: string; exitCode?: number }> = [];
    const subs = [
      vscode.window.onDidStartTerminalShellExecution((e) => {
        executions.push({ terminal: e.terminal.name, commandLine: e.execution.commandLine.value });
      }),
      vscode.window.onDidEndTerminalShellExecution((e) => {
        const found = executions.find((x) => x.commandLine === e.execution.commandLine.value && x.exitCode === undefined);
        if (found) found.exitCode = e.exitCode;
      }),
    ];
    try {
      // The first terminal of a window waits for VS Code's pty host to start, and the runner gives shell
      // integration 5 s before it falls back to a background process: on a loaded 2-core machine that start alone
      // can take longer. Warm it up the way a user who has had a terminal open has it warm.
      const warm = vscode.window.createTerminal({ name: 'warm-up' });
      await waitUntil('a terminal with shell integration', () => warm.shellIntegration, 30_000);
      warm.dispose();
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command } }] }, { text: `The command printed ${expected}.` });
      const before = srv.chatRequests.length;
      await sendChat('Run a shell command for me.');
      const card = `${CHAT.approvalCard}[data-kind="command"]`;
      await ui.waitFor('chat', card, { timeoutMs: 30_000 });
      assert.ok((await ui.text('chat', card)).includes(command), 'the approval card does not show the command');
      await screenshot('chat-run-command-approval');
      assert.equal(srv.chatRequests.length, before + 1, 'the turn went on before the user answered');
      await ui.click('chat', `${card} button[data-decision="allow"]`);
      await waitForAnswer(`The command printed ${expected}.`, 60_000);

      assert.ok(vscode.window.terminals.some((t) => t.name === 'MCP Agent'), 'no "MCP Agent" terminal');
      const run = executions.find((x) => x.commandLine.includes(command));
      assert.ok(run, `the command did not run in a terminal through shell integration (saw: ${JSON.stringify(executions.map((x) => x.commandLine))})`);
      assert.equal(run.terminal, 'MCP Agent');
      assert.equal(run.exitCode, 0);
      const result = toolMessages(srv.chatRequests[before + 1]).map((m) => String(m.content)).join('\n');
      assert.ok(result.includes(expected), `the model did not get the command's output: ${result}`);
      assert.ok(!/Shell integration is not available/.test(result), 'the command fell back to a background process');
      // And the user saw it: the terminal panel shows the output line.
      await ui.waitFor('workbench', '.xterm-rows', { hasText: expected });
      await screenshot('chat-run-command-done');
    } finally {
      for (const s of subs) s.dispose();
    }
  });

  it('right-click in an editor > Analyze Current File: the analysis goes to the model and into the cache in globalStorage', async () => {
    const editor = await vscode.window.showTextDocument(sample, { viewColumn: vscode.ViewColumn.One, preview: false });
    assert.equal(editor.document.uri.fsPath, sample.fsPath);
    srv.enqueue({ text: 'sample.ts has a recursive fib and a small Counter class.' });
    const before = srv.chatRequests.length;
    // As a user does: the file's text is on screen before the right-click. The screenshot is also what lets the
    // click through on a loaded machine: without it Playwright could wait out its timeout for the editor to be
    // "stable" after the earlier steps (4 of 4 full runs on a loaded 2-core machine failed here without it).
    await ui.waitFor('workbench', '.editor-group-container .monaco-editor .view-lines', { hasText: 'export function fib' });
    await screenshot('editor-sample');
    await ui.rightClick('workbench', '.editor-group-container .monaco-editor .view-lines');
    const clicked = performance.now();
    await ui.click('workbench', '.monaco-menu .action-item .action-label', { hasText: 'Analyze Current File' });
    await waitUntil('the analysis to reach the model', () => srv.chatRequests.length > before, 60_000, 100);
    // Most of this is VS Code's TypeScript server starting up to answer the document-symbol request.
    metric('analyze_current_file_to_model_ms', Math.round(performance.now() - clicked));
    await waitForAnswer('sample.ts has a recursive fib and a small Counter class.');
    const prompt = lastUser(srv.chatRequests[before]);
    assert.match(prompt, /^Explain the analysis of src\/sample\.ts/);
    assert.match(prompt, /<attachment name="sample\.ts: analysis">\nanalyze_code result for src\/sample\.ts:\n\{/);
    assert.match(prompt, /"fib"/);
    // The bubble shows the request and the attachment's name; the JSON stays out of it.
    const bubble = await ui.text('chat', `${CHAT.userMessage} >> nth=-1`);
    assert.match(bubble, /Explain the analysis of src\/sample\.ts/);
    assert.match(bubble, /Attached: sample\.ts: analysis/);
    assert.ok(!bubble.includes('"fib"') && !bubble.includes('{'), `the analysis JSON is in the bubble: ${bubble}`);

    // Keyed by content: <globalStorage>/mcp-agent.mcp-agent/cache/v1/<2 hex>/<sha256(key)>.json
    const storage = path.join(runConfig().userDataDir ?? '', 'User', 'globalStorage', OUR_EXTENSION_ID, 'cache', 'v1');
    const file = hashKey(cacheKey('analyze_code', 'typescript', SAMPLE_TS));
    const entry = path.join(storage, file.slice(0, 2), `${file}.json`);
    await waitUntil(`the analysis cache entry ${path.relative(runConfig().userDataDir ?? '', entry)}`, () => fs.existsSync(entry) || fs.existsSync(entry.replace(/\.json$/, '.p.json')), 10_000);
    const stored = JSON.parse(fs.readFileSync(fs.existsSync(entry) ? entry : entry.replace(/\.json$/, '.p.json'), 'utf8')) as { value?: { summary?: unknown } };
    assert.ok(stored.value && typeof stored.value === 'object', 'the cache entry has no value');
    await screenshot('chat-analyze-current-file');
  });

  it('Explain Selection (offered with a selection) sends the selected code', async () => {
    const editor = await vscode.window.showTextDocument(sample, { viewColumn: vscode.ViewColumn.One, preview: false });
    editor.selection = new vscode.Selection(1, 0, 4, 1); // lines 2-5: fib
    assert.ok((await paletteTitles('MCP Agent: Explain')).includes('MCP Agent: Explain Selection'), 'the palette does not offer Explain Selection with a selection');
    srv.enqueue({ text: 'fib is the naive recursive Fibonacci.' });
    const before = srv.chatRequests.length;
    await runFromPalette('MCP Agent: Explain Selection');
    await waitForAnswer('fib is the naive recursive Fibonacci.');
    const prompt = lastUser(srv.chatRequests[before]);
    assert.match(prompt, /src\/sample\.ts \(lines 2-5\)/);
    assert.ok(prompt.includes('return fib(n - 1) + fib(n - 2);'), `the selected code is not in the prompt: ${prompt}`);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  });

  it('Clear Cache empties the cache in globalStorage', async () => {
    const storage = path.join(runConfig().userDataDir ?? '', 'User', 'globalStorage', OUR_EXTENSION_ID, 'cache', 'v1');
    const entries = () => filesUnder(storage).filter((f) => f.endsWith('.json'));
    assert.ok(entries().length > 0, 'nothing in the cache to clear');
    await runFromPalette('MCP Agent: Clear Cache');
    await waitUntil('the cache files to be gone', () => entries().length === 0, 10_000);
  });

  it('settings changes re-apply servers by difference', async () => {
    const everythingPids = serverPids(MARK.everything);
    assert.equal(everythingPids.length, 1, 'one server-everything process');
    // Remove one: its process goes, the others stay as they are.
    await setUserSetting('servers', { everything: everythingServer(MARK.everything) });
    await waitUntil('the removed server\'s process to exit', () => serverPids(MARK.slow).length === 0, 20_000);
    assert.equal((await serverStates()).get('slow'), undefined, 'the removed server is still listed');
    // Add one: it connects.
    await setUserSetting('servers', { everything: everythingServer(MARK.everything), extra: faultServer('extra', MARK.extra) });
    await waitForServer('extra', 'connected');
    assert.equal(serverPids(MARK.extra).length, 1);
    assert.deepEqual(serverPids(MARK.everything), everythingPids, 'server-everything was restarted by an unrelated change');
    // And remove it again.
    await setUserSetting('servers', { everything: everythingServer(MARK.everything) });
    await waitUntil('the removed server\'s process to exit', () => serverPids(MARK.extra).length === 0, 20_000);
    assert.deepEqual(serverPids(MARK.everything), everythingPids, 'server-everything was restarted by an unrelated change');
  });

  it('discovers servers in .vscode/mcp.json, started once the user trusts them (held back in Restricted Mode)', async () => {
    fs.mkdirSync(path.dirname(mcpJson), { recursive: true });
    fs.writeFileSync(mcpJson, JSON.stringify({ servers: { discovered: faultServer('discovered', MARK.discovered) } }, null, 2));
    if (trusted) {
      // A workspace-defined server waits for the user's trust (trust.test.ts has the details).
      assert.match(await trustPrompt('discovered'), /fault-server\.mjs --name discovered/);
      assert.deepEqual(serverPids(MARK.discovered), [], 'the workspace-defined server started before it was trusted');
      await answerTrustPrompt('Trust and Start');
      await waitForServer('discovered', 'connected');
      assert.equal(serverPids(MARK.discovered).length, 1);
    } else {
      await waitForServer('discovered', 'restricted');
      await sleep(2_000);
      assert.deepEqual(serverPids(MARK.discovered), [], 'a workspace-defined server started in Restricted Mode');
    }
    await waitForServer('everything', 'connected'); // user-level servers run either way
  });

  it('restarts the servers from the Command Palette', async () => {
    const old = serverPids(MARK.everything);
    assert.equal(old.length, 1);
    await runFromPalette('MCP Agent: Restart MCP Servers');
    await waitUntil('server-everything to run as a new process', () => {
      const now = serverPids(MARK.everything);
      return now.length === 1 && now[0] !== old[0];
    }, 30_000);
    await waitForServer('everything', 'connected');
    // And the agent still works with it.
    srv.enqueue({ toolCalls: [{ name: 'everything__get-sum', arguments: { a: 20, b: 22 } }] }, { text: 'After the restart the sum is 42.' });
    const before = srv.chatRequests.length;
    await sendChat('Add 20 and 22 with server-everything.');
    await waitForAnswer('After the restart the sum is 42.');
    const result = toolMessages(srv.chatRequests[before + 1]).map((m) => String(m.content)).join('\n');
    assert.match(result, /42/);
  });

  it('Restricted Mode: says so in the panel, and offers the model no run_command', async function () {
    if (trusted) this.skip(); // run with --trust
    await ui.waitFor('chat', CHAT.restrictedBanner);
    const last = srv.chatRequests.at(-1);
    assert.ok(last, 'no request to look at');
    assert.ok(!toolNames(last).includes('run_command'), 'run_command was offered in Restricted Mode');
    assert.ok(toolNames(last).includes('everything__echo'), 'the user-level server\'s tools were not offered');
    await screenshot('chat-restricted-mode');
  });

  it('the panel shows the conversation (screenshot)', async () => {
    await vscode.commands.executeCommand('mcpAgent.openChat');
    await ui.waitFor('chat', CHAT.toolCard);
    assert.ok((await ui.count('chat', CHAT.userMessage)) >= 4, 'the conversation is not in the panel');
    // The context meter and the conversation's token total, in the real editor: the window is the user setting's.
    await ui.waitFor('chat', '.context-meter');
    assert.match(await ui.text('chat', '.context-label'), /^\d+%$/);
    assert.match((await ui.attr('chat', '.context-meter', 'title')) ?? '', /tokens\nContext window 131,072 tokens \(setting\)/);
    assert.match(await ui.text('chat', '.composer .usage'), /tokens$/);
    await screenshot('chat-conversation');
  });

  it('never writes the API key to the log channel (or any log)', async () => {
    await vscode.commands.executeCommand('mcpAgent.showLogs');
    await sleep(1_500); // log channels flush to disk asynchronously
    const logs = path.join(runConfig().userDataDir ?? '', 'logs');
    const files = filesUnder(logs);
    const channel = files.filter((f) => path.basename(f) === 'MCP Agent.log');
    assert.ok(channel.length > 0, `no "MCP Agent.log" under ${logs}`);
    assert.ok(channel.some((f) => fs.statSync(f).size > 0), 'the MCP Agent log is empty: nothing to check');
    const leaks = files.filter((f) => fs.readFileSync(f, 'utf8').includes(API_KEY));
    assert.deepEqual(leaks, [], `the API key is in ${leaks.join(', ')}`);
    // And every request did carry it.
    assert.ok(srv.chatRequests.every((r) => r.headers.authorization === `Bearer ${API_KEY}`));
    await screenshot('logs');
  });
});
