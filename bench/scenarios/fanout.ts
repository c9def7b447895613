/**
 * Fan-out: one model message with N `sleep {ms: 100}` calls spread round-robin over M fault servers, through
 * ChatSession. The figure is the wall time of the tool phase (first tool_call event to last tool_result event)
 * divided by 100 ms: 1.0 would be perfect overlap.
 */
import { ApprovalPolicy } from '../../src/core/agent/approvals';
import { ChatSession, DEFAULTS, type AgentEvent } from '../../src/core/agent/ChatSession';
import { Toolbox } from '../../src/core/agent/toolbox';
import { OpenAIProvider } from '../../src/core/llm/openai';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import { startScriptedOpenAI } from '../../test/fixtures/scriptedOpenAI';
import { faultDef, type Ctx } from '../lib/common';
import { p50 } from '../lib/stats';
import { AllowAll, SYSTEM_PROMPT } from './turn';

export const SLEEP_MS = 100;

export interface FanoutResult {
  /** Tool-phase wall time / 100 ms, p50, with maxParallelTools = the call count. */
  ratio: number;
  tool_phase_p50_ms: number;
  /** The same with ChatSession's default maxParallelTools. */
  default_parallel_ratio: number;
  default_parallel: number;
}

export async function benchFanout(ctx: Ctx): Promise<FanoutResult> {
  const { profile, log } = ctx;
  const srv = await startScriptedOpenAI();
  const manager = new AgentManager();
  try {
    const names = Array.from({ length: profile.fanoutServers }, (_, i) => `f${i}`);
    await manager.apply(names.map((n) => faultDef(n)));
    const down = manager.servers().filter((s) => s.state !== 'connected');
    if (down.length) throw new Error(`fault servers did not connect: ${down.map((s) => `${s.name}: ${s.lastError}`).join('; ')}`);
    const provider = new OpenAIProvider({ baseUrl: srv.url, model: 'bench-model', apiKey: 'sk-bench' });
    const session = (maxParallelTools: number) =>
      new ChatSession({ provider, toolbox: new Toolbox({ manager }), approvals: new ApprovalPolicy(new AllowAll()), systemPrompt: SYSTEM_PROMPT, maxParallelTools });
    const wide = session(profile.fanoutCalls);
    const narrow = session(DEFAULTS.maxParallelTools);

    const phase = async (s: ChatSession): Promise<number> => {
      srv.reset();
      srv.enqueue(
        { toolCalls: Array.from({ length: profile.fanoutCalls }, (_, i) => ({ name: `${names[i % names.length]}__sleep`, arguments: { ms: SLEEP_MS } })) },
        { text: 'done' },
      );
      let first = Infinity;
      let last = -Infinity;
      let results = 0;
      let failure: string | undefined;
      const onEvent = (e: AgentEvent) => {
        if (e.type === 'tool_call') first = Math.min(first, performance.now());
        if (e.type === 'tool_result') {
          last = Math.max(last, performance.now());
          results++;
          if (e.isError) failure ??= e.content;
        }
      };
      const r = await s.runTurn([], 'sleep a lot', onEvent);
      if (failure !== undefined) throw new Error(`fan-out call failed: ${failure}`);
      if (r.stopReason !== 'completed' || results !== profile.fanoutCalls) throw new Error(`fan-out turn: ${r.stopReason}, ${results} results`);
      return last - first;
    };
    await phase(wide); // warm-up
    const w: number[] = [];
    const d: number[] = [];
    for (let i = 0; i < profile.fanoutReps; i++) {
      w.push(await phase(wide));
      d.push(await phase(narrow));
    }
    const result = {
      ratio: p50(w) / SLEEP_MS,
      tool_phase_p50_ms: p50(w),
      default_parallel_ratio: p50(d) / SLEEP_MS,
      default_parallel: DEFAULTS.maxParallelTools,
    };
    log(
      `  fan-out ${profile.fanoutCalls} x sleep ${SLEEP_MS} ms over ${names.length} servers: tool phase p50 ${p50(w).toFixed(1)} ms (maxParallelTools ${profile.fanoutCalls}), ` +
        `${p50(d).toFixed(1)} ms with the default ${DEFAULTS.maxParallelTools}`,
    );
    return result;
  } finally {
    await manager.dispose();
    await srv.close();
  }
}
