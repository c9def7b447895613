/**
 * The HTTP API of `mcp-agent serve`, end to end: the built CLI as a child process on a free port, a scripted
 * OpenAI-compatible server in this process, the fault MCP server from config.yaml, real HTTP from node:http.
 */
import { MAX_BODY_BYTES } from '../../src/cli/server';
import * as assert from 'node:assert/strict';
import { startScriptedOpenAI, type RecordedRequest, type ReplyScript, type ScriptedOpenAI, type WireMessage } from '../fixtures/scriptedOpenAI';
import { agentEnv, descendants, isRunning, makeWorkspace, openStream, parseJson, parseSse, request, startServe, type ServeProcess, type TestWorkspace } from '../helpers/api';
import { assertNoStack, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/servers';
import { openEnvelope } from '../helpers/toolEnvelope';

interface ChatReply {
  reply: string;
  tool_calls: Array<{ id: string; name: string; arguments: unknown; isError: boolean; durationMs: number }>;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  conversation_id: string | null;
  error?: string;
}

function lastMessage(req: RecordedRequest): WireMessage | undefined {
  const msgs = req.body.messages ?? [];
  return msgs[msgs.length - 1];
}

/**
 * A model steered by the prompt, so concurrent requests cannot take each other's scripts: "call TOOL {json}"
 * calls that tool; after a tool result it answers "tool said: <result>"; anything else is echoed.
 */
function promptDriven(req: RecordedRequest): ReplyScript {
  const last = lastMessage(req);
  if (last?.role === 'tool') return { text: `tool said: ${openEnvelope(last.content).body}` };
  const text = typeof last?.content === 'string' ? last.content : '';
  const m = /^call (\S+)(?: (.*))?$/.exec(text);
  if (m) return { toolCalls: [{ name: m[1], arguments: m[2] ? (JSON.parse(m[2]) as Record<string, unknown>) : {} }] };
  return { text };
}

const user = (content: string) => ({ messages: [{ role: 'user', content }] });

describe('mcp-agent serve: the HTTP API (built CLI, real HTTP)', function () {
  this.timeout(90_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;
  let api: ServeProcess;

  before(async () => {
    srv = await startScriptedOpenAI();
    ws = await makeWorkspace();
    api = await startServe(['--yes'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
  });
  after(async () => {
    const exit = await api?.stop();
    await srv?.close();
    assert.equal(exit?.code, 0, api?.stderr());
  });
  beforeEach(() => srv.reset());
  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`serve stderr:\n${api.stderr()}\n`);
  });

  it('GET /health, /servers and /tools describe the running agent', async () => {
    const health = parseJson<{ status: string; version: string; servers: Record<string, number> }>(await request(api.port, '/health'));
    assert.equal(health.status, 'ok');
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(health.servers, { connected: 1 });

    const servers = parseJson<Array<Record<string, unknown>>>(await request(api.port, '/servers'));
    assert.equal(servers.length, 1);
    assert.equal(servers[0].name, 'fault');
    assert.equal(servers[0].state, 'connected');
    assert.equal(servers[0].transport, 'stdio');
    assert.ok((servers[0].toolCount as number) > 5);
    assert.ok(!('stderrTail' in servers[0]), 'the stderr tail stays private');

    const toolsRes = await request(api.port, '/tools');
    assert.equal(toolsRes.status, 200);
    const tools = parseJson<Array<{ name: string; server: string | null; tool: string; source: string; inputSchema: { type: string } }>>(toolsRes);
    const names = tools.map((t) => t.name);
    for (const builtin of ['analyze_code', 'search', 'run_command', 'system_info']) assert.ok(names.includes(builtin), `${builtin} in ${names.join(',')}`);
    for (const name of ['fault__echo', 'fault__add', 'fault__hang', 'fault__pid']) assert.ok(names.includes(name), `${name} in ${names.join(',')}`);
    const add = tools.find((t) => t.name === 'fault__add');
    assert.equal(add?.server, 'fault');
    assert.equal(add?.tool, 'add');
    assert.equal(add?.source, 'mcp');
    assert.equal(add?.inputSchema.type, 'object');
    assert.equal(tools.find((t) => t.name === 'run_command')?.server, null);
  });

  it('unknown routes are 404 and wrong methods 405, as JSON', async () => {
    const notFound = await request(api.port, '/nope');
    assert.equal(notFound.status, 404);
    assert.match(parseJson<{ error: string }>(notFound).error, /no route \/nope/);
    const wrong = await request(api.port, '/chat');
    assert.equal(wrong.status, 405);
    assert.equal(typeof parseJson<{ error: string }>(wrong).error, 'string');
  });

  it('POST /chat runs a tool round and answers {reply, tool_calls, usage, conversation_id}; conversation_id continues it', async () => {
    srv.enqueue({ toolCalls: [{ name: 'fault__add', arguments: { a: 2, b: 40 } }] }, { text: 'It is 42.' });
    const r = await request(api.port, '/chat', { body: user('hi') });
    assert.equal(r.status, 200, r.text);
    const body = parseJson<ChatReply>(r);
    assert.equal(body.reply, 'It is 42.');
    assert.equal(body.tool_calls.length, 1);
    assert.equal(body.tool_calls[0].name, 'fault__add');
    assert.deepEqual(body.tool_calls[0].arguments, { a: 2, b: 40 });
    assert.equal(body.tool_calls[0].isError, false);
    assert.ok(body.usage.totalTokens > 0 && body.usage.totalTokens === body.usage.promptTokens + body.usage.completionTokens, JSON.stringify(body.usage));
    assert.equal(typeof body.conversation_id, 'string');
    assert.equal(body.error, undefined);
    assert.equal(srv.chatRequests.length, 2);
    const toolMsg = (srv.chatRequests[1].body.messages ?? []).find((m) => m.role === 'tool');
    assert.equal(openEnvelope(toolMsg?.content).body, '42');

    srv.reset();
    srv.enqueue({ text: 'Still 42.' });
    const next = await request(api.port, '/chat', { body: { ...user('and again?'), conversation_id: body.conversation_id } });
    assert.equal(next.status, 200, next.text);
    const nextBody = parseJson<ChatReply>(next);
    assert.equal(nextBody.reply, 'Still 42.');
    assert.equal(nextBody.conversation_id, body.conversation_id);
    const seen = (srv.chatRequests[0].body.messages ?? []).filter((m) => m.role !== 'system');
    assert.deepEqual(
      seen.map((m) => [m.role, m.role === 'tool' ? openEnvelope(m.content).body : (m.content ?? null)]),
      [
        ['user', 'hi'],
        ['assistant', null],
        ['tool', '42'],
        ['assistant', 'It is 42.'],
        ['user', 'and again?'],
      ],
    );

    const unknown = await request(api.port, '/chat', { body: { ...user('x'), conversation_id: 'does-not-exist' } });
    assert.equal(unknown.status, 404);
    assert.match(parseJson<{ error: string }>(unknown).error, /does-not-exist/);
  });

  it('POST /chat takes the earlier turns from the messages list', async () => {
    srv.enqueue({ text: 'Blue, you said.' });
    const r = await request(api.port, '/chat', {
      body: {
        messages: [
          { role: 'user', content: 'My favourite colour is blue.' },
          { role: 'assistant', content: 'Noted.' },
          { role: 'user', content: 'What is it?' },
        ],
      },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(parseJson<ChatReply>(r).reply, 'Blue, you said.');
    const seen = (srv.chatRequests[0].body.messages ?? []).filter((m) => m.role !== 'system').map((m) => m.content);
    assert.deepEqual(seen, ['My favourite colour is blue.', 'Noted.', 'What is it?']);
  });

  it('POST /chat/stream sends text/event-stream frames "data: <json>\\n\\n" ending with done', async () => {
    srv.enqueue({ text: 'Checking. ', toolCalls: [{ name: 'fault__echo', arguments: { message: 'sse' } }] }, { text: 'The echo was "Echo: sse".', chunkSize: 4 });
    const s = openStream(api.port, '/chat/stream', user('stream please'));
    const { status, headers } = await s.status;
    assert.equal(status, 200);
    assert.match(headers['content-type'] ?? '', /^text\/event-stream/);
    const { raw } = await s.done;
    assert.ok(raw.startsWith('data: {'), raw.slice(0, 80));
    assert.ok(raw.endsWith('\n\n'));
    const { events, rest } = parseSse(raw);
    assert.equal(rest, '');
    const types = events.map((e) => e.type).filter((t) => t !== 'usage');
    const collapsed = types.filter((t, i) => !(t === 'text' && types[i - 1] === 'text'));
    // A `context` event (how full the window is) before each request to the model.
    assert.deepEqual(collapsed, ['context', 'text', 'tool_call', 'tool_result', 'context', 'text', 'done']);
    const result = events.find((e) => e.type === 'tool_result');
    assert.equal(result?.content, 'Echo: sse');
    assert.equal(result?.isError, false);
    const done = events[events.length - 1];
    assert.equal(done.type, 'done');
    assert.equal(done.text, 'The echo was "Echo: sse".');
    assert.equal(done.stopReason, 'completed');
    assert.equal(typeof done.conversation_id, 'string');
  });

  it('rejects bad bodies: invalid JSON -> 400 with an error, a body over the 32 MiB limit -> 413 (with and without Content-Length)', async () => {
    const bad = await request(api.port, '/chat', { body: '{"messages": [', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.match(parseJson<{ error: string }>(bad).error, /invalid JSON/);

    const shape = await request(api.port, '/chat', { body: { messages: 'hi' } });
    assert.equal(shape.status, 400);
    assert.match(parseJson<{ error: string }>(shape).error, /"messages" must be a list/);

    const notUserLast = await request(api.port, '/chat/stream', { body: { messages: [{ role: 'assistant', content: 'x' }] } });
    assert.equal(notUserLast.status, 400, notUserLast.text);
    assert.match(parseJson<{ error: string }>(notUserLast).error, /last message must be a non-empty user message/);

    const unknownConversation = await request(api.port, '/chat/stream', { body: { ...user('x'), conversation_id: 'no-such-id' } });
    assert.equal(unknownConversation.status, 404, unknownConversation.text);
    assert.match(parseJson<{ error: string }>(unknownConversation).error, /no-such-id/);

    const big = JSON.stringify(user('y'.repeat(MAX_BODY_BYTES + 1024)));
    const sized = await request(api.port, '/chat', { body: big, headers: { 'content-type': 'application/json' } });
    assert.equal(sized.status, 413);
    assert.match(parseJson<{ error: string }>(sized).error, /larger than/);
    const chunked = await request(api.port, '/chat', { body: big, chunked: true, headers: { 'content-type': 'application/json' } });
    assert.equal(chunked.status, 413);
    assert.match(parseJson<{ error: string }>(chunked).error, /larger than/);
    assert.equal(srv.chatRequests.length, 0, 'no rejected request reached the model');

    // The server is still fine afterwards.
    assert.equal((await request(api.port, '/health')).status, 200);
  });

  it('refuses a foreign Host header (DNS rebinding) and accepts localhost and 127.0.0.1', async () => {
    const evil = await request(api.port, '/health', { headers: { host: `evil.example:${api.port}` } });
    assert.equal(evil.status, 403);
    assert.match(parseJson<{ error: string }>(evil).error, /evil\.example/);
    const evilChat = await request(api.port, '/chat', { body: user('hi'), headers: { host: 'evil.example' } });
    assert.equal(evilChat.status, 403);
    assert.equal(srv.chatRequests.length, 0);
    for (const host of [`localhost:${api.port}`, `127.0.0.1:${api.port}`, 'localhost']) {
      const ok = await request(api.port, '/health', { headers: { host } });
      assert.equal(ok.status, 200, `${host}: ${ok.text}`);
    }
  });

  it('answers 20 concurrent /chat requests each with its own reply', async () => {
    // Slow, small chunks so the 20 streams from the model really overlap.
    srv.setDefault((req) => ({ text: typeof lastMessage(req)?.content === 'string' ? String(lastMessage(req)?.content) : '', chunkSize: 3, delayMs: 5 }));
    const prompts = Array.from({ length: 20 }, (_, i) => `prompt ${i}: ${Math.random().toString(36).slice(2)}`);
    const results = await Promise.all(prompts.map((p) => request(api.port, '/chat', { body: user(p) })));
    const ids = new Set<string>();
    results.forEach((r, i) => {
      assert.equal(r.status, 200, r.text);
      const body = parseJson<ChatReply>(r);
      assert.equal(body.reply, prompts[i]);
      ids.add(String(body.conversation_id));
    });
    assert.equal(ids.size, 20, 'each request gets its own conversation');
    assert.equal(srv.chatRequests.length, 20);
  });

  it('a client that disconnects mid-stream cancels its own run (the MCP server is told), and only its run', async () => {
    srv.setDefault(promptDriven);
    const before = srv.chatRequests.length;
    const s = openStream(api.port, '/chat/stream', user('call fault__hang'));
    const call = await s.waitForEvent((e) => e.type === 'tool_call');
    assert.equal(call.name, 'fault__hang');
    // The workspace is checkpointed before the turn's first change; the call goes out after that.
    await s.waitForEvent((e) => e.type === 'checkpoint');
    await new Promise((r) => setTimeout(r, 200));

    // Another request, in flight at the moment of the disconnect: its tool takes a while.
    const other = request(api.port, '/chat', { body: user('call fault__sleep {"ms":1500}') });
    await waitFor(() => srv.chatRequests.slice(before).some((r) => lastMessage(r)?.content === 'call fault__sleep {"ms":1500}'));
    s.destroy();

    const otherRes = await other;
    assert.equal(otherRes.status, 200, otherRes.text);
    assert.equal(parseJson<ChatReply>(otherRes).reply, 'tool said: slept 1500');

    // The MCP server counts cancelled calls; the notification arrives asynchronously, so ask until it shows.
    let count = 0;
    let toolSeen: string | undefined;
    const deadline = Date.now() + 15_000;
    while (count < 1 && Date.now() < deadline) {
      const mark = srv.chatRequests.length;
      const r = await request(api.port, '/chat', { body: user('call fault__cancelled_count') });
      assert.equal(r.status, 200, r.text);
      const reply = parseJson<ChatReply>(r).reply;
      const m = /^tool said: (\d+)$/.exec(reply);
      assert.ok(m, reply);
      // What the model itself received as the tool result.
      const followUp = srv.chatRequests.slice(mark).find((q) => lastMessage(q)?.role === 'tool');
      toolSeen = openEnvelope(lastMessage(followUp as RecordedRequest)?.content).body;
      assert.equal(toolSeen, m[1]);
      count = Number(m[1]);
      if (count < 1) await new Promise((r2) => setTimeout(r2, 200));
    }
    assert.ok(count >= 1, `the MCP server saw ${toolSeen} cancelled calls`);

    // The cancelled run ended there: the model was never asked to continue after the hang call.
    const hangId = (call as { id?: unknown }).id;
    assert.equal(typeof hangId, 'string');
    assert.ok(!srv.chatRequests.some((q) => (q.body.messages ?? []).some((m) => m.role === 'tool' && m.tool_call_id === hangId)), 'no model round after the cancelled tool call');
  });

  it('requires the bearer token given with --token', async () => {
    const tokenWs = await makeWorkspace();
    const token = 'T0ken-with-some-length';
    const guarded = await startServe(['--token', token], { cwd: tokenWs.dir, env: agentEnv(tokenWs, srv.url) });
    try {
      const none = await request(guarded.port, '/health');
      assert.equal(none.status, 401);
      assert.match(parseJson<{ error: string }>(none).error, /Authorization: Bearer/);
      for (const auth of [`Bearer ${token.slice(0, -1)}X`, 'Bearer short', `Basic ${token}`, `Bearer ${token}x`]) {
        const r = await request(guarded.port, '/health', { headers: { authorization: auth } });
        assert.equal(r.status, 401, auth);
      }
      const chatNoAuth = await request(guarded.port, '/chat', { body: user('hi') });
      assert.equal(chatNoAuth.status, 401);
      assert.equal(srv.chatRequests.length, 0);

      const ok = await request(guarded.port, '/health', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      const chat = await request(guarded.port, '/chat', { body: user('with token'), headers: { authorization: `bearer ${token}` } });
      assert.equal(chat.status, 200, chat.text);
      assert.equal(parseJson<ChatReply>(chat).reply, 'with token');
      assert.ok(!guarded.stderr().includes(token), 'the token is not echoed');
    } finally {
      const exit = await guarded.stop();
      assert.equal(exit.code, 0);
    }
  });

  it('refuses --host 0.0.0.0 without a token: exit 2 and a clear message', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: ws.dir, env: agentEnv(ws, srv.url), timeoutMs: 30_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
    assert.match(r.stderr, /--token/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assertNoStack(r.stderr);
    assert.doesNotMatch(r.stderr, /listening on/);
  });

  it('shuts down on SIGTERM, even with a run in flight, leaving no child processes', async () => {
    const ownWs = await makeWorkspace();
    // No --yes here: read-only tools still run, others are refused. The in-flight turn gets 1 s to finish.
    const own = await startServe(['--drain-timeout', '1'], { cwd: ownWs.dir, env: agentEnv(ownWs, srv.url) });
    let exited = false;
    try {
      srv.setDefault(promptDriven);
      const r = await request(own.port, '/chat', { body: user('call fault__pid') });
      assert.equal(r.status, 200, r.text);
      const m = /^tool said: (\d+)$/.exec(parseJson<ChatReply>(r).reply);
      assert.ok(m, r.text);
      const faultPid = Number(m[1]);
      assert.ok(isRunning(faultPid));
      const servers = parseJson<Array<{ pid?: number }>>(await request(own.port, '/servers'));
      assert.equal(servers[0].pid, faultPid);

      const refused = await request(own.port, '/chat', { body: user('call fault__fail') });
      assert.match(parseJson<ChatReply>(refused).reply, /^tool said: Not run: /);

      const children = descendants(own.pid);
      if (process.platform === 'linux') assert.ok(children.includes(faultPid), `fault server ${faultPid} among ${children.join(',')}`);

      const inFlight = openStream(own.port, '/chat/stream', user('call fault__sleep {"ms":60000}'));
      await inFlight.waitForEvent((e) => e.type === 'tool_call');

      const exit = await own.stop('SIGTERM', 20_000);
      exited = true;
      assert.equal(exit.code, 0, own.stderr());
      assert.match(own.stderr(), /shutting down/);
      // The in-flight stream ended rather than hanging.
      await inFlight.done.catch(() => undefined);
      for (const pid of new Set([faultPid, ...children])) await waitFor(() => !isRunning(pid), 5_000).catch(() => assert.fail(`process ${pid} outlived the server`));
    } finally {
      if (!exited) await own.stop('SIGKILL');
    }
  });
});

/**
 * What a web page the user visits can send to the API: the "simple" requests a browser sends cross-site without a
 * preflight (text/plain, form and multipart POSTs), each with the Origin and Sec-Fetch-* headers a browser adds.
 * With --yes a turn that ran would be code execution, so none may reach the model.
 */
describe('mcp-agent serve: browser requests from other sites are refused (built CLI, real HTTP)', function () {
  this.timeout(90_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;
  let api: ServeProcess;
  const leaked = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

  before(async () => {
    srv = await startScriptedOpenAI();
    // A second server that cannot start, whose error quotes its URL with a password and a token in it.
    ws = await makeWorkspace({ extraYaml: '' });
    const { appendFile } = await import('node:fs/promises');
    await appendFile(`${ws.dir}/config.yaml`, `  - name: broken\n    url: http://admin:hunter2-password@127.0.0.1:1/mcp?access_token=${leaked}\n`);
    api = await startServe(['--yes', '--allow-origin', 'http://localhost:5173'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
  });
  after(async () => {
    const exit = await api?.stop();
    await srv?.close();
    assert.equal(exit?.code, 0, api?.stderr());
  });
  beforeEach(() => srv.reset());

  const page = (origin: string, site = 'cross-site') => ({ origin, 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' });
  const prompt = JSON.stringify(user('call run_command {"command":"touch pwned"}'));

  it('refuses text/plain, form and multipart POSTs from another site, and no turn runs', async () => {
    const attempts: Array<{ what: string; path: string; body: string; headers: Record<string, string>; status: number }> = [
      { what: 'text/plain with Origin', path: '/chat', body: prompt, headers: { 'content-type': 'text/plain;charset=UTF-8', ...page('https://evil.example') }, status: 403 },
      { what: 'form with Origin', path: '/chat/stream', body: `${encodeURIComponent(prompt)}=`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...page('https://evil.example') }, status: 403 },
      { what: 'multipart with Origin', path: '/chat', body: `--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n${prompt}\r\n--b--\r\n`, headers: { 'content-type': 'multipart/form-data; boundary=b', ...page('https://evil.example') }, status: 403 },
      { what: 'Origin null (sandboxed frame, file: page)', path: '/chat', body: prompt, headers: { 'content-type': 'text/plain', ...page('null') } , status: 403 },
      // A browser that sends Sec-Fetch-Site but no Origin (or a proxy that strips it).
      { what: 'cross-site without Origin', path: '/chat', body: prompt, headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }, status: 403 },
      { what: 'JSON cross-site without Origin', path: '/chat', body: prompt, headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, status: 403 },
      // Without any browser header, the content type alone refuses what a page could send.
      { what: 'text/plain, no browser headers', path: '/chat', body: prompt, headers: { 'content-type': 'text/plain' }, status: 415 },
      { what: 'form, no browser headers', path: '/chat/stream', body: prompt, headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
      { what: 'no content type', path: '/compact', body: '{"conversation_id":"x"}', headers: {}, status: 415 },
      // A look-alike of the allowed origin.
      { what: 'JSON from a look-alike origin', path: '/chat', body: prompt, headers: { 'content-type': 'application/json', ...page('http://localhost:5173.evil.example') }, status: 403 },
      { what: 'JSON from the allowed host on another port', path: '/chat', body: prompt, headers: { 'content-type': 'application/json', ...page('http://localhost:5174', 'same-site') }, status: 403 },
    ];
    for (const a of attempts) {
      const r = await request(api.port, a.path, { body: a.body, headers: a.headers });
      assert.equal(r.status, a.status, `${a.what}: ${r.text}`);
      assert.equal(typeof parseJson<{ error: string }>(r).error, 'string', a.what);
      assert.equal(r.headers['access-control-allow-origin'], undefined, a.what);
    }
    assert.match(parseJson<{ error: string }>(await request(api.port, '/chat', { body: prompt, headers: { 'content-type': 'text/plain' } })).error, /Content-Type: application\/json/);
    assert.match(parseJson<{ error: string }>(await request(api.port, '/chat', { body: prompt, headers: { 'content-type': 'text/plain', origin: 'https://evil.example' } })).error, /--allow-origin/);
    assert.equal(srv.chatRequests.length, 0, 'the model saw no request');
    // Cross-site GETs are refused too (a page could not read them, but nothing is answered at all).
    assert.equal((await request(api.port, '/servers', { headers: page('https://evil.example') })).status, 403);
  });

  it('serves curl-shaped JSON and the allowed origin (with CORS headers and a preflight)', async () => {
    srv.enqueue({ text: 'from curl' }, { text: 'from the allowed page' });
    const curl = await request(api.port, '/chat', { body: user('hi'), headers: { 'user-agent': 'curl/8.5.0', accept: '*/*', 'content-type': 'Application/JSON; charset=utf-8' } });
    assert.equal(curl.status, 200, curl.text);
    assert.equal(parseJson<ChatReply>(curl).reply, 'from curl');

    const pre = await request(api.port, '/chat', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', 'sec-fetch-site': 'same-site' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(String(pre.headers['access-control-allow-headers']), /Content-Type/);
    const fromPage = await request(api.port, '/chat', { body: user('hi'), headers: { origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site', 'content-type': 'application/json' } });
    assert.equal(fromPage.status, 200, fromPage.text);
    assert.equal(fromPage.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.equal(parseJson<ChatReply>(fromPage).reply, 'from the allowed page');
    assert.equal(srv.chatRequests.length, 2);
  });

  it('GET /servers shows errors with passwords and tokens redacted', async () => {
    let broken: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && broken?.state !== 'error'; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      broken = parseJson<Array<Record<string, unknown>>>(await request(api.port, '/servers')).find((s) => s.name === 'broken');
    }
    assert.equal(broken?.state, 'error', JSON.stringify(broken));
    assert.equal(typeof broken?.lastError, 'string');
    assert.match(String(broken?.lastError), /127\.0\.0\.1:1/, 'the error quotes the URL');
    const text = JSON.stringify(broken);
    assert.ok(!text.includes('hunter2-password'), text);
    assert.ok(!text.includes(leaked), text);
  });

  it('closes a connection whose body never arrives, and keeps serving', async () => {
    const { connect } = await import('node:net');
    const sock = connect(api.port, '127.0.0.1');
    let answer = '';
    sock.setEncoding('utf8').on('data', (d: string) => (answer += d));
    sock.write(`POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"messa`);
    const closed = await new Promise<boolean>((resolve) => {
      sock.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 60_000).unref();
    });
    assert.ok(closed, 'the server closed the stalled connection');
    assert.doesNotMatch(answer, /200 OK/);
    assert.equal(srv.chatRequests.length, 0);
    assert.equal((await request(api.port, '/health')).status, 200);
  });

  it('caps concurrent turns: one over --max-turns gets 429 with Retry-After and never reaches the model', async () => {
    const capWs = await makeWorkspace();
    const capped = await startServe(['--yes', '--max-turns', '1'], { cwd: capWs.dir, env: agentEnv(capWs, srv.url) });
    try {
      srv.setDefault(promptDriven);
      const first = request(capped.port, '/chat', { body: user('call fault__sleep {"ms":1500}') });
      await waitFor(() => srv.chatRequests.length >= 1);
      const second = await request(capped.port, '/chat', { body: user('second') });
      assert.equal(second.status, 429, second.text);
      assert.equal(second.headers['retry-after'], '1');
      assert.match(parseJson<{ error: string }>(second).error, /turns are already running/);
      assert.match((await request(capped.port, '/metrics')).text, /^mcp_agent_turns_refused_total\{reason="capacity"\} 1$/m);
      assert.equal((await first).status, 200);
      assert.ok(!srv.chatRequests.some((r) => lastMessage(r)?.content === 'second'), 'the refused turn never reached the model');
      // Once the first is done, the next is served.
      const third = await request(capped.port, '/chat', { body: user('third') });
      assert.equal(third.status, 200, third.text);
    } finally {
      assert.equal((await capped.stop()).code, 0);
    }
  });

  it('rejects an --allow-origin that is not an origin: exit 2 and a clear message', async () => {
    const r = await runCli(['serve', '--port', '0', '--allow-origin', 'localhost:3000/app'], { cwd: ws.dir, env: agentEnv(ws, srv.url), timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /scheme:\/\/host\[:port\]/);
    assertNoStack(r.stderr);
  });
});
