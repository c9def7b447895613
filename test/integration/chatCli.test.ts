/**
 * `mcp-agent chat` end to end: the built CLI as a child process, a scripted OpenAI-compatible server in this
 * process, the fault MCP server from config.yaml, temp data and cache dirs.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { startScriptedOpenAI, type ScriptedOpenAI, type WireMessage } from '../fixtures/scriptedOpenAI';
import { openEnvelope, unwrapToolMessages } from '../helpers/toolEnvelope';
import { agentEnv, makeWorkspace, type TestWorkspace } from '../helpers/api';
import { assertNoStack, runCli } from '../helpers/cli';

interface JsonEvent {
  type: string;
  [key: string]: unknown;
}

function toolMessages(msgs: WireMessage[] | undefined): WireMessage[] {
  return unwrapToolMessages(msgs);
}

function parseLines(stdout: string): JsonEvent[] {
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '', 'stdout must end with a newline');
  return lines.map((l, i) => {
    const v = JSON.parse(l) as unknown;
    assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `line ${i} is not a JSON object: ${l}`);
    return v as JsonEvent;
  });
}

describe('mcp-agent chat (the built CLI against a scripted model and a real MCP server)', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;

  before(async () => {
    srv = await startScriptedOpenAI();
  });
  after(async () => {
    await srv.close();
  });
  beforeEach(async () => {
    srv.reset();
    ws = await makeWorkspace();
  });

  const chat = (args: string[], opts: { input?: string; env?: Record<string, string | undefined>; workspace?: TestWorkspace } = {}) => {
    const w = opts.workspace ?? ws;
    return runCli(['chat', ...args], { cwd: w.dir, env: agentEnv(w, srv.url, opts.env), input: opts.input, timeoutMs: 45_000 });
  };

  it('runs a full turn: an MCP tool call, then the streamed answer alone on stdout, tool activity on stderr', async () => {
    srv.enqueue({ toolCalls: [{ name: 'fault__add', arguments: { a: 20, b: 22 } }], argsChunkSize: 4 }, { text: 'The sum is 42, as computed.', chunkSize: 3 });
    const r = await chat(['what is 20 + 22?']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'The sum is 42, as computed.\n');
    assert.match(r.stderr, /\[tool\] fault__add \{"a":20,"b":22\}/);
    assert.match(r.stderr, /\[tool\] fault__add done in \d+ ms/);
    assertNoStack(r.stderr);
    // The model was asked twice; the second time it saw the real result of the MCP server.
    assert.equal(srv.chatRequests.length, 2);
    assert.equal(srv.chatRequests[0].body.model, 'test-model');
    assert.equal(srv.chatRequests[0].headers.authorization, 'Bearer sk-test-key');
    const firstUser = srv.chatRequests[0].body.messages?.find((m) => m.role === 'user');
    assert.equal(firstUser?.content, 'what is 20 + 22?');
    const names = (srv.chatRequests[0].body.tools ?? []).map((t) => t.function.name);
    assert.ok(names.includes('fault__add') && names.includes('run_command'), names.join(','));
    const sent = toolMessages(srv.chatRequests[1].body.messages);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].content, '42');
  });

  it('--json: one JSON object per line, events in order, ending with done and a conversation_id', async () => {
    srv.enqueue({ toolCalls: [{ name: 'fault__echo', arguments: { message: 'ping' } }] }, { text: 'It said ping back.', chunkSize: 5 });
    const r = await chat(['--json', 'echo ping']);
    assert.equal(r.code, 0, r.stderr);
    const events = parseLines(r.stdout);
    const types = events.map((e) => e.type).filter((t) => t !== 'usage');
    // Consecutive text deltas collapse to one entry for the order check.
    const collapsed = types.filter((t, i) => !(t === 'text' && types[i - 1] === 'text'));
    // A `context` event (how full the window is) before each request to the model.
    assert.deepEqual(collapsed, ['context', 'tool_call', 'tool_result', 'context', 'text', 'done']);
    assert.ok(types.filter((t) => t === 'text').length >= 2, 'the answer streams in several deltas');
    const call = events.find((e) => e.type === 'tool_call');
    assert.equal(call?.name, 'fault__echo');
    assert.deepEqual(call?.arguments, { message: 'ping' });
    const result = events.find((e) => e.type === 'tool_result');
    assert.equal(result?.name, 'fault__echo');
    assert.equal(result?.isError, false);
    assert.equal(result?.content, 'Echo: ping');
    assert.equal(result?.id, call?.id);
    const text = events
      .filter((e) => e.type === 'text')
      .map((e) => e.delta as string)
      .join('');
    assert.equal(text, 'It said ping back.');
    const done = events[events.length - 1];
    assert.equal(done.type, 'done');
    assert.equal(done.text, 'It said ping back.');
    assert.equal(done.stopReason, 'completed');
    assert.equal(typeof done.conversation_id, 'string');
    assert.ok((done.conversation_id as string).length > 0);
    assert.ok(events.some((e) => e.type === 'usage'), 'usage events are reported');
    // Nothing but the JSON lines goes to stdout; the tool activity lines are for the human mode only.
    assert.doesNotMatch(r.stderr, /\[tool\]/);
  });

  it('continues a stored conversation in a second process with --conversation', async () => {
    srv.enqueue({ text: 'Adding. ', toolCalls: [{ name: 'fault__add', arguments: { a: 1, b: 6 } }] }, { text: 'Remembered: 7.' });
    const first = await chat(['--json', 'remember 1 + 6']);
    assert.equal(first.code, 0, first.stderr);
    const done = parseLines(first.stdout).pop();
    const id = done?.conversation_id;
    assert.ok(typeof id === 'string' && id, first.stdout);
    // Stored where MCP_AGENT_DATA_DIR says.
    const files = await readdir(path.join(ws.dataDir, 'conversations'));
    assert.ok(files.some((f) => f.startsWith(id)), files.join(','));

    srv.reset();
    srv.enqueue({ text: 'Still 7.' });
    const second = await chat(['--conversation', id, 'next']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'Still 7.\n');
    assert.equal(srv.chatRequests.length, 1);
    const msgs = (srv.chatRequests[0].body.messages ?? []).filter((m) => m.role !== 'system');
    assert.deepEqual(
      msgs.map((m) => m.role),
      ['user', 'assistant', 'tool', 'assistant', 'user'],
    );
    assert.equal(msgs[0].content, 'remember 1 + 6');
    assert.equal(msgs[1].content, 'Adding. ');
    assert.equal(msgs[1].tool_calls?.[0]?.function.name, 'fault__add');
    assert.deepEqual(JSON.parse(msgs[1].tool_calls?.[0]?.function.arguments ?? 'null'), { a: 1, b: 6 });
    // Stored plain, sent to the model in its envelope again.
    assert.equal(openEnvelope(msgs[2].content).body, '7');
    assert.equal(msgs[2].tool_call_id, msgs[1].tool_calls?.[0]?.id);
    assert.equal(msgs[3].content, 'Remembered: 7.');
    assert.equal(msgs[4].content, 'next');

    // The same conversation grows: a third turn sees the second one too.
    srv.reset();
    const third = await chat(['--json', '--conversation', id, 'and then?']);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(parseLines(third.stdout).pop()?.conversation_id, id);
    const roles = (srv.chatRequests[0].body.messages ?? []).filter((m) => m.role !== 'system').map((m) => m.content);
    assert.deepEqual(roles.slice(-3), ['next', 'Still 7.', 'and then?']);
  });

  it('an unknown --conversation id is a clear usage error', async () => {
    const r = await chat(['--conversation', 'no-such-conversation', 'hello']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /conversation "no-such-conversation" cannot be loaded/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assertNoStack(r.stderr);
    assert.equal(srv.chatRequests.length, 0);
  });

  describe('approval of run_command without a terminal', () => {
    const marker = 'x';

    it('denies without --yes and tells the model the command was not run', async () => {
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${marker}` } }] }, { text: 'I could not run it.' });
      const r = await chat(['make a file']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'I could not run it.\n');
      const sent = toolMessages(srv.chatRequests[1].body.messages);
      assert.equal(sent.length, 1);
      assert.match(String(sent[0].content), /^Not run: the user declined to run it/);
      assert.equal(existsSync(path.join(ws.dir, marker)), false, 'the denied command must not have run');
      assert.match(r.stderr, /\[tool\] run_command failed/);
    });

    it('runs with --yes and the output reaches the model', async () => {
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: `echo approved-output && touch ${marker}` } }] }, { text: 'Done.' });
      const r = await chat(['--yes', 'make a file']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Done.\n');
      const sent = toolMessages(srv.chatRequests[1].body.messages);
      assert.match(String(sent[0].content), /Exit code: 0/);
      assert.match(String(sent[0].content), /approved-output/);
      assert.equal(existsSync(path.join(ws.dir, marker)), true);
    });

    it('runs an allow-listed command without --yes, but not one with an unlisted part', async () => {
      const allowWs = await makeWorkspace({ allowCommands: ['echo'] });
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: 'echo hi' } }] }, { text: 'ok 1' });
      const allowed = await chat(['say hi'], { workspace: allowWs });
      assert.equal(allowed.code, 0, allowed.stderr);
      let sent = toolMessages(srv.chatRequests[1].body.messages);
      assert.match(String(sent[0].content), /Exit code: 0\nOutput:\nhi$/);

      srv.reset();
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: `echo hi; touch ${marker}` } }] }, { text: 'ok 2' });
      const chained = await chat(['say hi and touch'], { workspace: allowWs });
      assert.equal(chained.code, 0, chained.stderr);
      sent = toolMessages(srv.chatRequests[1].body.messages);
      assert.match(String(sent[0].content), /^Not run:/);
      assert.doesNotMatch(String(sent[0].content), /Output:/);
      assert.equal(existsSync(path.join(allowWs.dir, marker)), false, 'the chained command must not have run');
    });

    it("an allowed program's code-running option asks, commands do not see the key, and --yes never writes config", async () => {
      const w = await makeWorkspace({ allowCommands: ['find', 'printenv', 'cp'] });
      await mkdir(path.join(w.dir, '.vscode'));
      await writeFile(path.join(w.dir, '.vscode', 'settings.json'), '{}\n');
      await writeFile(path.join(w.dir, 'evil.json'), '{"mcpAgent.tools.approval.allowCommands":["*"]}\n');

      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: 'find . -maxdepth 0 -fprint pwned-find' } }] }, { text: 'ok 1' });
      assert.equal((await chat(['find'], { workspace: w })).code, 0);
      assert.match(String(toolMessages(srv.chatRequests[1].body.messages)[0].content), /^Not run:/);
      assert.equal(existsSync(path.join(w.dir, 'pwned-find')), false);

      srv.reset();
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: 'printenv' } }] }, { text: 'ok 2' });
      assert.equal((await chat(['env'], { workspace: w })).code, 0);
      const env = String(toolMessages(srv.chatRequests[1].body.messages)[0].content);
      assert.match(env, /Exit code: 0[\s\S]*PATH=/);
      assert.doesNotMatch(env, /sk-test-key|OPENAI_API_KEY/);

      srv.reset();
      srv.enqueue({ toolCalls: [{ name: 'run_command', arguments: { command: 'cp evil.json .vscode//settings.json' } }] }, { text: 'ok 3' });
      assert.equal((await chat(['--yes', 'config'], { workspace: w })).code, 0);
      assert.match(String(toolMessages(srv.chatRequests[1].body.messages)[0].content), /^Not run:/);
      assert.equal(readFileSync(path.join(w.dir, '.vscode', 'settings.json'), 'utf8'), '{}\n');
    });
  });

  describe('model errors', () => {
    it('a rejected API key: one clear line on stderr, non-zero exit, no stack, the key never printed', async () => {
      const guarded = await startScriptedOpenAI({ apiKey: 'sk-the-right-one' });
      try {
        const secret = 'sk-wrong-SECRET-4f9a2c7e1b';
        const r = await runCli(['chat', 'hello'], { cwd: ws.dir, env: agentEnv(ws, guarded.url, { OPENAI_API_KEY: secret }), timeoutMs: 45_000 });
        assert.notEqual(r.code, 0);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], /^mcp-agent: .*API key/);
        assert.match(lines[0], /OPENAI_API_KEY/);
        assertNoStack(r.stderr);
        for (const out of [r.stdout, r.stderr]) {
          assert.ok(!out.includes(secret), 'the key must not be printed');
          assert.ok(!out.includes('SECRET-4f9a'), 'no part of the key must be printed');
        }
        assert.equal(r.stdout, '');
        assert.ok(guarded.chatRequests.length >= 1, 'the request did reach the server');
        assert.equal(guarded.chatRequests[0].headers.authorization, `Bearer ${secret}`);
      } finally {
        await guarded.close();
      }
    });

    it('an unknown model is named in the error (--json too keeps stdout parseable)', async () => {
      const picky = await startScriptedOpenAI({ models: ['real-model'] });
      try {
        const env = agentEnv(ws, picky.url, { OPENAI_MODEL: 'no-such-model-xyz' });
        const r = await runCli(['chat', 'hello'], { cwd: ws.dir, env, timeoutMs: 45_000 });
        assert.notEqual(r.code, 0);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, /Model "no-such-model-xyz" is not available/);
        assertNoStack(r.stderr);

        // --model beats the environment.
        const ok = await runCli(['chat', '--model', 'real-model', 'hello there'], { cwd: ws.dir, env, timeoutMs: 45_000 });
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, 'hello there\n');

        const json = await runCli(['chat', '--json', 'hello'], { cwd: ws.dir, env, timeoutMs: 45_000 });
        assert.notEqual(json.code, 0);
        const events = parseLines(json.stdout);
        const err = events.find((e) => e.type === 'error');
        assert.match(String(err?.message), /no-such-model-xyz/);
        assert.equal(events[events.length - 1].type, 'done');
        assert.equal(events[events.length - 1].stopReason, 'error');
      } finally {
        await picky.close();
      }
    });
  });

  it('takes the prompt from stdin when none is given and stdin is not a terminal', async () => {
    const prompt = 'a prompt\nover two lines from a pipe';
    const r = await chat([], { input: prompt });
    assert.equal(r.code, 0, r.stderr);
    // The scripted model echoes the last user message by default.
    assert.equal(r.stdout, `${prompt}\n`);
    const user = srv.chatRequests[0].body.messages?.find((m) => m.role === 'user');
    assert.equal(user?.content, prompt);

    const empty = await chat([], { input: '  \n' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no prompt given/);
  });

  it('reads OPENAI_API_BASE and OPENAI_MODEL from .env in the workspace', async () => {
    await writeFile(path.join(ws.dir, '.env'), `# settings for this project\nOPENAI_API_BASE=${srv.url}\nOPENAI_MODEL="dotenv-model"\n`);
    const env = agentEnv(ws, undefined);
    assert.equal(env.OPENAI_API_BASE, undefined);
    assert.equal(env.OPENAI_MODEL, undefined);
    const r = await runCli(['chat', 'from dotenv'], { cwd: ws.dir, env, timeoutMs: 45_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from dotenv\n');
    assert.equal(srv.chatRequests.length, 1);
    assert.equal(srv.chatRequests[0].body.model, 'dotenv-model');
    // The key agentEnv would have set is not there: the settings really came from .env.
    assert.ok(!String(srv.chatRequests[0].headers.authorization).includes('sk-test-key'));

    // The real environment beats .env.
    srv.reset();
    const over = await runCli(['chat', 'from env'], { cwd: ws.dir, env: { ...env, OPENAI_MODEL: 'env-model' }, timeoutMs: 45_000 });
    assert.equal(over.code, 0, over.stderr);
    assert.equal(srv.chatRequests[0].body.model, 'env-model');
  });
});
