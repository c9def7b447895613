import * as assert from 'node:assert/strict';
import { applySummary, compactionCut, fit } from '../../src/core/context/budget';
import { estimateTokens, TokenCounter, usesOpenAITokenizer } from '../../src/core/context/tokens';
import { isContextLengthError, windowFromError, windowFromTable } from '../../src/core/context/window';
import type { ChatMessage } from '../../src/core/llm/types';

/** A small seeded generator, so a failing history can be reproduced from its seed. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function randomHistory(seed: number): ChatMessage[] {
  const r = rng(seed);
  const out: ChatMessage[] = [];
  const words = (n: number) => Array.from({ length: n }, () => ['alpha', 'bravo', 'charlie', 'delta', '42', 'echo'][Math.floor(r() * 6)]).join(' ');
  const turns = 1 + Math.floor(r() * 12);
  let call = 0;
  for (let t = 0; t < turns; t++) {
    out.push({ role: 'user', content: `turn ${t} ${words(5 + Math.floor(r() * 200))}` });
    const rounds = Math.floor(r() * 3);
    for (let k = 0; k < rounds; k++) {
      const calls = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ id: `c${call++}`, name: 'tool', arguments: `{"q":"${words(3)}"}` }));
      out.push({ role: 'assistant', content: r() < 0.5 ? null : words(10), tool_calls: calls });
      for (const c of calls) out.push({ role: 'tool', tool_call_id: c.id, name: 'tool', content: words(10 + Math.floor(r() * 3000)) });
    }
    if (t < turns - 1 || r() < 0.5) out.push({ role: 'assistant', content: words(20 + Math.floor(r() * 100)) });
  }
  return out;
}

const counter = new TokenCounter('local-model');
const stubbing = {
  stub: (m: { tool_call_id: string }) => `[stub ${m.tool_call_id}]`,
  shorten: (m: { content: string }, max: number) => `${m.content.slice(0, Math.floor(max / 2))}…[cut]`,
};

describe('context budget', () => {
  it('never orphans a tool result, never drops the latest user message, and fits whenever that is possible (300 random histories)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const history = randomHistory(seed);
      const budget = 300 + Math.floor(rng(seed * 31)() * 6000);
      const r = fit({ systemPrompt: 'You are a test.', history, toolTokens: 100, budget, counter, ...stubbing });
      const calls = new Set<string>();
      for (const m of r.messages) {
        if (m.role === 'assistant') for (const c of m.tool_calls ?? []) calls.add(c.id);
        if (m.role === 'tool') assert.ok(calls.has(m.tool_call_id), `seed ${seed}: tool result ${m.tool_call_id} without its call`);
      }
      const lastUser = [...history].reverse().find((m) => m.role === 'user');
      assert.ok(r.messages.some((m) => m === lastUser || (m.role === 'user' && m.content === lastUser?.content)), `seed ${seed}: the latest user message was dropped`);
      // Every call the model made in the kept part has its result right after it.
      for (let i = 0; i < r.messages.length; i++) {
        const m = r.messages[i];
        if (m.role !== 'assistant' || !m.tool_calls?.length) continue;
        const following = r.messages.slice(i + 1, i + 1 + m.tool_calls.length).map((x) => (x.role === 'tool' ? x.tool_call_id : ''));
        assert.deepEqual(following, m.tool_calls.map((c) => c.id), `seed ${seed}: results follow their calls`);
      }
      if (!r.over) assert.ok(r.total <= budget, `seed ${seed}: ${r.total} > ${budget}`);
    }
  });

  it('stubs older tool results before it leaves out any turn', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'a', name: 't', arguments: '{}' }] },
      { role: 'tool', tool_call_id: 'a', content: 'x '.repeat(3000) },
      { role: 'assistant', content: 'one' },
      { role: 'user', content: 'second' },
    ];
    const r = fit({ history, toolTokens: 0, budget: 200, counter, ...stubbing });
    assert.equal(r.stubbed, 1);
    assert.equal(r.dropped, 0);
    assert.deepEqual(
      r.messages.map((m) => m.content),
      ['first', null, '[stub a]', 'one', 'second'],
    );
  });

  it('a summary stands in for the messages it covers, in the system message; a later one replaces it', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'system', content: 'first summary', summaryOf: 2 } as ChatMessage,
      { role: 'user', content: 'c' },
      { role: 'assistant', content: 'd' },
      { role: 'system', content: 'second summary', summaryOf: 4 } as ChatMessage,
      { role: 'user', content: 'e' },
    ];
    const v = applySummary('SYS', history);
    assert.match(v.system ?? '', /^SYS\n\n<conversation_summary>[\s\S]*second summary/);
    assert.doesNotMatch(v.system ?? '', /first summary/);
    assert.deepEqual(v.rest.map((m) => m.content), ['d', 'e']);
  });

  it('cuts a compaction at a turn boundary, keeping the recent turns verbatim', () => {
    const history: ChatMessage[] = [];
    for (let t = 0; t < 6; t++) history.push({ role: 'user', content: `q${t} ${'w '.repeat(100)}` }, { role: 'assistant', content: `a${t} ${'w '.repeat(100)}` });
    const cut = compactionCut(history, counter, 150);
    assert.equal(history[cut].role, 'user');
    assert.ok(cut > 0 && cut < history.length);
  });

  it('reads the window out of each vendor\'s context-length error', () => {
    assert.equal(windowFromError("This model's maximum context length is 16385 tokens. However, your messages resulted in 20000 tokens."), 16385);
    assert.equal(windowFromError('the request exceeds the available context size (4096 tokens), try increasing it'), 4096);
    assert.equal(windowFromError('input length exceeds n_ctx: 8192'), 8192);
    assert.equal(windowFromError('something else entirely'), undefined);
    assert.ok(isContextLengthError('This model\'s maximum context length is 8192 tokens', 400));
    assert.ok(isContextLengthError('the request exceeds the available context size (4096 tokens)', 400));
    assert.ok(!isContextLengthError('invalid api key', 401));
    assert.equal(windowFromTable('gpt-4o-mini'), 128_000);
    assert.equal(windowFromTable('qwen2.5-coder:7b'), 32_768);
    assert.equal(windowFromTable('my-own-model'), undefined);
  });

  it('counts OpenAI models exactly and others with a margin that calibration moves', () => {
    assert.ok(usesOpenAITokenizer('gpt-4o-mini') && usesOpenAITokenizer('openai/gpt-5') && !usesOpenAITokenizer('llama3.1'));
    const exact = new TokenCounter('gpt-4o');
    assert.equal(exact.exact, true);
    assert.equal(exact.text('hello world'), 2);
    const est = new TokenCounter('llama3.1');
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    assert.equal(est.text(text), estimateTokens(text));
    est.calibrate(est.text(text), Math.round(est.text(text) / 2));
    assert.ok(est.text(text) < estimateTokens(text), 'moves towards what the endpoint counts');
    // CJK text is about a token a character, and estimated so.
    assert.ok(estimateTokens('你好世界'.repeat(10)) >= 40);
  });

  it('budgets a 100k-token conversation by counting only what is new', () => {
    const history = randomHistory(4242);
    while (history.length < 1500) history.push(...randomHistory(history.length));
    const c = new TokenCounter('gpt-4o');
    fit({ history, toolTokens: 0, budget: 1e9, counter: c, ...stubbing });
    const before = c.tokenized;
    // The next request: the stored history is read again (new objects, same texts) plus one new exchange.
    const again = JSON.parse(JSON.stringify(history)) as ChatMessage[];
    const r = fit({ history: [...again, { role: 'user', content: `one more question, about ${'the budget '.repeat(10)}` }], toolTokens: 0, budget: 1e9, counter: c, ...stubbing });
    assert.ok(r.total > 100_000, `${r.total} tokens`);
    assert.equal(c.tokenized - before, 1, 'only the new message was tokenized; npm run bench measures the time');
  });

  it('counts a tool definition once, however often the endpoint recalibrates the estimate', () => {
    const c = new TokenCounter('llama3.1');
    let serialized = 0;
    // JSON.stringify calls toJSON: it counts how often the definition is serialized to be tokenized.
    const parameters = { type: 'object', properties: { path: { type: 'string', description: 'x'.repeat(400) } }, toJSON() { serialized++; return { type: 'object', properties: this.properties }; } };
    const tools = [{ name: 'read_file', description: 'Reads a file', parameters }];
    const first = c.tools(tools);
    // Every response's usage moves the factor a little (ContextManager.observe), so the memo must outlive it.
    c.calibrate(first, first * 2);
    const scaled = c.tools(tools);
    c.calibrate(scaled, scaled * 2);
    const again = c.tools(tools);
    assert.equal(serialized, 1, 'serialized once, not once per calibration');
    assert.ok(scaled > first && again > scaled, `${first} < ${scaled} < ${again}: the calibrated count, not a stale one`);
  });
});
