import * as assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApprovalPolicy, type ApprovalSettings } from '../../src/core/agent/approvals';
import { ChatSession, type AgentEvent, type ChatSessionOptions } from '../../src/core/agent/ChatSession';
import { Toolbox } from '../../src/core/agent/toolbox';
import { OpenAIProvider } from '../../src/core/llm/openai';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import type { ApprovalDecision, ApprovalRequest, Approver } from '../../src/core/ports';
import { createBuiltinTools } from '../../src/core/tools/builtins';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { startScriptedOpenAI, type ScriptedOpenAI, type WireMessage } from '../fixtures/scriptedOpenAI';
import { unwrapToolMessages } from '../helpers/toolEnvelope';
import { faultDef } from '../helpers/servers';

/** Records what was asked, answers from a script. */
class ScriptedApprover implements Approver {
  readonly asked: ApprovalRequest[] = [];
  constructor(private readonly answer: (req: ApprovalRequest) => ApprovalDecision = () => 'allow') {}
  async request(req: ApprovalRequest): Promise<ApprovalDecision> {
    this.asked.push(req);
    return this.answer(req);
  }
}

function toolMessages(msgs: WireMessage[] | undefined): WireMessage[] {
  return unwrapToolMessages(msgs);
}

describe('ChatSession: the turn loop against a scripted model and real tools', function () {
  this.timeout(60_000);
  let srv: ScriptedOpenAI;
  let manager: AgentManager;
  let workspace: string;

  before(async () => {
    srv = await startScriptedOpenAI();
    manager = new AgentManager();
    await manager.apply([faultDef('fault', [], { timeoutMs: 1500 })]);
    workspace = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-ws-'));
    await writeFile(path.join(workspace, 'hello.py'), 'def greet(name):\n    if name:\n        return "hi " + name\n    return "hi"\n');
  });
  after(async () => {
    await manager.dispose();
    await srv.close();
  });
  beforeEach(() => srv.reset());

  function session(approver: Approver = new ScriptedApprover(), settings: ApprovalSettings = {}, extra: Partial<ChatSessionOptions> = {}) {
    const ws = new NodeWorkspace(workspace);
    const toolbox = new Toolbox({ builtins: createBuiltinTools({ workspace: ws, commandRunner: new NodeCommandRunner() }), manager });
    return new ChatSession({
      provider: new OpenAIProvider({ baseUrl: srv.url, model: 'test-model', apiKey: 'sk-test', retry: { baseDelayMs: 10 } }),
      toolbox,
      approvals: new ApprovalPolicy(approver, settings),
      systemPrompt: 'You are a test.',
      ...extra,
    });
  }

  async function run(s: ChatSession, prompt: string, signal?: AbortSignal) {
    const events: Array<AgentEvent & { at: number }> = [];
    const result = await s.runTurn([], prompt, (e) => events.push({ ...e, at: Date.now() }), signal);
    return { result, events };
  }

  it('runs a full turn: streamed tool calls on an MCP server and a built-in, results back to the model, streamed answer', async () => {
    srv.enqueue(
      { text: 'Let me look. ', toolCalls: [{ name: 'fault__add', arguments: { a: 20, b: 22 } }, { name: 'analyze_code', arguments: { path: 'hello.py' } }], argsChunkSize: 3 },
      { text: 'The sum is 42 and greet has complexity 2.', chunkSize: 4 },
    );
    const { result, events } = await run(session(), 'add and analyze');
    assert.equal(result.stopReason, 'completed');
    assert.equal(result.text, 'The sum is 42 and greet has complexity 2.');
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf('tool_call') > types.indexOf('text'));
    assert.ok(types.lastIndexOf('text') > types.lastIndexOf('tool_result'));
    const sent = toolMessages(srv.chatRequests[1].body.messages);
    assert.equal(sent.length, 2);
    assert.equal(sent[0].content, '42');
    assert.match(String(sent[1].content), /greet/);
    assert.equal(srv.chatRequests[1].body.messages?.[0].content, 'You are a test.');
    const tools = srv.chatRequests[0].body.tools?.map((t) => t.function.name) ?? [];
    assert.ok(tools.includes('fault__add') && tools.includes('run_command') && tools.includes('analyze_code'));
    assert.ok(result.usage.totalTokens > 0, 'usage is summed');
    assert.equal(result.toolCalls.length, 2);
  });

  it('runs the tool calls of one message in parallel', async () => {
    srv.enqueue({ toolCalls: Array.from({ length: 4 }, () => ({ name: 'fault__sleep', arguments: { ms: 400 } })) }, { text: 'ok' });
    const { events } = await run(session(), 'sleep');
    const calls = events.filter((e) => e.type === 'tool_call');
    const results = events.filter((e) => e.type === 'tool_result');
    assert.equal(results.length, 4);
    // All four started before any finished: they overlapped.
    assert.ok(Math.max(...calls.map((e) => e.at)) <= Math.min(...results.map((e) => e.at)));
  });

  it('sends every failure back to the model as a tool result and carries on', async () => {
    srv.enqueue(
      {
        toolCalls: [
          { name: 'fault__add', arguments: '{"a": 1, "b":' },
          { name: 'no_such_tool', arguments: {} },
          { name: 'fault__fail', arguments: {} },
          { name: 'fault__hang', arguments: {} },
        ],
      },
      { text: 'Recovered.' },
    );
    const { result } = await run(session(), 'break things');
    assert.equal(result.stopReason, 'completed');
    assert.equal(result.text, 'Recovered.');
    const sent = toolMessages(srv.chatRequests[1].body.messages).map((m) => String(m.content));
    assert.match(sent[0], /not valid JSON/);
    assert.match(sent[1], /no tool named "no_such_tool"/);
    assert.match(sent[2], /it failed on purpose/);
    assert.match(sent[3], /server "fault".*timed out/);
    assert.ok(result.toolCalls.every((c) => c.isError));
  });

  it('tells the model when a server crashed during the call', async () => {
    srv.enqueue({ toolCalls: [{ name: 'fault__crash', arguments: {} }] }, { text: 'The server crashed.' });
    const { result } = await run(session(), 'crash it');
    assert.equal(result.stopReason, 'completed');
    assert.match(String(toolMessages(srv.chatRequests[1].body.messages)[0].content), /server "fault".*exited during "crash"/);
    // The manager restarts it; later turns can use it again.
    srv.enqueue({ toolCalls: [{ name: 'fault__add', arguments: { a: 1, b: 2 } }] }, { text: 'fine' });
    await run(session(), 'again');
    assert.equal(toolMessages(srv.chatRequests[3].body.messages)[0].content, '3');
  });

  it('caps what the model sees of a large result, head and tail, while the UI gets all of it', async () => {
    srv.enqueue({ toolCalls: [{ name: 'fault__big', arguments: { bytes: 100_000 } }] }, { text: 'big' });
    const { events } = await run(session(), 'big', undefined);
    const shown = events.find((e) => e.type === 'tool_result');
    assert.ok(shown && shown.type === 'tool_result');
    assert.equal(shown.content.length, 100_000);
    assert.equal(shown.truncated, true);
    const sent = String(toolMessages(srv.chatRequests[1].body.messages)[0].content);
    assert.ok(sent.length <= 32_000, `sent ${sent.length}`);
    assert.match(sent, /characters omitted/);
  });

  it('stops at the round cap with a clear message', async () => {
    srv.setDefault({ toolCalls: [{ name: 'fault__add', arguments: { a: 1, b: 1 } }] });
    const { result, events } = await run(session(undefined, {}, { maxRounds: 3 }), 'loop forever');
    assert.equal(result.stopReason, 'round-cap');
    assert.equal(srv.chatRequests.length, 3);
    assert.ok(events.some((e) => e.type === 'error' && /3 model rounds/.test(e.message)));
  });

  it('asks before run_command unless every part of the command is allowed; a denial reaches the model', async () => {
    const approver = new ScriptedApprover(() => 'deny');
    srv.enqueue(
      { toolCalls: [{ name: 'run_command', arguments: { command: 'echo allowed-output' } }, { name: 'run_command', arguments: { command: 'echo x && touch pwned' } }] },
      { text: 'done' },
    );
    await run(session(approver, { allowCommands: ['echo'] }), 'run');
    assert.deepEqual(
      approver.asked.map((a) => a.summary),
      ['echo x && touch pwned'],
    );
    const sent = toolMessages(srv.chatRequests[1].body.messages).map((m) => String(m.content));
    assert.match(sent[0], /allowed-output/);
    assert.match(sent[1], /Not run: the user declined/);
  });

  it('runs read-only MCP tools without asking, asks for others, and remembers "always"', async () => {
    const approver = new ScriptedApprover(() => 'always');
    srv.enqueue({ toolCalls: [{ name: 'fault__echo', arguments: { message: 'ro' } }, { name: 'fault__big', arguments: { bytes: 10 } }] }, { toolCalls: [{ name: 'fault__big', arguments: { bytes: 5 } }] }, { text: 'ok' });
    const s = session(approver);
    const { events } = await run(s, 'go');
    assert.deepEqual(
      approver.asked.map((a) => a.tool),
      ['fault__big'],
    );
    assert.equal(events.filter((e) => e.type === 'approval').length, 1);
  });

  it('cancels a turn while a tool runs, and the MCP server hears about it', async () => {
    srv.enqueue({ toolCalls: [{ name: 'fault__hang', arguments: {} }] });
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    const { result } = await run(session(), 'hang', ac.signal);
    assert.equal(result.stopReason, 'cancelled');
    assert.ok(Date.now() - started < 1200, 'stopped promptly');
  });

  it('cancels a slow model stream and keeps the partial answer, marked', async () => {
    srv.enqueue({ text: 'one two three four five six seven eight', chunkSize: 4, delayMs: 100 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 350);
    const { result } = await run(session(), 'slow', ac.signal);
    assert.equal(result.stopReason, 'cancelled');
    assert.ok(result.text.length > 0 && result.text.length < 39, result.text);
    const last = result.messages[result.messages.length - 1];
    assert.equal(last.role, 'assistant');
    assert.match(String(last.content), /stopped by the user/);
  });

  it('ends with a clear error on a bad key, and keeps a half-streamed answer marked as cut off', async () => {
    srv.enqueue({ status: 401 });
    let r = await run(session(), 'hi');
    assert.equal(r.result.stopReason, 'error');
    assert.match(r.result.error ?? '', /API key/);
    assert.doesNotMatch(r.result.error ?? '', /sk-test/);
    srv.enqueue({ text: 'partial answer that breaks', chunkSize: 5, breakAfterChunks: 3 });
    r = await run(session(), 'hi');
    assert.equal(r.result.stopReason, 'error');
    assert.ok(r.result.text.length > 0);
    assert.match(String(r.result.messages[r.result.messages.length - 1].content), /answer cut off/);
  });

  it('sends at most maxTools tools, keeping the built-ins', async () => {
    srv.enqueue({ text: 'ok' });
    await run(session(undefined, {}, { maxTools: 6 }), 'please echo a message');
    const names = srv.chatRequests[0].body.tools?.map((t) => t.function.name) ?? [];
    assert.equal(names.length, 6);
    for (const b of ['analyze_code', 'search', 'run_command', 'system_info']) assert.ok(names.includes(b), `${b} kept`);
  });
});
