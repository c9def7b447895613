/**
 * Reasoning models against the scripted server's wire formats: thinking streamed as `reasoning_content` or
 * `reasoning` reaches the agent's events and the stored conversation (never the answer); a DeepSeek-style endpoint
 * that refuses tool turns without `reasoning_content` gets it back, a strict endpoint that rejects unknown fields
 * never sees it; `reasoning_effort` and `max_completion_tokens`; the `reasoning` event over SSE and in the CLI.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent } from '../../src/core/agent/ChatSession';
import { parseSettings, type SettingsInput } from '../../src/core/config/settings';
import { TokenCounter } from '../../src/core/context/tokens';
import { OpenAIProvider } from '../../src/core/llm/openai';
import type { ChatMessage, StreamEvent } from '../../src/core/llm/types';
import { AgentRuntime } from '../../src/core/runtime';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { startScriptedOpenAI, type ReplyScript, type ScriptedOpenAI, type ScriptedOpenAIOptions } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace, openStream, startServe, type TestWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A tool round with thinking, then the answer with more thinking. */
const TOOL_TURN: ReplyScript[] = [
  { reasoning: 'I should look at the file first.', toolCalls: [{ name: 'analyze_code', arguments: { path: 'a.py' } }] },
  { reasoning: 'The file is small.', text: 'It defines f.' },
];

describe('reasoning models: thinking read, shown, stored, and sent back only where required', function () {
  this.timeout(90_000);
  const servers: ScriptedOpenAI[] = [];
  const runtimes: AgentRuntime[] = [];
  let ws: string;

  before(async () => {
    ws = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-think-'));
    await writeFile(path.join(ws, 'a.py'), 'def f():\n    return 1\n');
  });
  after(async () => {
    await Promise.all(runtimes.map((r) => r.dispose()));
    await Promise.all(servers.map((s) => s.close()));
  });

  async function server(options: ScriptedOpenAIOptions = {}): Promise<ScriptedOpenAI> {
    const srv = await startScriptedOpenAI(options);
    servers.push(srv);
    return srv;
  }

  /** The runtime every front uses, on `srv` with these llm settings. */
  function runtime(srv: ScriptedOpenAI, llm: SettingsInput['llm'] = {}): AgentRuntime {
    const dir = path.join(ws, `rt-${runtimes.length}`);
    const settings = parseSettings({ llm: { baseUrl: srv.url, model: 'test-model', apiKey: 'sk-test', ...llm } });
    const rt = new AgentRuntime(
      { logger: quiet, workspace: new NodeWorkspace(ws), commandRunner: new NodeCommandRunner(), clientInfo: { name: 'test', version: '0' }, dirs: { cache: path.join(dir, 'cache'), data: path.join(dir, 'data') }, envDir: dir },
      { ...settings, tools: { ...settings.tools, checkpoints: false } },
    );
    runtimes.push(rt);
    return rt;
  }

  async function chat(rt: AgentRuntime, prompt: string, conversationId?: string) {
    const events: AgentEvent[] = [];
    const { agent } = await rt.agent();
    const r = await agent.chat({ prompt, conversationId, onEvent: (e) => events.push(e) });
    const joined = (type: 'text' | 'reasoning') => events.map((e) => (e.type === type ? e.delta : '')).join('');
    return { r, events, text: joined('text'), reasoning: joined('reasoning') };
  }

  for (const field of ['reasoning_content', 'reasoning'] as const) {
    it(`reads thinking streamed as "${field}" into reasoning events and the stored message, apart from the answer`, async () => {
      const srv = await server();
      srv.enqueue({ reasoning: 'The user greets me. I will greet back.', reasoningField: field, text: 'Hello!', chunkSize: 5 });
      const rt = runtime(srv);
      const { r, events, text, reasoning } = await chat(rt, 'hi');
      assert.equal(r.stopReason, 'completed');
      assert.equal(reasoning, 'The user greets me. I will greet back.');
      assert.equal(text, 'Hello!');
      assert.equal(r.reply, 'Hello!');
      // Thinking came first, in several deltas, before any answer text.
      const types = events.map((e) => e.type);
      assert.ok(types.filter((t) => t === 'reasoning').length > 1);
      assert.ok(types.lastIndexOf('reasoning') < types.indexOf('text'));
      const stored = await rt.store.load(r.conversation_id!);
      const assistant = stored.messages.find((m) => m.role === 'assistant');
      // (The turn's usage is stored with it too.)
      assert.deepEqual({ ...assistant, usage: undefined }, { role: 'assistant', content: 'Hello!', reasoning: 'The user greets me. I will greet back.', usage: undefined });
    });
  }

  it('a DeepSeek-style endpoint gets reasoning_content back on tool turns (auto, from the model name), also from a stored conversation', async () => {
    const srv = await server({ requireReasoningBack: true });
    const rt = runtime(srv, { model: 'deepseek-reasoner' });
    srv.enqueue(...TOOL_TURN);
    const first = await chat(rt, 'what is in a.py?');
    assert.equal(first.r.stopReason, 'completed', first.r.error);
    assert.equal(first.r.reply, 'It defines f.');
    const sent = srv.chatRequests[1].body.messages!.find((m) => m.role === 'assistant');
    assert.equal(sent?.reasoning_content, 'I should look at the file first.');
    // Only tool-call messages carry it; a plain request has none.
    assert.ok(srv.chatRequests[0].body.messages!.every((m) => !('reasoning_content' in m)));

    // The next turn loads the stored conversation: its tool-call message still carries the reasoning.
    srv.enqueue({ text: 'Still f.' });
    const second = await chat(rt, 'and now?', first.r.conversation_id);
    assert.equal(second.r.stopReason, 'completed', second.r.error);
    const again = srv.chatRequests[2].body.messages!.filter((m) => m.role === 'assistant');
    assert.equal(again[0].reasoning_content, 'I should look at the file first.');
    assert.ok(!('reasoning_content' in again[1]), 'an answer without tool calls goes as it was');
  });

  it('fails the same turn with the endpoint\'s 400 when sendReasoning is "never"', async () => {
    const srv = await server({ requireReasoningBack: true });
    const rt = runtime(srv, { model: 'deepseek-reasoner', sendReasoning: 'never' });
    srv.enqueue(...TOOL_TURN);
    const { r } = await chat(rt, 'what is in a.py?');
    assert.equal(r.stopReason, 'error');
    assert.match(r.error ?? '', /reasoning_content/);
  });

  it('"always" sends it to an endpoint the name does not reveal; api.deepseek.com is recognised by its host', async () => {
    const srv = await server({ requireReasoningBack: true });
    const rt = runtime(srv, { sendReasoning: 'always' });
    srv.enqueue(...TOOL_TURN);
    const { r } = await chat(rt, 'what is in a.py?');
    assert.equal(r.stopReason, 'completed', r.error);
    // The decision by host, without a request (api.deepseek.com cannot be reached from here).
    assert.equal(new OpenAIProvider({ baseUrl: 'https://api.deepseek.com/v1', model: 'some-chat', apiKey: 'k' }).sendsReasoning, true);
    assert.equal(new OpenAIProvider({ baseUrl: 'https://api.deepseek.com/v1', model: 'some-chat', apiKey: 'k', sendReasoning: 'never' }).sendsReasoning, false);
    assert.equal(new OpenAIProvider({ baseUrl: srv.url, model: 'qwen3', apiKey: 'k' }).sendsReasoning, false);
  });

  it('a strict endpoint that rejects unknown message fields never sees reasoning_content', async () => {
    const srv = await server({ rejectUnknownFields: true });
    const rt = runtime(srv, { model: 'qwen3-32b' });
    srv.enqueue(...TOOL_TURN);
    const first = await chat(rt, 'what is in a.py?');
    assert.equal(first.r.stopReason, 'completed', first.r.error);
    assert.equal(first.reasoning, 'I should look at the file first.The file is small.');
    srv.enqueue({ text: 'ok' });
    const second = await chat(rt, 'more', first.r.conversation_id);
    assert.equal(second.r.stopReason, 'completed', second.r.error);
    assert.equal(srv.chatRequests.length, 3);
    for (const req of srv.chatRequests) assert.doesNotMatch(req.raw, /reasoning_content/);
    // The strict endpoint does refuse the field: the test above could fail.
    const forced = runtime(srv, { model: 'qwen3-32b', sendReasoning: 'always' });
    srv.enqueue(...TOOL_TURN);
    const refused = await chat(forced, 'what is in a.py?');
    assert.equal(refused.r.stopReason, 'error');
    assert.match(refused.r.error ?? '', /reasoning_content/);
  });

  it('sends reasoning_effort when set, and max_completion_tokens to OpenAI reasoning models on any endpoint', async () => {
    const srv = await server();
    const drain = async (stream: AsyncIterable<StreamEvent>) => {
      for await (const e of stream) void e;
    };
    const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];
    await drain(new OpenAIProvider({ baseUrl: srv.url, model: 'o3-mini', apiKey: 'k', reasoningEffort: 'high' }).stream({ messages, maxTokens: 100 }));
    await drain(new OpenAIProvider({ baseUrl: srv.url, model: 'openai/gpt-5-mini', apiKey: 'k' }).stream({ messages, maxTokens: 100 }));
    await drain(new OpenAIProvider({ baseUrl: srv.url, model: 'llama3.1', apiKey: 'k' }).stream({ messages, maxTokens: 100 }));
    const [o3, gpt5, llama] = srv.chatRequests.map((q) => q.body);
    assert.equal(o3.reasoning_effort, 'high');
    assert.equal(o3.max_completion_tokens, 100);
    assert.equal(o3.max_tokens, undefined);
    assert.equal(gpt5.max_completion_tokens, 100);
    assert.equal(gpt5.reasoning_effort, undefined);
    assert.equal(llama.max_tokens, 100);
    assert.equal(llama.max_completion_tokens, undefined);
  });

  it('the context budget counts reasoning only where it is sent back', () => {
    const m: ChatMessage = { role: 'assistant', content: null, tool_calls: [{ id: 'c', name: 'x', arguments: '{}' }], reasoning: 'long thought '.repeat(200) };
    const plain = new TokenCounter('local-model');
    const sent = new TokenCounter('local-model', { countReasoning: true });
    assert.equal(plain.message(m), plain.message({ ...m, reasoning: undefined }));
    assert.ok(sent.message(m) > plain.message(m) + 300);
    // An answer's reasoning never goes back, so it never counts.
    const answer: ChatMessage = { role: 'assistant', content: 'ok', reasoning: 'long thought '.repeat(200) };
    assert.equal(sent.message(answer), sent.message({ ...answer, reasoning: undefined }));
  });
});

describe('reasoning in the public API: SSE and the CLI (built CLI)', function () {
  this.timeout(90_000);
  let srv: ScriptedOpenAI;
  let ws: TestWorkspace;

  before(async () => {
    srv = await startScriptedOpenAI();
    ws = await makeWorkspace();
  });
  after(async () => {
    await srv?.close();
  });
  beforeEach(() => srv.reset());

  it('POST /chat/stream sends reasoning events before the text', async () => {
    const api = await startServe(['--yes'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    try {
      srv.enqueue({ reasoning: 'Thinking it over.', reasoningField: 'reasoning', text: 'Answer.', chunkSize: 6 });
      const { events } = await openStream(api.port, '/chat/stream', { messages: [{ role: 'user', content: 'q' }] }).done;
      const reasoning = events.filter((e) => e.type === 'reasoning');
      assert.ok(reasoning.length > 1);
      assert.equal(reasoning.map((e) => e.delta).join(''), 'Thinking it over.');
      for (const e of reasoning) assert.deepEqual(Object.keys(e).sort(), ['delta', 'type']);
      assert.ok(events.findIndex((e) => e.type === 'reasoning') < events.findIndex((e) => e.type === 'text'));
      const done = events.find((e) => e.type === 'done');
      assert.equal(done?.text, 'Answer.');
    } finally {
      await api.stop();
    }
  });

  it('mcp-agent chat: thinking on stderr, the answer alone on stdout; --hide-reasoning and --json', async () => {
    const env = agentEnv(ws, srv.url);
    srv.enqueue({ reasoning: 'Pondering deeply.', text: 'Forty-two.' });
    const plain = await runCli(['chat', 'q'], { cwd: ws.dir, env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'Forty-two.\n');
    assert.match(plain.stderr, /Pondering deeply\./);

    srv.enqueue({ reasoning: 'Pondering deeply.', text: 'Forty-two.' });
    const hidden = await runCli(['chat', '--hide-reasoning', 'q'], { cwd: ws.dir, env });
    assert.equal(hidden.code, 0, hidden.stderr);
    assert.equal(hidden.stdout, 'Forty-two.\n');
    assert.doesNotMatch(hidden.stderr, /Pondering/);

    srv.enqueue({ reasoning: 'Pondering deeply.', text: 'Forty-two.' });
    const json = await runCli(['chat', '--json', 'q'], { cwd: ws.dir, env });
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; delta?: string });
    assert.equal(lines.filter((e) => e.type === 'reasoning').map((e) => e.delta).join(''), 'Pondering deeply.');
    assert.equal(lines.filter((e) => e.type === 'text').map((e) => e.delta).join(''), 'Forty-two.');
  });
});
