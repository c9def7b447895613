/**
 * `mcp-agent serve` for a team, end to end with the built CLI: named API keys (keys file, re-read on change), each
 * user's conversations (paged list, read, delete; another user's is 404), GET /ready and the SIGTERM drain, the
 * whole-turn timeout, Prometheus /metrics and X-Request-Id. The scripted model and the fault MCP server are real.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Conversations } from '../../src/core/store/Conversations';
import { startScriptedOpenAI, type RecordedRequest, type ReplyScript, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, openStream, parseJson, request, startServe, type ServeProcess, type TestWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { waitFor } from '../helpers/servers';
import { openEnvelope } from '../helpers/toolEnvelope';

const user = (content: string) => ({ messages: [{ role: 'user', content }] });
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** "call TOOL {json}" calls that tool; after a tool result the model answers "tool said: …"; anything else is echoed. */
function promptDriven(req: RecordedRequest): ReplyScript {
  const msgs = req.body.messages ?? [];
  const last = msgs[msgs.length - 1];
  if (last?.role === 'tool') return { text: `tool said: ${openEnvelope(last.content).body}` };
  const text = typeof last?.content === 'string' ? last.content : '';
  const m = /^call (\S+)(?: (.*))?$/.exec(text);
  if (m) return { toolCalls: [{ name: m[1], arguments: m[2] ? (JSON.parse(m[2]) as Record<string, unknown>) : {} }] };
  return { text };
}

/** Prometheus text: `name{labels}` -> value, for the samples of the form `name{a="x",b="y"} 12`. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

async function addKey(file: string, name: string, cwd: string): Promise<string> {
  const r = await runCli(['keys', 'add', name, '--file', file], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const key = r.stdout.trim();
  assert.match(key, /^mcpa_[A-Za-z0-9_-]{43}$/);
  return key;
}

interface ChatReply {
  reply: string;
  conversation_id: string | null;
  error?: string;
}

describe('mcp-agent serve for a team: keys, conversations, metrics, request ids (built CLI, real HTTP)', function () {
  this.timeout(120_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;
  let api: ServeProcess;
  let keysFile: string;
  let alice: string;
  let bob: string;

  before(async () => {
    srv = await startScriptedOpenAI();
    ws = await makeWorkspace();
    keysFile = path.join(ws.dir, 'keys.json');
    alice = await addKey(keysFile, 'alice', ws.dir);
    bob = await addKey(keysFile, 'bob', ws.dir);
    api = await startServe(['--yes', '--keys', keysFile], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
  });
  after(async () => {
    const exit = await api?.stop();
    await srv?.close();
    assert.equal(exit?.code, 0, api?.stderr());
  });
  beforeEach(() => {
    srv.reset();
    srv.setDefault(promptDriven);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`serve stderr:\n${api.stderr()}\n`);
  });

  it('keys add prints a key once and stores only its hash (0600); a bad or missing key is 401', async () => {
    const text = await readFile(keysFile, 'utf8');
    assert.ok(!text.includes(alice) && !text.includes(bob), 'the keys themselves are not in the file');
    const names = (JSON.parse(text) as { keys: Array<{ name: string; sha256: string }> }).keys.map((k) => k.name);
    assert.deepEqual(names, ['alice', 'bob']);
    assert.equal((await stat(keysFile)).mode & 0o777, 0o600);

    const list = await runCli(['keys', 'list', '--file', keysFile, '--json'], { cwd: ws.dir });
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ name: string }>).map((k) => k.name), ['alice', 'bob']);

    for (const headers of [{}, auth(`${alice}x`), auth('mcpa_nope'), { authorization: `Basic ${alice}` }]) {
      const r = await request(api.port, '/chat', { body: user('hi'), headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.match(parseJson<{ error: string }>(r).error, /Authorization: Bearer <key>/);
    }
    assert.equal(srv.chatRequests.length, 0);
    assert.equal((await request(api.port, '/health', { headers: auth(alice) })).status, 200);
    assert.ok(!api.stderr().includes(alice), 'a key is never logged');
  });

  it("each user sees only their own conversations: another user's id is 404 everywhere", async () => {
    const r = await request(api.port, '/chat', { body: user('secret plans'), headers: auth(alice) });
    assert.equal(r.status, 200, r.text);
    const id = parseJson<ChatReply>(r).conversation_id;
    assert.equal(typeof id, 'string');

    const asBob = auth(bob);
    const tries = [
      await request(api.port, '/chat', { body: { ...user('read it'), conversation_id: id }, headers: asBob }),
      await request(api.port, '/chat/stream', { body: { ...user('read it'), conversation_id: id }, headers: asBob }),
      await request(api.port, '/compact', { body: { conversation_id: id }, headers: asBob }),
      await request(api.port, `/conversations/${id}`, { headers: asBob }),
      await request(api.port, `/conversations/${id}`, { method: 'DELETE', headers: asBob }),
    ];
    for (const t of tries) {
      assert.equal(t.status, 404, t.text);
      assert.match(parseJson<{ error: string }>(t).error, /not found/);
    }
    // Exactly as a conversation that does not exist.
    const missing = await request(api.port, '/conversations/AAAAAAAAAAAAAAAAAAAAAA', { headers: asBob });
    assert.equal(missing.status, 404);
    assert.equal(parseJson<{ error: string }>(missing).error.replace('AAAAAAAAAAAAAAAAAAAAAA', String(id)), parseJson<{ error: string }>(tries[3]).error);
    assert.equal(srv.chatRequests.length, 1, "bob's turns never reached the model");
    const bobs = parseJson<{ conversations: Array<{ id: string }> }>(await request(api.port, '/conversations', { headers: asBob }));
    assert.ok(!bobs.conversations.some((c) => c.id === id));

    const mine = await request(api.port, `/conversations/${id}`, { headers: auth(alice) });
    assert.equal(mine.status, 200, mine.text);
    const conv = parseJson<{ id: string; title: string; messages: Array<{ role: string; content: string }> }>(mine);
    assert.equal(conv.id, id);
    assert.equal(conv.title, 'secret plans');
    assert.deepEqual(
      conv.messages.map((m) => [m.role, m.content]),
      [
        ['user', 'secret plans'],
        ['assistant', 'secret plans'],
      ],
    );
    // And alice continues it.
    const next = await request(api.port, '/chat', { body: { ...user('more'), conversation_id: id }, headers: auth(alice) });
    assert.equal(next.status, 200, next.text);
  });

  it('GET /conversations pages the user\'s own, newest first; DELETE removes one; bad ids and cursors are 400', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await request(api.port, '/chat', { body: user(`bob's chat ${i}`), headers: auth(bob) });
      made.push(String(parseJson<ChatReply>(r).conversation_id));
    }
    const seen: string[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const r = await request(api.port, `/conversations?limit=2${after ? `&after=${after}` : ''}`, { headers: auth(bob) });
      assert.equal(r.status, 200, r.text);
      const page = parseJson<{ conversations: Array<{ id: string; title: string; messageCount: number; owner?: string }>; next: string | null }>(r);
      assert.ok(page.conversations.length <= 2);
      for (const c of page.conversations) {
        assert.equal(c.messageCount, 2);
        assert.equal(c.owner, undefined);
      }
      seen.push(...page.conversations.map((c) => c.id));
      after = page.next;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...made].reverse(), 'newest first, each once');

    for (const bad of ['/conversations?limit=0', '/conversations?limit=abc', '/conversations?limit=1000', '/conversations?after=not-a-cursor']) {
      const r = await request(api.port, bad, { headers: auth(bob) });
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
    }
    for (const bad of ['/conversations/short', '/conversations/has%20space%20in%20it', '/conversations/bad%E0encoding']) {
      assert.equal((await request(api.port, bad, { headers: auth(bob) })).status, 400, bad);
      assert.equal((await request(api.port, bad, { method: 'DELETE', headers: auth(bob) })).status, 400, bad);
    }
    assert.equal((await request(api.port, `/conversations/${made[0]}`, { method: 'PUT', headers: auth(bob) })).status, 405);

    const del = await request(api.port, `/conversations/${made[0]}`, { method: 'DELETE', headers: auth(bob) });
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal((await request(api.port, `/conversations/${made[0]}`, { headers: auth(bob) })).status, 404);
    assert.equal((await request(api.port, `/conversations/${made[0]}`, { method: 'DELETE', headers: auth(bob) })).status, 404);
    const rest = parseJson<{ conversations: Array<{ id: string }> }>(await request(api.port, '/conversations', { headers: auth(bob) }));
    assert.deepEqual(rest.conversations.map((c) => c.id), made.slice(1).reverse());
  });

  it('picks up a changed keys file without a restart; a broken edit keeps the last good keys with one warning', async () => {
    const carol = await addKey(keysFile, 'carol', ws.dir);
    const r = await request(api.port, '/chat', { body: user('hello from carol'), headers: auth(carol) });
    assert.equal(r.status, 200, r.text);

    // Rotation: a second key for carol, then the first one removed by its hash.
    const carol2 = await addKey(keysFile, 'carol', ws.dir);
    const firstHash = createHash('sha256').update(carol).digest('hex').slice(0, 12);
    const rotated = await runCli(['keys', 'remove', 'carol', '--hash', firstHash, '--file', keysFile], { cwd: ws.dir });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal((await request(api.port, '/health', { headers: auth(carol) })).status, 401);
    assert.equal((await request(api.port, '/health', { headers: auth(carol2) })).status, 200);

    const removed = await runCli(['keys', 'remove', 'bob', '--file', keysFile], { cwd: ws.dir });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await request(api.port, '/health', { headers: auth(bob) })).status, 401);
    assert.equal((await request(api.port, '/health', { headers: auth(alice) })).status, 200);

    const good = await readFile(keysFile, 'utf8');
    await writeFile(keysFile, good.replace('"sha256"', '"sha265"'));
    for (let i = 0; i < 3; i++) assert.equal((await request(api.port, '/health', { headers: auth(alice) })).status, 200);
    assert.equal((await request(api.port, '/health', { headers: auth(bob) })).status, 401);
    await waitFor(() => api.stderr().includes('stays in use'));
    const warnings = api.stderr().split('\n').filter((l) => l.includes('stays in use'));
    assert.equal(warnings.length, 1, api.stderr());
    assert.match(warnings[0], /^warning: .*keys\.json: keys\.0\.sha256/);

    await writeFile(keysFile, good);
    assert.equal((await request(api.port, '/health', { headers: auth(carol2) })).status, 200);

    const usage = await runCli(['keys', 'add', 'no spaces', '--file', keysFile], { cwd: ws.dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /NAME: 1-64 letters/);
  });

  it('GET /metrics: Prometheus text whose counters move with a tool turn; it needs a key', async () => {
    assert.equal((await request(api.port, '/metrics')).status, 401);
    const read = async () => {
      const r = await request(api.port, '/metrics', { headers: auth(alice) });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
      return parseMetrics(r.text);
    };
    const before = await read();
    const get = (m: Map<string, number>, k: string) => m.get(k) ?? 0;
    const r = await request(api.port, '/chat', { body: user('call fault__add {"a":2,"b":40}'), headers: auth(alice) });
    assert.equal(parseJson<ChatReply>(r).reply, 'tool said: 42');
    const failed = await request(api.port, '/chat', { body: user('call fault__fail'), headers: auth(alice) });
    assert.equal(failed.status, 200, failed.text);
    const after = await read();

    assert.equal(get(after, 'mcp_agent_tool_calls_total{server="fault",outcome="ok"}') - get(before, 'mcp_agent_tool_calls_total{server="fault",outcome="ok"}'), 1);
    assert.equal(get(after, 'mcp_agent_tool_calls_total{server="fault",outcome="error"}') - get(before, 'mcp_agent_tool_calls_total{server="fault",outcome="error"}'), 1);
    assert.equal(get(after, 'mcp_agent_turns_total{endpoint="chat",outcome="completed"}') - get(before, 'mcp_agent_turns_total{endpoint="chat",outcome="completed"}'), 2);
    assert.ok(get(after, 'mcp_agent_tokens_total{type="prompt"}') > get(before, 'mcp_agent_tokens_total{type="prompt"}'));
    assert.ok(get(after, 'mcp_agent_tokens_total{type="completion"}') > get(before, 'mcp_agent_tokens_total{type="completion"}'));
    assert.equal(get(after, 'mcp_agent_turn_duration_seconds_count{endpoint="chat"}') - get(before, 'mcp_agent_turn_duration_seconds_count{endpoint="chat"}'), 2);
    assert.equal(get(after, 'mcp_agent_active_turns'), 0);
    assert.ok(after.has('mcp_agent_turns_refused_total{reason="capacity"}'));
    assert.ok(after.has('mcp_agent_process_resident_memory_bytes'), 'process metrics');
    assert.ok(get(after, 'mcp_agent_http_requests_total{route="/chat",status="200"}') >= 2);
    // A model error, by kind.
    srv.enqueue({ status: 401 });
    const modelFail = await request(api.port, '/chat', { body: user('x'), headers: auth(alice) });
    assert.equal(modelFail.status, 200, modelFail.text);
    assert.equal(get(await read(), 'mcp_agent_model_errors_total{kind="auth"}'), 1);
  });

  it('keeps nothing of a turn once it ended: after 30 streams (10 dropped midway) the process is back to its resources', async () => {
    const resources = async () => {
      const m = parseMetrics((await request(api.port, '/metrics', { headers: auth(alice) })).text);
      return { resources: m.get('mcp_agent_nodejs_active_resources_total') ?? NaN, active: m.get('mcp_agent_active_turns') ?? NaN };
    };
    srv.setDefault(() => ({ text: 'a fairly slow answer, in small pieces', chunkSize: 3, delayMs: 10 }));
    // Warm up (pooled connections to the model), then settle.
    await Promise.all(Array.from({ length: 3 }, () => openStream(api.port, '/chat/stream', user('warm up'), auth(alice)).done));
    await new Promise((r) => setTimeout(r, 5_000));
    const before = await resources();
    const streams = Array.from({ length: 30 }, (_, i) => openStream(api.port, '/chat/stream', user(`turn ${i}`), auth(alice)));
    await Promise.all(streams.slice(0, 10).map((s) => s.waitForEvent((e) => e.type === 'text')));
    for (const s of streams.slice(0, 10)) s.destroy();
    await Promise.all(streams.slice(10).map((s) => s.done));
    // Idle sockets to the model close within a few seconds; the turns' timers, listeners and sockets must be gone.
    let after = await resources();
    for (let i = 0; i < 40 && (after.active !== 0 || after.resources > before.resources + 2); i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await resources();
    }
    assert.equal(after.active, 0);
    assert.ok(after.resources <= before.resources + 2, `active resources: ${before.resources} before, ${after.resources} after`);
  });

  it('X-Request-Id: a sane incoming one is echoed and names the log lines of its request; otherwise one is made', async () => {
    const r = await request(api.port, '/chat', { body: user('call fault__echo {"message":"hi"}'), headers: { ...auth(alice), 'x-request-id': 'lb-req-0042' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-request-id'], 'lb-req-0042');
    await waitFor(() => api.stderr().includes('[req lb-req-0042 user=alice] POST /chat 200'));

    const made = await request(api.port, '/health', { headers: auth(alice) });
    assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    for (const bad of ['x'.repeat(200), 'two words', 'quote"d']) {
      const r2 = await request(api.port, '/health', { headers: { ...auth(alice), 'x-request-id': bad } });
      assert.match(String(r2.headers['x-request-id']), /^[0-9a-f-]{36}$/, bad);
    }
    // Behind a balancer the Host is the public (or upstream) name: with credentials required, DNS rebinding gains
    // nothing, so any Host is served.
    const proxied = await request(api.port, '/health', { headers: { ...auth(alice), host: 'agents.internal' } });
    assert.equal(proxied.status, 200, proxied.text);
    // Errors carry it too.
    const denied = await request(api.port, '/health', { headers: { 'x-request-id': 'lb-req-0043' } });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers['x-request-id'], 'lb-req-0043');
  });
});

describe('mcp-agent serve: readiness, SIGTERM drain and turn timeouts (built CLI, real processes)', function () {
  this.timeout(120_000);
  let srv: ScriptedOpenAI;

  before(async () => {
    srv = await startScriptedOpenAI();
  });
  after(async () => {
    await srv?.close();
  });
  beforeEach(() => {
    srv.reset();
    srv.setDefault(promptDriven);
  });

  it('SIGTERM: /ready turns 503, new turns get 503 with Connection: close, the running stream finishes and is stored, exit 0', async () => {
    const ws = await makeWorkspace();
    const api = await startServe(['--yes', '--drain-timeout', '60'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    let stopped = false;
    try {
      const ready = await request(api.port, '/ready');
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(parseJson<{ status: string }>(ready), { status: 'ready' });

      // A slow answer: 60 pieces, 60 ms apart.
      const answer = 'slow and steady '.repeat(8);
      srv.enqueue({ text: answer, chunkSize: 2, delayMs: 60 });
      const s = openStream(api.port, '/chat/stream', user('take your time'));
      await s.waitForEvent((e) => e.type === 'text');
      api.child.kill('SIGTERM');
      let draining = await request(api.port, '/ready');
      for (let i = 0; i < 100 && draining.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        draining = await request(api.port, '/ready');
      }
      assert.equal(draining.status, 503, draining.text);
      assert.deepEqual(parseJson<{ status: string; error: string }>(draining), { status: 'draining', error: 'this instance is shutting down' });
      assert.ok(!s.events.some((e) => e.type === 'done'), 'the turn was still running while draining');

      const refused = await request(api.port, '/chat', { body: user('one more') });
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers.connection, 'close');
      assert.equal(refused.headers['retry-after'], '1');
      assert.match(parseJson<{ error: string }>(refused).error, /shutting down/);
      assert.match((await request(api.port, '/metrics')).text, /^mcp_agent_turns_refused_total\{reason="draining"\} 1$/m);

      const { events } = await s.done;
      const done = events[events.length - 1];
      assert.equal(done.type, 'done', JSON.stringify(events.slice(-3)));
      assert.equal(done.stopReason, 'completed');
      assert.equal(done.text, answer);
      assert.ok(!events.some((e) => e.type === 'error'));

      const exit = await api.stop('SIGTERM', 30_000);
      stopped = true;
      assert.equal(exit.code, 0, api.stderr());
      assert.match(api.stderr(), /SIGTERM: shutting down/);
      assert.ok(!srv.chatRequests.some((r) => JSON.stringify(r.body.messages).includes('one more')), 'the refused turn never reached the model');

      const conv = await new Conversations({ dataDir: ws.dataDir }).load(String(done.conversation_id));
      assert.deepEqual(
        conv.messages.map((m) => [m.role, m.content]),
        [
          ['user', 'take your time'],
          ['assistant', answer],
        ],
      );
    } finally {
      if (!stopped) await api.stop('SIGKILL');
    }
  });

  it('a turn still running at the end of --drain-timeout is stopped with a shutdown error, its partial answer saved', async () => {
    const ws = await makeWorkspace();
    const api = await startServe(['--yes', '--drain-timeout', '1'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    let stopped = false;
    try {
      const s = openStream(api.port, '/chat/stream', user('call fault__hang'));
      await s.waitForEvent((e) => e.type === 'tool_call');
      const exit = await api.stop('SIGTERM', 30_000);
      stopped = true;
      assert.equal(exit.code, 0, api.stderr());
      assert.match(api.stderr(), /stopped 1 turns still running after 1 s/);
      const { events } = await s.done;
      const types = events.map((e) => e.type);
      assert.deepEqual(types.slice(-2), ['error', 'done'], types.join(','));
      assert.equal(events[events.length - 2].kind, 'shutdown');
      assert.match(String(events[events.length - 2].message), /shutting down/);
      const done = events[events.length - 1];
      assert.equal(done.stopReason, 'cancelled');
      const conv = await new Conversations({ dataDir: ws.dataDir }).load(String(done.conversation_id));
      assert.equal(conv.messages[0].content, 'call fault__hang');
    } finally {
      if (!stopped) await api.stop('SIGKILL');
    }
  });

  it('--turn-timeout stops a turn that hangs: the stream gets an error event, /chat a 500, both with the saved conversation', async () => {
    const ws = await makeWorkspace();
    const api = await startServe(['--yes', '--turn-timeout', '1'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    try {
      srv.setDefault(() => ({ hang: true }));
      const r = await request(api.port, '/chat', { body: user('never answered') });
      assert.equal(r.status, 500, r.text);
      const body = parseJson<ChatReply>(r);
      assert.match(String(body.error), /longer than 1 s \(serve --turn-timeout\)/);
      assert.equal(typeof body.conversation_id, 'string');

      const s = openStream(api.port, '/chat/stream', user('never answered either'));
      const { events } = await s.done;
      const err = events.find((e) => e.type === 'error');
      assert.equal(err?.kind, 'timeout');
      assert.match(String(err?.message), /longer than 1 s/);
      assert.equal(events[events.length - 1].type, 'done');
      const id = String(events[events.length - 1].conversation_id);
      assert.equal((await new Conversations({ dataDir: ws.dataDir }).load(id)).messages[0].content, 'never answered either');

      const metrics = parseMetrics((await request(api.port, '/metrics')).text);
      assert.equal(metrics.get('mcp_agent_turns_total{endpoint="chat",outcome="timeout"}'), 1);
      assert.equal(metrics.get('mcp_agent_turns_total{endpoint="stream",outcome="timeout"}'), 1);
      assert.equal(metrics.get('mcp_agent_active_turns'), 0);
    } finally {
      assert.equal((await api.stop()).code, 0, api.stderr());
    }
  });

  it('GET /ready is 503 when the store cannot be written, and needs no credentials', async () => {
    const ws = await makeWorkspace();
    const { rm } = await import('node:fs/promises');
    const api = await startServe(['--token', 'T0ken-with-some-length'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    const convDir = path.join(ws.dataDir, 'conversations');
    try {
      assert.equal((await request(api.port, '/ready')).status, 200);
      assert.equal((await request(api.port, '/health')).status, 401, 'other routes still need the token');
      // A file where the conversations directory should be: no user, root included, can write there.
      await rm(convDir, { recursive: true, force: true });
      await writeFile(convDir, 'not a directory');
      for (let i = 0; i < 2; i++) {
        const r = await request(api.port, '/ready');
        assert.equal(r.status, 503, r.text);
        assert.deepEqual(parseJson<{ status: string; error: string }>(r), { status: 'unavailable', error: 'the conversation store cannot be reached' });
      }
      // The log arrives through a pipe, maybe after the answer.
      const notReady = () => api.stderr().split('\n').filter((l) => l.includes('not ready: the conversation store cannot be reached')).length;
      await waitFor(() => notReady() > 0);
      await rm(convDir);
      assert.equal((await request(api.port, '/ready')).status, 200);
      await waitFor(() => /ready again/.test(api.stderr()));
      assert.equal(notReady(), 1, api.stderr());
    } finally {
      assert.equal((await api.stop()).code, 0, api.stderr());
    }
  });
});
