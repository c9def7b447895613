// MCP beyond tools, in a real VS Code: roots from the workspace folders, each server's log channel with the log
// level the settings ask for, and OAuth for HTTP servers against test/fixtures/oauth/oauth-mcp-server.mjs: the
// client-credentials grant (no browser), and the authorization-code flow with its browser step (the notification's
// Sign In clicked, openExternal opening the authorization URL in the browser, the loopback redirect taken), tokens
// kept in SecretStorage, and Sign Out. Servers are defined in user settings.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../fixtures/scriptedOpenAI';
import { canDriveUi, runConfig, screenshot, ui } from './helpers';
import { CHAT, everythingServer, filesUnder, ourExtension, repoRoot, sendChat, setUserSetting, sleep, waitForAnswer, waitForServer, waitUntil } from './support';

const RUN = randomBytes(4).toString('hex');

interface FixtureStats {
  authorize: number;
  tokens: { authorization_code: number; client_credentials: number };
  registrations: number;
  redirectUris: string[];
  unauthorized: number;
}

/** The OAuth fixture in a process of its own (the extension host's Node runs it). */
async function startOAuthFixture(env: Record<string, string> = {}): Promise<{ url: string; stats: () => Promise<FixtureStats>; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot(), 'test/fixtures/oauth/oauth-mcp-server.mjs')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PORT: '0', ...env } });
  let err = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /listening on (\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the OAuth fixture exited (${code}): ${err}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/mcp`,
    stats: async () => (await (await fetch(`${base}/stats`)).json()) as FixtureStats,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill();
      await exited;
    },
  };
}

function userDataDir(): string {
  const dir = runConfig().userDataDir;
  if (!dir) throw new Error('the harness did not pass userDataDir');
  return dir;
}

/** Log files under the user data dir whose text contains `needle`. */
function logFilesWith(needle: string): string[] {
  return filesUnder(path.join(userDataDir(), 'logs')).filter((f) => {
    try {
      return fs.readFileSync(f, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

describe('MCP features: roots, server logs, OAuth', function () {
  let previousServers: unknown;

  before(async function () {
    if (!canDriveUi()) this.skip();
    previousServers = vscode.workspace.getConfiguration('mcpAgent').inspect('servers')?.globalValue;
    await ourExtension().activate();
  });

  after(async function () {
    await setUserSetting('servers', previousServers);
    await setUserSetting('serverLogLevels', undefined);
  });

  describe('roots and server logs', () => {
    it('answers roots/list with the workspace folder, and each server logs into its own channel at the level set for it', async () => {
      // Two server-everything instances; the second is asked for warnings and worse only.
      await setUserSetting('serverLogLevels', { [`quiet-${RUN}`]: 'warning' });
      await setUserSetting('servers', { [`loud-${RUN}`]: everythingServer(`loud-${RUN}`), [`quiet-${RUN}`]: everythingServer(`quiet-${RUN}`) });
      await waitForServer(`loud-${RUN}`, 'connected');
      await waitForServer(`quiet-${RUN}`, 'connected');
      // server-everything asks for the roots after initialize and logs (at info) how many it got.
      const roots = vscode.workspace.workspaceFolders?.length ?? 0;
      assert.ok(roots >= 1);
      const line = `Roots updated: ${roots} root(s) received from client`;
      const files = await waitUntil(`"${line}" in loud-${RUN}'s log channel`, () => {
        const found = logFilesWith(line).filter((f) => path.basename(f).includes(`loud-${RUN}`));
        return found.length ? found : undefined;
      }, 30_000, 500);
      const text = fs.readFileSync(files[0], 'utf8');
      assert.match(text, /\[info\] \[everything-server\] Roots updated/);
      // Its stderr is in the same channel.
      assert.match(text, /\[stderr\] Starting default \(STDIO\) server/);
      // The quiet one was asked for warnings only (logging/setLevel), so its info line never came.
      await waitUntil(`quiet-${RUN}'s channel`, () => filesUnder(path.join(userDataDir(), 'logs')).some((f) => path.basename(f).includes(`quiet-${RUN}`) && fs.readFileSync(f, 'utf8').includes('[stderr]')), 20_000, 500);
      // Both started together: give the quiet one's roots sync (350 ms after initialize) time to have logged.
      await sleep(2_000);
      const quiet = filesUnder(path.join(userDataDir(), 'logs')).filter((f) => path.basename(f).includes(`quiet-${RUN}`));
      assert.ok(quiet.length > 0);
      for (const f of quiet) assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /Roots updated/);

      // "Show Server Log…" opens the channel in the Output view.
      await vscode.commands.executeCommand('mcpAgent.showServerLog', `loud-${RUN}`);
      await ui.waitFor('workbench', '.part.panel .monaco-editor .view-lines:has-text("Roots updated")', { timeoutMs: 15_000 });
      await screenshot('server-log-channel');
    });
  });

  describe('OAuth', function () {
    this.timeout(180_000);
    let fixture: Awaited<ReturnType<typeof startOAuthFixture>>;

    before(async () => {
      fixture = await startOAuthFixture();
    });

    after(async () => {
      await fixture?.stop();
    });

    it('a client-credentials server connects with no browser and no prompt', async () => {
      await setUserSetting('servers', { [`m2m-${RUN}`]: { type: 'http', url: fixture.url, oauth: { grant: 'client_credentials', clientId: 'm2m-client', clientSecret: 'm2m-secret' } } });
      const row = await waitForServer(`m2m-${RUN}`, 'connected');
      assert.match(row.description, /1 tool/);
      const stats = await fixture.stats();
      assert.equal(stats.tokens.client_credentials, 1);
      assert.equal(stats.authorize, 0, 'no browser step');
    });

    it('the authorization-code flow: asks first, opens the browser, takes the loopback redirect, keeps the tokens in SecretStorage; Sign Out forgets them', async () => {
      const name = `oauth-${RUN}`;
      await setUserSetting('servers', { [name]: { type: 'http', url: fixture.url } });
      // The user is asked before any browser opens.
      const signIn = '.notifications-toasts .notification-toast:has-text("wants you to sign in") .monaco-button:has-text("Sign In")';
      await ui.waitFor('workbench', signIn, { timeoutMs: 45_000 });
      assert.equal((await fixture.stats()).authorize, 0, 'the browser opened before the user agreed');
      await screenshot('oauth-sign-in-prompt');
      await ui.click('workbench', signIn);
      // openExternal opens the authorization URL in a browser tab; the fixture approves at once and redirects to
      // the extension's loopback listener.
      await waitForServer(name, 'connected', 60_000);
      const stats = await fixture.stats();
      assert.equal(stats.authorize, 1);
      assert.equal(stats.tokens.authorization_code, 1);
      assert.match(stats.redirectUris[0], /^http:\/\/127\.0\.0\.1:\d+\/callback$/);

      // A restart reads the tokens back from SecretStorage: no second sign-in.
      await vscode.commands.executeCommand('mcpAgent.restartServers');
      await waitForServer(name, 'connected', 30_000);
      assert.equal((await fixture.stats()).authorize, 1, 'signed in again after a restart');
      assert.equal((await fixture.stats()).tokens.authorization_code, 1);

      // No token in settings or any log.
      const settings = fs.readFileSync(path.join(userDataDir(), 'User', 'settings.json'), 'utf8');
      assert.doesNotMatch(settings, /fixture-token-/);
      assert.deepEqual(logFilesWith('fixture-token-'), [], 'a token was logged');

      // Sign Out: the stored sign-in is gone and the server, reconnected without it, waits for a sign-in instead of
      // prompting again by itself.
      await vscode.commands.executeCommand('mcpAgent.signOut', name);
      await waitForServer(name, 'error', 30_000);
      assert.equal(await ui.count('workbench', signIn), 0, 'asked to sign in again right after signing out');
      assert.equal((await fixture.stats()).authorize, 1);
    });

    it('refuses an authorization URL that is not http(s): no prompt, nothing opened, the server says why', async () => {
      const hostile = await startOAuthFixture({ AUTHORIZATION_ENDPOINT: 'vscode://evil.example/run?cmd=1' });
      try {
        const name = `hostile-${RUN}`;
        await setUserSetting('servers', { [name]: { type: 'http', url: hostile.url } });
        await waitForServer(name, 'error', 45_000);
        assert.equal(await ui.count('workbench', '.notifications-toasts .notification-toast:has-text("wants you to sign in")'), 0);
        const logged = await waitUntil('the refusal in the MCP Agent log', () => {
          const found = logFilesWith(`[${name}] could not connect: refusing to open an authorization URL that is not http(s)`);
          return found.length ? found : undefined;
        }, 15_000, 500);
        assert.ok(logged.length > 0);
        assert.equal((await hostile.stats()).authorize, 0);
      } finally {
        await hostile.stop();
      }
    });
  });

  describe('progress', () => {
    let srv: ScriptedOpenAI;

    before(async () => {
      srv = await startScriptedOpenAI();
      await setUserSetting('llm.baseUrl', srv.url);
      await setUserSetting('llm.model', 'scripted-features-model');
    });

    after(async () => {
      await setUserSetting('llm.baseUrl', undefined);
      await setUserSetting('llm.model', undefined);
      await srv?.close();
    });

    it('shows server-everything\'s progress notifications live in the tool card', async () => {
      await setUserSetting('servers', { progress: everythingServer(`progress-${RUN}`) });
      await waitForServer('progress', 'connected');
      const TOOL = 'trigger-long-running-operation';
      srv.enqueue(
        (req) => {
          const name = (req.body.tools ?? []).map((t) => t.function.name).find((n) => n.endsWith(TOOL));
          if (!name) throw new Error(`${TOOL} was not offered`);
          return { toolCalls: [{ name, arguments: { duration: 8, steps: 8 } }] };
        },
        { text: 'The long operation finished.' },
      );
      await vscode.commands.executeCommand('mcpAgent.openChat');
      await ui.waitFor('chat', CHAT.input, { timeoutMs: 30_000 });
      await sendChat('Run the long operation of server-everything.');
      const card = `${CHAT.toolCard}:has(.tool-name:text-is("${TOOL}"))`;
      const seen = new Set<string>();
      await waitUntil('a progress bar part of the way', async () => {
        const text = (await ui.content('chat', `${card} .tool-progress-text`, { timeoutMs: 30_000 })).trim();
        if (text) seen.add(text);
        const m = /^(\d+)\/8$/.exec(text);
        return m && Number(m[1]) >= 2 && Number(m[1]) < 8 ? true : undefined;
      }, 30_000, 100);
      assert.match(await ui.attr('chat', `${card} [role="progressbar"]`, 'aria-valuemax') ?? '', /^8$/);
      await screenshot('chat-tool-progress');
      await waitForAnswer('The long operation finished.', 60_000);
      assert.equal(await ui.count('chat', `${card} .tool-progress:not([hidden])`), 0, 'the progress bar stayed after the result');
      assert.ok(seen.size >= 2, `the progress did not move: ${[...seen].join(', ')}`);
    });
  });
});
