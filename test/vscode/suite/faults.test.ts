// Server faults as a user meets them in the chat panel (test/vscode/README.md): a server killed in the middle of a
// call, and a server that never answers. The fault server is defined in USER settings (not the workspace), the
// model is the scripted OpenAI-compatible server, and everything is seen and done through the panel.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI } from '../../fixtures/scriptedOpenAI';
import { canDriveUi, runConfig, screenshot, ui } from './helpers';
import { CHAT, faultServer, filesUnder, ourExtension, sendChat, serverPids, setUserSetting, toolResultText, waitForAnswer, waitForServer, waitUntil } from './support';

const RUN = randomBytes(4).toString('hex');
const MARK = `faulty-${RUN}`;
const MARK_BULKY = `bulky-${RUN}`;
const MODEL = 'scripted-faults-model';
/** The fault server's call timeout, in seconds (the `timeout` of its definition). */
const TIMEOUT_S = 3;
const SETTINGS = ['llm.baseUrl', 'llm.model', 'llm.provider', 'servers'] as const;

/** The tool messages of a request, as the model got them (each in its <tool_result> envelope). */
function toolContents(req: RecordedRequest | undefined): string[] {
  return (req?.body.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content));
}

const card = (tool: string): string => `${CHAT.toolCard}:has(.tool-name:text-is("${tool}"))`;

/** The composer takes another message and the turn it starts completes: the panel is not stuck. */
async function assertComposerUsable(srv: ScriptedOpenAI, answer: string): Promise<void> {
  assert.equal(await ui.count('chat', CHAT.idle), 1, 'the panel still shows a running turn');
  srv.enqueue({ text: answer });
  await sendChat('Are you still there?');
  await waitForAnswer(answer);
}

describe('Server faults in the chat panel', function () {
  this.timeout(120_000);
  let srv: ScriptedOpenAI;
  const previous = new Map<string, unknown>();

  before(async function () {
    if (!canDriveUi()) this.skip();
    srv = await startScriptedOpenAI();
    const config = vscode.workspace.getConfiguration('mcpAgent');
    for (const key of SETTINGS) previous.set(key, config.inspect(key)?.globalValue);
    // User-level settings: a user's own servers start without any workspace trust question.
    await setUserSetting('llm.provider', 'openai');
    await setUserSetting('llm.baseUrl', srv.url);
    await setUserSetting('llm.model', MODEL);
    // `faulty` has a short call timeout; `bulky` the default, for a result that takes a while to move.
    await setUserSetting('servers', { faulty: { ...faultServer('faulty', MARK), timeout: TIMEOUT_S }, bulky: faultServer('bulky', MARK_BULKY) });
    await ourExtension().activate();
    await waitForServer('faulty', 'connected');
  });

  after(async function () {
    if (!srv) return;
    for (const key of SETTINGS) await setUserSetting(key, previous.get(key));
    // The server goes with its definition: nothing of it is left running.
    await waitUntil('the fault server processes to exit', () => serverPids(MARK).length + serverPids(MARK_BULKY).length === 0, 20_000);
    await srv.close();
  });

  beforeEach(async () => {
    srv.reset();
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
  });

  it('a server killed mid-call: the card fails within a second naming the server, it restarts, the next call works', async () => {
    const [pid] = await waitUntil('one process of the fault server', () => {
      const pids = serverPids(MARK);
      return pids.length === 1 ? pids : undefined;
    });
    srv.enqueue(
      { toolCalls: [{ name: 'faulty__sleep', arguments: { ms: 120_000 } }] },
      { text: 'The faulty server went away during the call.' },
    );
    const before = srv.chatRequests.length;
    await sendChat('Sleep on the faulty server.');
    await ui.waitFor('chat', `${card('sleep')}[data-status="running"]`, { timeoutMs: 20_000 });

    process.kill(pid, 'SIGKILL');
    const killedAt = performance.now();
    // The failure reaches the model as the next request; that is when the call failed.
    await waitUntil('the failed call to reach the model', () => srv.chatRequests.length > before + 1, 10_000, 10);
    const failedAfterMs = performance.now() - killedAt;
    assert.ok(failedAfterMs < 1_000, `the call failed ${Math.round(failedAfterMs)} ms after the server was killed`);
    const sent = toolContents(srv.chatRequests[before + 1]);
    assert.equal(sent.length, 1);
    assert.match(sent[0], /server "faulty": the server exited during "sleep"/);

    // The user sees it on the card, and the turn ends normally.
    await waitForAnswer('The faulty server went away during the call.');
    await ui.waitFor('chat', `${card('sleep')}[data-status="failed"]`);
    const shown = await toolResultText(card('sleep'));
    assert.match(shown, /server "faulty": the server exited during "sleep"/);
    await screenshot('chat-server-killed');

    // Restarted with backoff (the log says after how long), as a new process; the old one is gone.
    const restarted = await waitUntil('a new process of the fault server', () => {
      const pids = serverPids(MARK);
      return pids.length === 1 && pids[0] !== pid ? pids[0] : undefined;
    }, 30_000);
    await waitForServer('faulty', 'connected');
    assert.ok(!serverPids(MARK).includes(pid), 'the killed process is still listed');
    const logs = await waitUntil('the restart in the MCP Agent log', () => {
      const text = filesUnder(path.join(runConfig().userDataDir ?? '', 'logs'))
        .filter((f) => path.basename(f) === 'MCP Agent.log')
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join('\n');
      return /\[faulty\] restarting in \d+ ms \(attempt 1 of \d+\)/.test(text) ? text : undefined;
    }, 15_000);
    assert.match(logs, /\[faulty\] restarting in \d+ ms/);

    // The next call goes to the new process.
    srv.enqueue({ toolCalls: [{ name: 'faulty__pid', arguments: {} }] }, { text: 'The faulty server is back.' });
    const mark = srv.chatRequests.length;
    await sendChat('Which process answers now?');
    await waitForAnswer('The faulty server is back.');
    assert.match(toolContents(srv.chatRequests[mark + 1]).at(-1) ?? '', new RegExp(`\\n${restarted}\\n`));
    await ui.waitFor('chat', `${card('pid')}[data-status="done"]`);
    await assertComposerUsable(srv, 'Still here after the crash.');
  });

  it('a server that never answers: the card fails at its timeout, the server hears notifications/cancelled, the panel unblocks', async () => {
    await waitForServer('faulty', 'connected');
    srv.enqueue(
      { toolCalls: [{ name: 'faulty__hang', arguments: {} }] },
      // After the timeout the model asks the server how many calls it saw cancelled.
      { toolCalls: [{ name: 'faulty__cancelled_count', arguments: {} }] },
      { text: 'The hang call timed out and was cancelled.' },
    );
    const before = srv.chatRequests.length;
    await sendChat('Call the tool that hangs.');
    // `hang` is not read-only: the user approves it first.
    const approval = `${CHAT.approvalCard}`;
    await ui.waitFor('chat', approval, { timeoutMs: 20_000 });
    await ui.click('chat', `${approval} button[data-decision="allow"]`);
    await ui.waitFor('chat', `${card('hang')}[data-status="running"]`);
    // While it hangs the turn is running: the panel says so.
    assert.equal(await ui.count('chat', CHAT.idle), 0, 'the panel shows no running turn during the call');

    await waitForAnswer('The hang call timed out and was cancelled.', 60_000);
    const timedOut = toolContents(srv.chatRequests[before + 1]);
    assert.equal(timedOut.length, 1);
    assert.match(timedOut[0], new RegExp(`server "faulty": "hang" timed out after ${TIMEOUT_S} s`));
    await ui.waitFor('chat', `${card('hang')}[data-status="failed"]`);
    assert.match(await toolResultText(card('hang')), new RegExp(`"hang" timed out after ${TIMEOUT_S} s`));
    // The server itself counted one cancellation: notifications/cancelled reached it.
    assert.match(toolContents(srv.chatRequests[before + 2])[1], /\n1\n/);
    await screenshot('chat-server-timeout');
    await assertComposerUsable(srv, 'Still here after the timeout.');
  });

  it('a 10 MB result: the model gets head, tail and a read_result handle, the card shows the start of it, the panel stays usable', async () => {
    await waitForServer('bulky', 'connected');
    const bytes = 10_000_000;
    srv.enqueue({ toolCalls: [{ name: 'bulky__marked', arguments: { bytes } }] }, { text: 'That was a big result.' });
    const before = srv.chatRequests.length;
    await sendChat('Fetch the big result.');
    // `marked` is not read-only: the user approves it first.
    await ui.waitFor('chat', CHAT.approvalCard, { timeoutMs: 20_000 });
    await ui.click('chat', `${CHAT.approvalCard} button[data-decision="allow"]`);
    await waitForAnswer('That was a big result.', 60_000);

    const [sent] = toolContents(srv.chatRequests[before + 1]);
    assert.ok(sent.length < 33_000, `the model was sent ${sent.length} characters`);
    // Head and tail, and a handle the model can page through with read_result.
    assert.match(sent, /^<tool_result[^>]*>\nBEGIN-OF-RESULT x+\n\n\.\.\. \d+ characters omitted \.\.\.\n\nx+ END-OF-RESULT\n\[The whole result has 10000000 characters and is stored as (r_[0-9a-f]+)\. Read more with read_result \{"id": "\1"[^\n]*\]\n<\/tool_result>$/);

    await ui.waitFor('chat', `${card('marked')}[data-status="done"]`);
    assert.match(await ui.text('chat', `${card('marked')} .tool-result-size`), /MB/);
    // Opened, the result shows its start and offers the rest in pieces rather than rendering 10 MB at once.
    const shown = await toolResultText(card('marked'));
    assert.ok(shown.includes('BEGIN-OF-RESULT'), shown.slice(0, 200));
    assert.ok(shown.length < 100_000, `the card rendered ${shown.length} characters at once`);
    await ui.waitFor('chat', `${card('marked')} .show-more-row`);
    await screenshot('chat-10mb-result');
    await assertComposerUsable(srv, 'Still here after 10 MB.');
  });
});
