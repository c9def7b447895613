/**
 * Long conversations against a model with a small window: the scripted server enforces the window with OpenAI's own
 * 400 (context_length_exceeded) and counts every prompt with OpenAI's tokenizer, so "no request exceeds the window"
 * is checked by the peer, not by us.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSettings } from '../../src/core/config/settings';
import { isSummaryRecord } from '../../src/core/context/budget';
import type { AgentEvent } from '../../src/core/agent/ChatSession';
import { silentLogger, unattendedApprover } from '../../src/core/ports';
import { AgentRuntime } from '../../src/core/runtime';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAIOptions, type Script } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { faultDef } from '../helpers/servers';

const SUMMARY_MARK = 'You write the memory of a coding agent';

function lastMessage(r: RecordedRequest) {
  const msgs = r.body.messages ?? [];
  return msgs[msgs.length - 1];
}

function isSummaryRequest(r: RecordedRequest): boolean {
  return String(r.body.messages?.[0]?.content ?? '').startsWith(SUMMARY_MARK);
}

/** The model: summarizes when asked to; calls `tool` once per user message; then answers with the turn number. */
function agentModel(tool: (turn: number) => { name: string; arguments: Record<string, unknown> }) {
  return (r: RecordedRequest): Script => {
    if (isSummaryRequest(r)) return { text: `Summary: the user asked for word lists; results were long (${r.body.messages?.length} messages summarized).` };
    const last = lastMessage(r);
    const turn = Number(/turn (\d+)/.exec(String((r.body.messages ?? []).filter((m) => m.role === 'user').pop()?.content ?? ''))?.[1] ?? 0);
    if (last?.role === 'user') return { toolCalls: [tool(turn)] };
    return { text: `Answer ${turn}.` };
  };
}

describe('context budget: long conversations on a small window', function () {
  this.timeout(240_000);
  const opened: Array<{ close(): Promise<unknown> }> = [];
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-context-'));
  });
  after(async () => {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
  });

  async function setup(server: ScriptedOpenAIOptions, llm: Record<string, unknown>, name: string, cacheDir?: string) {
    const srv = await startScriptedOpenAI(server);
    opened.push(srv);
    const ws = path.join(dir, name);
    const rt = new AgentRuntime(
      { logger: silentLogger, workspace: new NodeWorkspace(dir), commandRunner: new NodeCommandRunner(), approver: unattendedApprover(true), clientInfo: { name: 'test', version: '0' }, dirs: { cache: cacheDir ?? path.join(ws, 'cache'), data: path.join(ws, 'data') } },
      parseSettings({ llm: { baseUrl: srv.url, apiKey: 'sk-test', ...llm } }),
    );
    opened.push({ close: () => rt.dispose() });
    await rt.manager.apply([faultDef('fault')]);
    return { srv, rt };
  }

  it('50 turns with 20,000-character tool results on a 16k window: every turn completes within the window, nothing stored is lost', async () => {
    const WINDOW = 16_384;
    const { srv, rt } = await setup({ contextWindow: WINDOW }, { model: 'gpt-4o-mini', contextWindow: WINDOW }, 'fifty');
    srv.setDefault(agentModel((turn) => ({ name: 'fault__words', arguments: { bytes: 20_000, seed: turn } })));
    const { agent } = await rt.agent();
    let conversationId: string | undefined;
    const notes: string[] = [];
    for (let turn = 1; turn <= 50; turn++) {
      const before = srv.chatRequests.length;
      const r = await agent.chat({ prompt: `turn ${turn}: list the words`, conversationId, onEvent: (e: AgentEvent) => e.type === 'context' && e.note && notes.push(e.note) });
      assert.equal(r.stopReason, 'completed', `turn ${turn}: ${r.error}`);
      assert.equal(r.reply, `Answer ${turn}.`);
      conversationId = r.conversation_id;
      const mine = srv.chatRequests.slice(before).filter((q) => !isSummaryRequest(q));
      // The answering request carries this turn's message and (the head of) its tool result.
      const answering = mine[mine.length - 1];
      const msgs = answering.body.messages ?? [];
      assert.ok(msgs.some((m) => m.role === 'user' && String(m.content).includes(`turn ${turn}:`)), `turn ${turn}: the user message reached the model`);
      assert.ok(msgs.some((m) => m.role === 'tool' && String(m.content).includes(`RESULT-${turn}`)), `turn ${turn}: its tool result reached the model`);
    }
    // The peer counted every prompt: none past the window, and none refused.
    const sizes = srv.chatRequests.map((q) => q.promptTokens ?? 0);
    assert.ok(Math.max(...sizes) <= WINDOW, `largest prompt ${Math.max(...sizes)}`);
    assert.equal(srv.requests.filter((q) => q.endpoint === 'chat').length, srv.chatRequests.length);
    // Compaction happened, and the store still has every message (4 a turn) plus the summary records.
    assert.ok(srv.chatRequests.some(isSummaryRequest), 'older turns were summarized');
    const stored = await rt.store.load(conversationId!);
    assert.equal(stored.messages.filter((m) => !isSummaryRecord(m)).length, 200);
    assert.ok(stored.messages.some(isSummaryRecord));
    const tool = stored.messages.find((m) => m.role === 'tool');
    assert.match(String(tool?.content), /stored as r_[0-9a-f]{12}/, 'a large result is stored with its handle');
    // A later compaction folds the earlier summary in.
    const summaries = srv.chatRequests.filter(isSummaryRequest);
    assert.ok(summaries.length >= 2);
    assert.match(String(summaries[summaries.length - 1].body.messages?.[1]?.content), /<conversation_summary>[\s\S]*Summary: the user asked/);
    // Flat, not growing: the last ten answering requests stay within the window however long the conversation gets.
    assert.ok(sizes.slice(-10).every((n) => n <= WINDOW));
  });

  it('with no window configured: learns it from the endpoint\'s 400, retries smaller, and remembers it', async () => {
    const cache = path.join(dir, 'reactive-cache');
    // gpt-4o is 128k by the table; this endpoint takes 8k.
    const { srv, rt } = await setup({ contextWindow: 8192 }, { model: 'gpt-4o' }, 'reactive', cache);
    srv.setDefault(agentModel((turn) => ({ name: 'fault__words', arguments: { bytes: 12_000, seed: turn } })));
    const { agent } = await rt.agent();
    let id: string | undefined;
    const notes: string[] = [];
    for (let turn = 1; turn <= 4; turn++) {
      const r = await agent.chat({ prompt: `turn ${turn}`, conversationId: id, onEvent: (e) => e.type === 'context' && e.note && notes.push(e.note) });
      assert.equal(r.stopReason, 'completed', r.error);
      id = r.conversation_id;
    }
    assert.ok(notes.some((n) => /window is smaller than assumed/.test(n)), notes.join('\n'));
    // Remembered: a new runtime on the same cache, for the same endpoint and model, starts with the learned window.
    const again = new AgentRuntime(
      { logger: silentLogger, workspace: new NodeWorkspace(dir), commandRunner: new NodeCommandRunner(), clientInfo: { name: 'test', version: '0' }, dirs: { cache, data: path.join(dir, 'reactive2') } },
      parseSettings({ llm: { baseUrl: srv.url, apiKey: 'sk-test', model: 'gpt-4o' } }),
    );
    opened.push({ close: () => again.dispose() });
    srv.setDefault({ text: 'ok' });
    const second = await (await again.agent()).agent.chat({ prompt: 'hello' });
    assert.equal(second.context?.windowSource, 'learned');
    assert.ok((second.context?.window ?? 0) <= 8192);
  });

  it("the reported case: 12 turns in separate CLI processes on a 16k endpoint, 20,000-character results, nothing configured", async () => {
    const WINDOW = 16_384;
    const srv = await startScriptedOpenAI({ contextWindow: WINDOW });
    opened.push(srv);
    srv.setDefault(agentModel((turn) => ({ name: 'fault__words', arguments: { bytes: 20_000, seed: turn } })));
    const ws = await makeWorkspace();
    let id: string | undefined;
    for (let turn = 1; turn <= 12; turn++) {
      const r = await runCli(['chat', '--json', ...(id ? ['--conversation', id] : []), `turn ${turn}: list the words`], { cwd: ws.dir, env: agentEnv(ws, srv.url), timeoutMs: 60_000 });
      assert.equal(r.code, 0, `turn ${turn}: ${r.stderr}`);
      const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string; conversation_id?: string; context?: { window: number; windowSource: string } }).pop();
      assert.equal(done?.type, 'done');
      assert.equal(done?.text, `Answer ${turn}.`);
      assert.equal(done?.context?.window, WINDOW);
      assert.equal(done?.context?.windowSource, 'endpoint');
      id = done?.conversation_id;
    }
    assert.ok(Math.max(...srv.chatRequests.map((q) => q.promptTokens ?? 0)) <= WINDOW);
  });

  for (const kind of ['vllm', 'llamacpp', 'ollama'] as const) {
    it(`reads the window ${kind} reports`, async () => {
      const { srv, rt } = await setup({ contextWindow: 12_000, describeWindow: kind, models: ['local-model'] }, { model: 'local-model' }, `describe-${kind}`);
      srv.setDefault({ text: 'ok' });
      const r = await (await rt.agent()).agent.chat({ prompt: 'hello' });
      assert.equal(r.context?.windowSource, 'endpoint');
      assert.equal(r.context?.window, 12_000);
    });
  }

  it('read_result pages through and searches a 5 MB result the model saw only part of', async () => {
    const { srv, rt } = await setup({}, { model: 'gpt-4o-mini', contextWindow: 32_000 }, 'paging');
    let handle = '';
    srv.setDefault((r: RecordedRequest): Script => {
      const last = lastMessage(r);
      if (last?.role === 'user') return { toolCalls: [{ name: 'fault__words', arguments: { bytes: 5_000_000, seed: 7 } }] };
      const text = String(last?.content ?? '');
      if (!handle) {
        handle = /stored as (r_[0-9a-f]{12})/.exec(text)?.[1] ?? '';
        return { toolCalls: [{ name: 'read_result', arguments: { id: handle, offset: 4_999_000, length: 5000 } }] };
      }
      if (!/ match(es)? in /.test(text)) return { toolCalls: [{ name: 'read_result', arguments: { id: handle, pattern: 'END-7' } }] };
      return { text: 'done' };
    });
    const r = await (await rt.agent()).agent.chat({ prompt: 'read it all' });
    assert.equal(r.stopReason, 'completed', r.error);
    assert.match(handle, /^r_/);
    const results = srv.chatRequests.map((q) => String(lastMessage(q)?.content ?? ''));
    assert.ok(results.some((t) => /characters 4999000-\d+ of \d+/.test(t) && t.includes('END-7')), `the last page holds the end of the result: ${results.map((t) => t.slice(0, 200)).join('\n')}`);
    assert.ok(results.some((t) => /: 1 match in 1 line\]\n1 \(characters 4998000-\d+ of the line\): [^\n]*END-7\n/.test(t)), 'the search finds the end marker and says where');
  });
});
