/**
 * A conversation's tokens and cost: each turn's usage (every model round, cached prompt tokens included) is stored
 * with the turn, so the totals survive new processes; `llm.pricing` turns them into dollars. Against the scripted
 * endpoint, which reports usage as OpenAI does (`prompt_tokens_details.cached_tokens`).
 */
import * as assert from 'node:assert/strict';
import { conversationTotals, costOf } from '../../src/core/llm/usage';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { agentEnv, makeWorkspace } from '../helpers/api';
import { runCli } from '../helpers/cli';
import { scriptedRuntime } from '../helpers/runtime';

const PRICING = { input: 2, cachedInput: 0.5, output: 8 };

describe('conversation tokens and cost', function () {
  this.timeout(120_000);
  let srv: ScriptedOpenAI;
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    srv = await startScriptedOpenAI();
    closers.push(() => srv.close());
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  async function runtime(name: string, pricing?: typeof PRICING) {
    const rt = await scriptedRuntime(srv.url, { model: 'gpt-4o-mini', ...(pricing ? { pricing } : {}) }, `usage-${name}`);
    closers.push(() => rt.dispose());
    return rt;
  }

  it('sums every round of every turn, cached tokens apart, and prices them; the totals survive a new runtime', async () => {
    const rt = await runtime('sum', PRICING);
    const { agent } = await rt.agent();
    // Turn 1: a tool round and an answer round; turn 2: one round.
    srv.enqueue(
      { toolCalls: [{ name: 'system_info', arguments: {} }], usage: { prompt_tokens: 1000, completion_tokens: 20, cached_tokens: 400 } },
      { text: 'Linux.', usage: { prompt_tokens: 1300, completion_tokens: 30, cached_tokens: 1000 } },
      { text: 'Still Linux.', usage: { prompt_tokens: 1500, completion_tokens: 50 } },
    );
    const first = await agent.chat({ prompt: 'Which OS?' });
    assert.equal(first.stopReason, 'completed', first.error);
    assert.deepEqual(first.usage, { promptTokens: 2300, completionTokens: 50, totalTokens: 2350, cachedTokens: 1400 });
    assert.equal(first.totals.turns, 1);
    assert.equal(first.totals.cachedTokens, 1400);

    const events: unknown[] = [];
    const second = await agent.chat({ prompt: 'And now?', conversationId: first.conversation_id, onEvent: (e) => e.type === 'done' && events.push(e.totals) });
    const expected = { promptTokens: 3800, completionTokens: 100, cachedTokens: 1400, totalTokens: 3900, turns: 2 };
    const cost = (2400 * 2 + 1400 * 0.5 + 100 * 8) / 1e6;
    assert.deepEqual({ ...second.totals, cost: undefined }, { ...expected, cost: undefined });
    assert.ok(Math.abs(second.totals.cost! - cost) < 1e-12, `cost ${second.totals.cost} != ${cost}`);
    assert.deepEqual(events, [second.totals], 'the done event carries the same totals');

    // The usage is stored with each turn's last assistant message, and nowhere on the wire.
    const stored = await rt.store.load(second.conversation_id!);
    const withUsage = stored.messages.filter((m) => m.role === 'assistant' && m.usage);
    assert.equal(withUsage.length, 2);
    assert.deepEqual(conversationTotals(stored.messages, PRICING), second.totals);
    const last = srv.chatRequests.at(-1)!;
    assert.ok(!JSON.stringify(last.body.messages).includes('"usage"'), 'usage is not sent to the model');

    // Another runtime (another process, a reopened panel) totals the stored conversation the same way.
    const other = await runtime('reopen');
    const reopened = await other.store.load(second.conversation_id!).catch(() => undefined);
    assert.equal(reopened, undefined, 'separate data dirs');
    assert.deepEqual(conversationTotals(stored.messages), { ...expected });
  });

  it('without pricing: tokens only; cached tokens above the prompt never make a negative cost', async () => {
    const rt = await runtime('nopricing');
    const { agent } = await rt.agent();
    srv.enqueue({ text: 'Hi.', usage: { prompt_tokens: 10, completion_tokens: 2 } });
    const r = await agent.chat({ prompt: 'Hello' });
    assert.equal(r.totals.cost, undefined);
    assert.equal(r.totals.totalTokens, 12);
    assert.equal(costOf({ promptTokens: 10, completionTokens: 0, cachedTokens: 50 }, PRICING), (10 * 0.5) / 1e6);
  });

  it('mcp-agent chat: --verbose prints the conversation totals and cost, --json carries them on done, across processes', async () => {
    const ws = await makeWorkspace({ extraYaml: `llm:\n  pricing: { input: 2, cachedInput: 0.5, output: 8 }\n` });
    srv.enqueue({ text: 'One.', usage: { prompt_tokens: 1000, completion_tokens: 10, cached_tokens: 500 } }, { text: 'Two.', usage: { prompt_tokens: 2000, completion_tokens: 20 } });
    const a = await runCli(['chat', '--json', 'first'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(a.code, 0, a.stderr);
    const done = JSON.parse(a.stdout.trim().split('\n').pop()!) as { conversation_id: string; totals: { totalTokens: number; cost: number } };
    assert.equal(done.totals.totalTokens, 1010);
    assert.ok(Math.abs(done.totals.cost - (500 * 2 + 500 * 0.5 + 10 * 8) / 1e6) < 1e-12);
    const b = await runCli(['chat', '--verbose', '--conversation', done.conversation_id, 'second'], { cwd: ws.dir, env: agentEnv(ws, srv.url) });
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /\[tokens\] this conversation: 3000 in \(500 cached\), 30 out, \$0\.0055/);
  });
});
