// Trust for servers a workspace defines, as a user meets it: nothing in the workspace starts a process or sends a
// request until the user has seen the exact definition in the prompt and trusted it; an edited definition asks
// again; Reset Server Trust stops them. Runs after e2e.test.ts in the same window (and alone with --grep).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { canDriveUi, screenshot, ui } from './helpers';
import {
  answerTrustPrompt,
  faultServer,
  MARKER_ENV,
  ourExtension,
  runFromPalette,
  serverPids,
  serverStates,
  sleep,
  TRUST_DIALOG,
  trustPrompt,
  waitForServer,
  waitUntil,
  workspaceFolder,
} from './support';

const RUN = randomBytes(4).toString('hex');
const MARK = `guarded-${RUN}`;
/**
 * Shaped like a GitHub token, so redaction knows it. Made at run time: a literal one in the bundled suite would (rightly)
 * stop `vsce package` with its secret scan.
 */
const LITERAL_TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
/** Long enough for a process that was going to start to have started (the fault server starts in well under this). */
const SETTLE_MS = 2_500;

describe('Workspace-defined servers wait for the user\'s trust', function () {
  const trusted = vscode.workspace.isTrusted;
  let file: string;

  function writeDefinition(extraArgs: string[] = []): void {
    // Claude Desktop's format, as a repository would carry it in .mcp.json.
    const { command, args, env } = faultServer('guarded', MARK, extraArgs);
    // A reference and a token-shaped literal beside the marker: the prompt shows values as written, secrets redacted.
    const shown = { ...env, HOME_DIR: '${env:HOME}', GH_TOKEN: LITERAL_TOKEN };
    fs.writeFileSync(file, JSON.stringify({ mcpServers: { guarded: { command, args, env: shown } } }, null, 2));
  }

  async function noPromptFor(ms: number): Promise<void> {
    await sleep(ms);
    assert.equal(await ui.count('workbench', TRUST_DIALOG), 0, 'a trust prompt is showing');
  }

  before(async function () {
    if (!canDriveUi()) this.skip();
    file = path.join(workspaceFolder(), '.mcp.json');
    await ourExtension().activate();
  });

  after(async function () {
    if (!file) return;
    fs.rmSync(file, { force: true });
    if (trusted) await vscode.workspace.getConfiguration('mcpAgent').update('servers', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('offers Trust Workspace Servers… and Reset Server Trust', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['mcpAgent.trustServers', 'mcpAgent.resetServerTrust']) assert.ok(commands.includes(id), `${id} is not registered`);
  });

  it('Restricted Mode: a server in .mcp.json is held back without asking', async function () {
    if (trusted) this.skip(); // run with --trust
    writeDefinition();
    await waitForServer('guarded', 'restricted');
    await noPromptFor(SETTLE_MS);
    assert.deepEqual(serverPids(MARK), [], 'a workspace-defined server started in Restricted Mode');
  });

  it('a server in .mcp.json does not start before the user trusts it; the prompt shows its definition', async function () {
    if (!trusted) this.skip();
    writeDefinition();
    const shown = await trustPrompt('guarded');
    assert.ok(shown.includes(file), `the prompt does not name the file: ${shown}`);
    assert.ok(shown.includes(`${process.execPath} `), 'the prompt does not show the command');
    assert.match(shown, /fault-server\.mjs --name guarded/, 'the prompt does not show the args');
    // Env values as the file wrote them (a reference stays a reference), a token-shaped one redacted.
    assert.ok(shown.includes(`${MARKER_ENV}=${MARK}`), `the prompt does not show the env value as written: ${shown}`);
    assert.ok(shown.includes('HOME_DIR=\'${env:HOME}\''), `the prompt expands a reference: ${shown}`);
    assert.ok(!shown.includes(LITERAL_TOKEN), 'the prompt shows a token');
    await screenshot('trust-prompt');
    await sleep(SETTLE_MS);
    assert.deepEqual(serverPids(MARK), [], 'the server started while the prompt was open');
    await answerTrustPrompt('Not Now');
    const row = await waitForServer('guarded', 'untrusted');
    assert.match(row.description, /not trusted/);
    // The chat panel shows it waiting, and its row opens the same review.
    await vscode.commands.executeCommand('mcpAgent.newChat');
    await ui.waitFor('chat', '.server-strip .strip-count.untrusted', { timeoutMs: 30_000 });
    await ui.click('chat', '.server-strip');
    await ui.waitFor('chat', '.server-item[data-server="guarded"][data-state="untrusted"]');
    await screenshot('trust-panel-strip');
    await ui.click('chat', '.server-item[data-server="guarded"] button[data-focus-key="trust:guarded"]');
    await trustPrompt('guarded');
    await answerTrustPrompt('Not Now');
    await ui.press('chat', 'Escape');
    writeDefinition(); // the same definition again: re-read, and "Not Now" holds for it
    await noPromptFor(SETTLE_MS);
    assert.deepEqual(serverPids(MARK), [], 'the server started after "Not Now"');
  });

  it('Trust Workspace Servers… asks again, and Trust and Start starts it', async function () {
    if (!trusted) this.skip();
    await runFromPalette('MCP Agent: Trust Workspace Servers…');
    await trustPrompt('guarded');
    await answerTrustPrompt('Trust and Start');
    await waitForServer('guarded', 'connected');
    assert.equal(serverPids(MARK).length, 1);
  });

  it('an edited definition stops the server and asks again before it starts', async function () {
    if (!trusted) this.skip();
    const old = serverPids(MARK);
    assert.equal(old.length, 1);
    writeDefinition(['--startup-delay', '10']);
    const shown = await trustPrompt('guarded');
    assert.match(shown, /--startup-delay 10/, 'the prompt does not show the edited args');
    await waitUntil('the server of the old definition to exit', () => serverPids(MARK).length === 0, 20_000);
    await sleep(SETTLE_MS);
    assert.deepEqual(serverPids(MARK), [], 'the edited definition started before it was trusted');
    await answerTrustPrompt('Trust and Start');
    await waitForServer('guarded', 'connected');
    const now = serverPids(MARK);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], old[0]);
  });

  it('Reset Server Trust stops it, and it stays stopped', async function () {
    if (!trusted) this.skip();
    assert.equal(serverPids(MARK).length, 1);
    await runFromPalette('MCP Agent: Reset Server Trust');
    await waitUntil('the server to exit', () => serverPids(MARK).length === 0, 20_000);
    await waitForServer('guarded', 'untrusted');
    await noPromptFor(1_000);
    assert.deepEqual(serverPids(MARK), []);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('with several servers, Choose… starts only the ones the user checks', async function () {
    if (!trusted) this.skip();
    const marks = { a: `pick-a-${RUN}`, b: `pick-b-${RUN}` };
    const def = (name: string, mark: string) => {
      const { command, args, env } = faultServer(name, mark);
      return { command, args, env };
    };
    fs.writeFileSync(file, JSON.stringify({ mcpServers: { 'pick-a': def('pick-a', marks.a), 'pick-b': def('pick-b', marks.b) } }, null, 2));
    const shown = await trustPrompt('pick-b');
    assert.match(shown, /Start 2 MCP servers/);
    assert.match(shown, /--name pick-a/);
    assert.match(shown, /--name pick-b/);
    await answerTrustPrompt('Choose…');
    const rows = '.quick-input-widget .quick-input-list .monaco-list-row';
    await ui.click('workbench', rows, { hasText: 'pick-a' });
    await ui.press('workbench', 'Enter', '.quick-input-widget input');
    await waitForServer('pick-a', 'connected');
    assert.equal(serverPids(marks.a).length, 1);
    assert.equal((await serverStates()).get('pick-b')?.state, 'untrusted');
    assert.deepEqual(serverPids(marks.b), [], 'a server the user did not check started');
  });

  it('a remote server in workspace settings sends no request before it is trusted', async function () {
    if (!trusted) this.skip();
    fs.rmSync(file, { force: true });
    const requests: string[] = [];
    const listener = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`;
      const secret = `Bearer header-secret-${RUN}`;
      await vscode.workspace.getConfiguration('mcpAgent').update('servers', { remote: { type: 'http', url, headers: { Authorization: secret } } }, vscode.ConfigurationTarget.Workspace);
      const shown = await trustPrompt('remote');
      assert.ok(shown.includes(url), `the prompt does not show the URL: ${shown}`);
      assert.match(shown, /Authorization/, 'the prompt does not name the header');
      assert.ok(!shown.includes(secret), 'the prompt shows a header value');
      assert.ok(shown.includes('workspace settings'), 'the prompt does not say where the definition is');
      await sleep(SETTLE_MS);
      assert.deepEqual(requests, [], 'a request went to the untrusted server');
      await answerTrustPrompt('Not Now');
      assert.equal((await serverStates()).get('remote')?.state, 'untrusted');
      assert.deepEqual(requests, [], 'a request went to the untrusted server');
    } finally {
      await vscode.workspace.getConfiguration('mcpAgent').update('servers', undefined, vscode.ConfigurationTarget.Workspace);
      listener.close();
    }
  });
});
