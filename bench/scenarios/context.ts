/**
 * The context budget over a long conversation: 50 turns, each calling a tool that returns 20,000 characters, against
 * the scripted model, with a 16k window set. Measured from what was actually sent (OpenAI's tokenizer on the wire):
 * - tokens per request, ours against what the naive full history would have sent at the same turn;
 * - what budgeting a request costs for a 100k-token conversation, against the time of the turn itself;
 * - prefix stability: the share of each request's messages that equal the previous request's first messages (what
 *   providers' prompt caching reuses).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { parseSettings } from '../../src/core/config/settings';
import { fit } from '../../src/core/context/budget';
import { TokenCounter } from '../../src/core/context/tokens';
import type { ChatMessage } from '../../src/core/llm/types';
import { silentLogger, unattendedApprover } from '../../src/core/ports';
import { AgentRuntime } from '../../src/core/runtime';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { startScriptedOpenAI, type RecordedRequest, type Script, type WireMessage } from '../../test/fixtures/scriptedOpenAI';
import { faultDef, type Ctx } from '../lib/common';
import { p50 } from '../lib/stats';

export interface ContextResult {
  turns: number;
  window: number;
  /** Largest request of ours, and the naive full history at the last turn, in tokens. */
  ours_max_tokens: number;
  ours_last_tokens: number;
  naive_last_tokens: number;
  /** ours_last / naive_last. */
  tokens_ratio_vs_naive: number;
  /** Milliseconds to fit a 100k-token conversation (messages already counted), and that over a turn's p50. */
  budget_100k_ms: number;
  budget_share_of_turn: number;
  /** Mean share of a request's message tokens that repeat the previous request's leading messages. */
  prefix_stability: number;
}

const tokensOf = (msgs: WireMessage[] = []) => msgs.reduce((n, m) => n + 4 + countTokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')) + (m.tool_calls ?? []).reduce((k, c) => k + countTokens(c.function.arguments), 0), 0);

export async function benchContext(ctx: Ctx): Promise<ContextResult> {
  const turns = ctx.profile.name === 'smoke' ? 6 : 50;
  const WINDOW = 16_384;
  const srv = await startScriptedOpenAI();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-bench-context-'));
  const rt = new AgentRuntime(
    { logger: silentLogger, workspace: new NodeWorkspace(dir), commandRunner: new NodeCommandRunner(), approver: unattendedApprover(true), clientInfo: { name: 'bench', version: '0' }, dirs: { cache: path.join(dir, 'cache'), data: path.join(dir, 'data') } },
    parseSettings({ llm: { baseUrl: srv.url, apiKey: 'sk-bench', model: 'gpt-4o-mini', contextWindow: WINDOW }, tools: { checkpoints: false } }),
  );
  try {
    await rt.manager.apply([faultDef('fault')]);
    srv.setDefault((r: RecordedRequest): Script => {
      const msgs = r.body.messages ?? [];
      if (String(msgs[0]?.content ?? '').startsWith('You write the memory')) return { text: 'Summary of the earlier turns: word lists were fetched and answered.' };
      const last = msgs[msgs.length - 1];
      const turn = Number(/turn (\d+)/.exec(String([...msgs].reverse().find((m) => m.role === 'user')?.content ?? ''))?.[1] ?? 0);
      return last?.role === 'user' ? { toolCalls: [{ name: 'fault__words', arguments: { bytes: 20_000, seed: turn } }] } : { text: `Answer ${turn}.` };
    });
    const { agent } = await rt.agent();
    let id: string | undefined;
    const turnMs: number[] = [];
    for (let t = 1; t <= turns; t++) {
      const t0 = performance.now();
      const r = await agent.chat({ prompt: `turn ${t}: list the words`, conversationId: id });
      turnMs.push(performance.now() - t0);
      if (r.stopReason !== 'completed') throw new Error(`turn ${t}: ${r.error}`);
      id = r.conversation_id;
    }
    const sent = srv.chatRequests.filter((q) => !String(q.body.messages?.[0]?.content ?? '').startsWith('You write the memory'));
    const sizes = sent.map((q) => tokensOf(q.body.messages));
    // The naive agent sends the whole stored conversation, every result whole.
    const stored = (await rt.store.load(id!)).messages.filter((m) => !(m.role === 'system' && 'summaryOf' in m));
    const naiveLast = stored.reduce((n, m) => n + 4 + countTokens(m.content ?? '') + (m.role === 'tool' ? Math.max(0, 20_000 / 5 - countTokens(m.content)) : 0), 0);
    // Prefix stability between consecutive requests.
    const shares: number[] = [];
    for (let i = 1; i < sent.length; i++) {
      const prev = sent[i - 1].body.messages ?? [];
      const cur = sent[i].body.messages ?? [];
      let k = 0;
      while (k < prev.length && k < cur.length && JSON.stringify(prev[k]) === JSON.stringify(cur[k])) k++;
      shares.push(tokensOf(cur.slice(0, k)) / Math.max(1, tokensOf(cur)));
    }
    // Budgeting a 100k-token conversation whose messages are already counted (the next request of a long chat).
    const history: ChatMessage[] = [];
    for (let i = 0; history.length < 2000; i++) history.push({ role: 'user', content: `question ${i} ${'about the build and its logs '.repeat(20)}` }, { role: 'assistant', content: `answer ${i} ${'the step failed because the cache was stale '.repeat(20)}` });
    const counter = new TokenCounter('gpt-4o');
    const stub = { stub: () => '[stub]', shorten: (m: { content: string }) => m.content.slice(0, 100) };
    fit({ history, toolTokens: 0, budget: 1e9, counter, ...stub });
    const fits: number[] = [];
    for (let i = 0; i < 20; i++) {
      const copy = JSON.parse(JSON.stringify(history)) as ChatMessage[];
      const t0 = performance.now();
      fit({ history: [...copy, { role: 'user', content: `next ${i}` }], toolTokens: 0, budget: 1e9, counter, ...stub });
      fits.push(performance.now() - t0);
    }
    const result: ContextResult = {
      turns,
      window: WINDOW,
      ours_max_tokens: Math.max(...sizes),
      ours_last_tokens: sizes[sizes.length - 1],
      naive_last_tokens: naiveLast,
      tokens_ratio_vs_naive: sizes[sizes.length - 1] / naiveLast,
      budget_100k_ms: p50(fits),
      budget_share_of_turn: p50(fits) / p50(turnMs),
      prefix_stability: shares.reduce((a, b) => a + b, 0) / Math.max(1, shares.length),
    };
    ctx.log(`  context: ${turns} turns on a ${WINDOW}-token window; largest request ${result.ours_max_tokens} tokens, last ${result.ours_last_tokens} vs ${naiveLast} naive; budgeting 100k tokens ${result.budget_100k_ms.toFixed(2)} ms (${(result.budget_share_of_turn * 100).toFixed(1)}% of a turn); prefix stability ${(result.prefix_stability * 100).toFixed(0)}%`);
    return result;
  } finally {
    await rt.dispose();
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
}
