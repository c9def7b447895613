/**
 * The CLI's OAuth pieces for real: the credentials file (0600, atomic, shared safely between processes), the refusal
 * to open anything but http(s) authorization URLs, the loopback redirect listener, and a whole `login` -> use ->
 * `logout` round against the MCP conformance suite's mock MCP and authorization servers, with a stand-in browser.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AuthorizationCodeProvider } from '../../src/core/mcp/oauth/authorizationCodeProvider';
import { MemorySecretStore } from '../../src/core/mcp/oauth/memorySecretStore';
import { AuthorizationUrlRefusedError } from '../../src/core/mcp/oauth/types';
import { BrowserUserAgent, openBrowser } from '../../src/cli/oauth/browserUserAgent';
import { FileSecretStore, defaultCredentialsFile } from '../../src/cli/oauth/fileSecretStore';
import type { Logger } from '../../src/core/ports';
import { ensureConformance, type ConformanceToolchain } from '../helpers/conformance';
import { ROOT, freePort } from '../helpers/servers';

const FAKE_BROWSER = path.join(ROOT, 'test/fixtures/oauth/fake-browser.mjs');
const CLI_OAUTH = path.join(ROOT, 'test/fixtures/oauth/cli-oauth.ts');

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, trace: push, debug: push, info: push, warn: push, error: push };
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(tmpdir(), 'mcp-agent-oauth-'));
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('CLI credentials file', () => {
  let dir: string;
  beforeEach(async () => (dir = await tempDir()));
  afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

  it('lives under MCP_AGENT_DATA_DIR/oauth', () => {
    assert.equal(defaultCredentialsFile({ MCP_AGENT_DATA_DIR: dir }), path.join(dir, 'oauth', 'credentials.json'));
  });

  it('is a 0600 file in a 0700 directory, and set/get/delete round-trip', async function () {
    if (process.platform === 'win32') this.skip();
    const file = path.join(dir, 'oauth', 'credentials.json');
    const store = new FileSecretStore(file);
    await store.set('a', 'secret-value-1');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(path.dirname(file))).mode & 0o777, 0o700);
    assert.equal(await store.get('a'), 'secret-value-1');
    await store.set('a', 'secret-value-2');
    assert.equal(await new FileSecretStore(file).get('a'), 'secret-value-2');
    await store.delete('a');
    assert.equal(await store.get('a'), undefined);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('puts a file others can read back to 0600, and says so without the contents', async function () {
    if (process.platform === 'win32') this.skip();
    const file = path.join(dir, 'credentials.json');
    const logger = capturingLogger();
    const store = new FileSecretStore(file, logger);
    await store.set('k', 'do-not-log-me');
    await fs.chmod(file, 0o644);
    assert.equal(await store.get('k'), 'do-not-log-me');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.ok(logger.lines.some((l) => l.includes('0600')));
    assert.ok(!logger.lines.join('\n').includes('do-not-log-me'));
  });

  it('writes atomically: concurrent writers (separate stores, as separate processes) lose nothing and leave no temp or lock file', async () => {
    const file = path.join(dir, 'credentials.json');
    const stores = [new FileSecretStore(file), new FileSecretStore(file), new FileSecretStore(file)];
    await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3].set(`key-${i}`, `value-${i}`)));
    const data = JSON.parse(await fs.readFile(file, 'utf8'));
    assert.equal(Object.keys(data.entries).length, 30);
    for (let i = 0; i < 30; i++) assert.equal(data.entries[`key-${i}`], `value-${i}`);
    assert.deepEqual(await fs.readdir(dir), ['credentials.json']);
  });

  it('never lets a reader see a torn file while writers replace it', async () => {
    const file = path.join(dir, 'credentials.json');
    const store = new FileSecretStore(file);
    await store.set('seed', 'x'.repeat(200_000));
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        JSON.parse(await fs.readFile(file, 'utf8')); // throws on a partial file
        reads++;
      }
    })();
    for (let i = 0; i < 15; i++) await store.set(`k${i}`, String(i).repeat(100_000));
    writing = false;
    await reader;
    assert.ok(reads > 0);
  });

  it('keeps the provider\'s tokens and registration, and logs neither', async () => {
    const file = path.join(dir, 'credentials.json');
    const logger = capturingLogger();
    const opts = { serverUrl: 'https://mcp.example.com/mcp', store: new FileSecretStore(file, logger), redirectUrl: 'http://127.0.0.1:1/callback', logger };
    const p1 = new AuthorizationCodeProvider(opts);
    await p1.saveClientInformation({ client_id: 'cid', client_secret: 'client-secret-xyz', redirect_uris: [opts.redirectUrl] });
    await p1.saveTokens({ access_token: 'access-token-abc', refresh_token: 'refresh-token-def', token_type: 'Bearer' });
    const p2 = new AuthorizationCodeProvider({ ...opts, store: new FileSecretStore(file, logger) });
    assert.equal((await p2.tokens())?.access_token, 'access-token-abc');
    assert.equal((await p2.clientInformation())?.client_id, 'cid');
    // A registration for another redirect URI (a different loopback port) is not reused.
    const p3 = new AuthorizationCodeProvider({ ...opts, redirectUrl: 'http://127.0.0.1:2/callback', store: new FileSecretStore(file) });
    assert.equal(await p3.clientInformation(), undefined);
    await p2.signOut();
    assert.equal(await new FileSecretStore(file).get('anything'), undefined);
    assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')).entries, {});
    const logged = logger.lines.join('\n');
    for (const secret of ['access-token-abc', 'refresh-token-def', 'client-secret-xyz']) assert.ok(!logged.includes(secret), `logged ${secret}`);
  });
});

describe('authorization URLs', () => {
  const hostile = ['javascript:alert(1)', 'file:///etc/passwd', 'vscode://evil/run', 'data:text/html,<script>1</script>', 'ms-settings:'];
  let dir: string;
  beforeEach(async () => (dir = await tempDir()));
  afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

  it('the provider refuses any that is not http(s)', () => {
    const provider = new AuthorizationCodeProvider({ serverUrl: 'https://mcp.example.com/mcp', store: new MemorySecretStore(), redirectUrl: 'http://127.0.0.1:1/callback' });
    for (const url of hostile) assert.throws(() => provider.redirectToAuthorization(new URL(url)), AuthorizationUrlRefusedError, url);
    assert.equal(provider.authorizationPending, false);
    provider.redirectToAuthorization(new URL('https://as.example.com/authorize?state=s'));
    assert.equal(provider.authorizationPending, true);
  });

  it('the CLI user agent neither starts a browser nor listens for one that is not http(s)', async () => {
    const log = path.join(dir, 'browser.log');
    const port = await freePort();
    const env = { BROWSER: `${process.execPath} ${FAKE_BROWSER}`, FAKE_BROWSER_LOG: log, FAKE_BROWSER_NO_FETCH: '1', PATH: process.env.PATH };
    const agent = new BrowserUserAgent({ env, print: () => undefined, timeoutMs: 2000 });
    for (const url of hostile) {
      await assert.rejects(agent.authorize(new URL(url), `http://127.0.0.1:${port}/callback`), AuthorizationUrlRefusedError);
      await assert.rejects(openBrowser(url, env), AuthorizationUrlRefusedError);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(existsSync(log), false, 'a browser was started');
    assert.ok(await portIsFree(port));
  });

  it('hands an http(s) URL to $BROWSER as one argument, with no shell', async () => {
    const log = path.join(dir, 'browser.log');
    const url = 'https://as.example.com/authorize?a=1&b=$(touch /tmp/x);c=`id`|d';
    const env = { BROWSER: `${process.execPath} ${FAKE_BROWSER}`, FAKE_BROWSER_LOG: log, FAKE_BROWSER_NO_FETCH: '1' };
    assert.equal(await openBrowser(url, env, 'linux'), true);
    const line = await waitFor(async () => (existsSync(log) ? (await fs.readFile(log, 'utf8')).trim() || undefined : undefined));
    assert.deepEqual(JSON.parse(line), [new URL(url).href]);
  });

  it('the loopback listener takes only the redirect that carries the request\'s state', async () => {
    const port = await freePort();
    const redirect = `http://127.0.0.1:${port}/callback`;
    const env = { BROWSER: `${process.execPath} ${FAKE_BROWSER}`, FAKE_BROWSER_NO_FETCH: '1' };
    const printed: string[] = [];
    const result = new BrowserUserAgent({ env, print: (t) => void printed.push(t), timeoutMs: 5000 }).authorize(new URL('https://as.example.com/authorize?state=good-state'), redirect);
    await waitFor(async () => (printed.length ? true : undefined));
    assert.ok(printed[0].includes('https://as.example.com/authorize?state=good-state'));
    assert.equal((await fetch(`${redirect}?code=forged&state=other`)).status, 400);
    assert.equal((await fetch(`http://127.0.0.1:${port}/elsewhere?code=x&state=good-state`)).status, 404);
    assert.equal((await fetch(`${redirect}?code=the-code&state=good-state`)).status, 200);
    assert.deepEqual(await result, { code: 'the-code', state: 'good-state' });
    assert.ok(await portIsFree(port), 'the listener is closed afterwards');
  });
});

describe('mcp-agent login / logout against the conformance mock servers', function () {
  this.timeout(120_000);
  let toolchain: ConformanceToolchain;
  let mock: ReturnType<typeof spawn> | undefined;
  let mockOutput = '';
  let serverUrl: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    const tc = await ensureConformance();
    if ('skip' in tc) {
      console.log(`      skipping: ${tc.skip}`);
      this.skip();
    }
    toolchain = tc;
    dir = await tempDir();
    // The suite without --command starts the scenario's mock servers and waits.
    mock = spawn(toolchain.node, ['--no-deprecation', toolchain.runner, 'client', '--scenario', 'auth/metadata-default'], { stdio: ['ignore', 'pipe', 'pipe'] });
    mock.stdout?.setEncoding('utf8').on('data', (d: string) => (mockOutput += d));
    mock.stderr?.setEncoding('utf8').on('data', (d: string) => (mockOutput += d));
    serverUrl = await waitFor(async () => /Server URL: (\S+)/.exec(mockOutput)?.[1], 30_000);
    const port = await freePort();
    env = {
      ...process.env,
      MCP_AGENT_DATA_DIR: dir,
      MCP_AGENT_OAUTH_PORT: String(port),
      BROWSER: `${process.execPath} ${FAKE_BROWSER}`,
      FAKE_BROWSER_LOG: path.join(dir, 'browser.log'),
    };
    delete env.FAKE_BROWSER_NO_FETCH;
  });

  after(async () => {
    if (mock?.pid !== undefined && mock.exitCode === null) {
      mock.kill('SIGINT');
      await new Promise((r) => mock?.once('exit', r));
    }
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI_OAUTH, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('login opens the browser once, takes the redirect on the loopback and stores the tokens in the 0600 file; no token is printed', async () => {
    const r = await cli('login', serverUrl);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /signed in to "url"/);
    const opened = (await fs.readFile(path.join(dir, 'browser.log'), 'utf8')).trim().split('\n');
    assert.equal(opened.length, 1);
    const authUrl = new URL(JSON.parse(opened[0])[0]);
    assert.equal(authUrl.searchParams.get('redirect_uri'), `http://127.0.0.1:${env.MCP_AGENT_OAUTH_PORT}/callback`);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');

    const file = path.join(dir, 'oauth', 'credentials.json');
    if (process.platform !== 'win32') assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    const stored = await fs.readFile(file, 'utf8');
    const token = /test-token-\d+/.exec(stored)?.[0];
    assert.ok(token, 'the access token is in the credentials file');
    assert.ok(!`${r.stdout}${r.stderr}`.includes(token), 'the token was printed');
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /test-token-|bearer\s+\S{8,}/i);
  });

  it('a later non-interactive run uses the stored sign-in', async () => {
    const r = await cli('connect', serverUrl);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { state: 'connected', called: true });
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /test-token-/);
  });

  it('logout forgets it, and then a non-interactive run ends in "needs sign-in" without a browser', async () => {
    const out = await cli('logout', serverUrl);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /signed out of "url"/);
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(dir, 'oauth', 'credentials.json'), 'utf8')).entries, {});
    const r = await cli('connect', serverUrl);
    const status = JSON.parse(r.stdout);
    assert.equal(status.state, 'error');
    assert.match(status.lastError, /needs sign-in \(run "mcp-agent login url"\)/);
    assert.equal((await fs.readFile(path.join(dir, 'browser.log'), 'utf8')).trim().split('\n').length, 1, 'a browser was opened');
  });

  it('the mock authorization server graded the whole exchange without a failure', async () => {
    mock?.kill('SIGINT');
    await new Promise((r) => mock?.once('exit', r));
    // eslint-disable-next-line no-control-regex
    const report = mockOutput.replace(/\x1b\[[0-9;]*m/g, '');
    for (const id of ['authorization-request', 'pkce-s256-method-used', 'token-request', 'pkce-verifier-matches-challenge', 'valid-bearer-token']) {
      assert.match(report, new RegExp(`\\[${id}\\s*\\] SUCCESS`), id);
    }
    assert.doesNotMatch(report, /\] (FAILURE|WARNING)/);
  });
});
