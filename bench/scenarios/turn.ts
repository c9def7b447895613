/**
 * One full tool turn, three ways, against the same scripted OpenAI-compatible server: the model streams a call to
 * `echo`, the client runs it on a stdio MCP server (the reference `everything` server, one instance per contender),
 * sends the result back, and the model streams a 50-token answer.
 *
 * - ours: ChatSession + Toolbox + AgentManager + OpenAIProvider, built as the CLI builds them (a file cache in a
 *   temp dir; each turn echoes a different message, so the cache never answers for the tool, but `echo` is
 *   read-only and idempotent, so every call pays a cache lookup and a memory-tier write; a call this fast is not
 *   written to disk, see Toolbox `persistMinMs`). Also timed without a cache, and with every result written to the
 *   file tier (`persistMinMs: 0`), which is what a slow cacheable tool pays.
 * - floor: the least code that can do the same with the `openai` SDK and the MCP SDK (tool list fetched once).
 *   Ours streams its model requests on Node's `http` (src/core/llm/eventStream.ts), which costs far less than the
 *   SDK's fetch and stream; so the same floor on that transport is timed too, which leaves our loop's own overhead.
 * - @openai/agents: Agent + Runner, Chat Completions model, MCPServerStdio with its tool list cached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import OpenAI from 'openai';
import type { ChatCompletionFunctionTool, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ApprovalPolicy } from '../../src/core/agent/approvals';
import { ChatSession } from '../../src/core/agent/ChatSession';
import { Toolbox } from '../../src/core/agent/toolbox';
import { Cache } from '../../src/core/cache';
import { openEventStream } from '../../src/core/llm/eventStream';
import { OpenAIProvider } from '../../src/core/llm/openai';
import { AgentManager } from '../../src/core/mcp/AgentManager';
import type { ApprovalDecision, Approver } from '../../src/core/ports';
import { startScriptedOpenAI, type ReplyScript, type ScriptedOpenAI } from '../../test/fixtures/scriptedOpenAI';
import { errorText, everythingDef, EVERYTHING, rawStdioClient, type Ctx } from '../lib/common';
import { interleaved, p50, pairedRatio, percentile, ratio } from '../lib/stats';

export const SYSTEM_PROMPT = 'You are a benchmark.';
/** 50 deltas of one short word each: the streamed 50-token answer. */
export const ANSWER: ReplyScript = { text: 'tok '.repeat(50), chunkSize: 4 };
const MODEL = 'bench-model';

export interface TurnResult {
  ours_p50_ms: number;
  /** ours without a result cache (how tests and a cache-less setup build it). */
  ours_nocache_p50_ms: number;
  /** ours with every cacheable result written to the file tier (what a slow tool's result costs). */
  ours_persist_all_p50_ms: number;
  floor_p50_ms: number;
  agents_p50_ms: number | null;
  ours_p90_ms: number;
  floor_p90_ms: number;
  /** Median of per-round paired ratios ours / floor (headline). */
  overhead_ratio: number;
  /** p50(ours) / p50(floor). */
  overhead_p50_ratio: number;
  overhead_ratio_nocache: number;
  overhead_ratio_persist_all: number;
  /** The floor on ours' transport (Node's http instead of the SDK's stream): what our loop itself adds. */
  floor_same_transport_p50_ms: number;
  overhead_ratio_same_transport: number;
  ratio_vs_agents: number | null;
  ratio_vs_agents_p50: number | null;
  agents_error?: string;
}

export class AllowAll implements Approver {
  async request(): Promise<ApprovalDecision> {
    return 'allow';
  }
}

/** A turn runner: resolves with the final answer text. `i` makes every turn's tool arguments unique. */
type TurnFn = (i: number) => Promise<string>;

export interface Contender {
  name: string;
  /** The tool name the scripted model must call for this contender. */
  toolName: string;
  turn: TurnFn;
  close(): Promise<void>;
}

/** Starts the `everything` server for `ours` (shared by the cached and the cache-less variant). */
export async function startOursManager(): Promise<AgentManager> {
  const manager = new AgentManager();
  await manager.apply([everythingDef('everything')]);
  if (manager.servers()[0]?.state !== 'connected') throw new Error(`everything did not connect: ${manager.servers()[0]?.lastError}`);
  return manager;
}

export function makeOurs(srv: ScriptedOpenAI, manager: AgentManager, cacheDir: string | undefined, persistMinMs?: number): Contender {
  const cache = cacheDir === undefined ? undefined : new Cache({ dir: cacheDir });
  const toolbox = new Toolbox({ manager, cache, ...(persistMinMs === undefined ? {} : { persistMinMs }) });
  const session = new ChatSession({
    provider: new OpenAIProvider({ baseUrl: srv.url, model: MODEL, apiKey: 'sk-bench' }),
    toolbox,
    approvals: new ApprovalPolicy(new AllowAll()),
    systemPrompt: SYSTEM_PROMPT,
  });
  return {
    name: !cache ? 'ours-nocache' : persistMinMs === 0 ? 'ours-persist-all' : 'ours',
    toolName: 'everything__echo',
    turn: async (i) => {
      const r = await session.runTurn([], `echo ${i}`, () => undefined);
      if (r.stopReason !== 'completed') throw new Error(`ours: turn ended ${r.stopReason}: ${r.error}`);
      return r.text;
    },
    close: async () => {
      await cache?.close();
    },
  };
}

export interface FloorSame {
  systemPrompt?: string;
  tools?: ChatCompletionFunctionTool[];
  toolsAsSent?: boolean;
  /** `sdk` (default): `chat.completions.create`; `node-http`: the transport ours streams on. */
  transport?: 'sdk' | 'node-http';
}

/** The floor: a hand-written loop on the two SDKs, nothing it does not need. */
/**
 * `same`: what the contender it is compared with sends besides the MCP server's tools (its system prompt, its
 * built-in tools' definitions), so both requests are the same size and only the code between differs. With
 * `toolsAsSent`, `tools` is the whole list as the contender sent it (the MCP server's tools included, by their
 * namespaced names).
 */
export async function makeFloor(srv: { url: string }, same: FloorSame = {}): Promise<Contender> {
  const mcp: Client = await rawStdioClient(everythingDef('floor'));
  const openai = new OpenAI({ baseURL: srv.url, apiKey: 'sk-bench', maxRetries: 0 });
  const prefix = 'everything__';
  const tools: ChatCompletionFunctionTool[] = same.toolsAsSent ? (same.tools ?? []) : [
    ...(same.tools ?? []),
    ...(await mcp.listTools()).tools.map((t): ChatCompletionFunctionTool => ({
      type: 'function',
      function: { name: prefix + t.name, description: t.description ?? '', parameters: t.inputSchema },
    })),
  ];
  const turn: TurnFn = async (i) => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: same.systemPrompt ?? SYSTEM_PROMPT },
      { role: 'user', content: `echo ${i}` },
    ];
    for (;;) {
      const params = { model: MODEL, messages, tools, stream: true, stream_options: { include_usage: true } } as const;
      const stream =
        same.transport === 'node-http'
          ? await openEventStream({ url: `${srv.url}/chat/completions`, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body: JSON.stringify(params), headersTimeoutMs: 60_000 })
          : await openai.chat.completions.create(params);
      let text = '';
      const calls: { id: string; name: string; args: string }[] = [];
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta;
        if (delta?.content) text += delta.content;
        for (const tc of delta?.tool_calls ?? []) {
          const c = (calls[tc.index] ??= { id: '', name: '', args: '' });
          if (tc.id) c.id = tc.id;
          if (tc.function?.name) c.name += tc.function.name;
          if (tc.function?.arguments) c.args += tc.function.arguments;
        }
      }
      if (calls.length === 0) return text;
      messages.push({ role: 'assistant', content: text || null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) });
      const results = await Promise.all(
        calls.map((c) => mcp.callTool({ name: c.name.slice(prefix.length), arguments: JSON.parse(c.args) as Record<string, unknown> })),
      );
      results.forEach((r, k) => {
        const content = (r.content as Array<{ type: string; text?: string }>).map((p) => p.text ?? '').join('');
        messages.push({ role: 'tool', tool_call_id: calls[k].id, content });
      });
    }
  };
  return { name: same.transport === 'node-http' ? 'floor-node-http' : 'floor', toolName: 'everything__echo', turn, close: () => mcp.close() };
}

export async function makeAgents(srv: { url: string }): Promise<Contender> {
  const { Agent, Runner, MCPServerStdio } = await import('@openai/agents');
  const { OpenAIProvider: AgentsOpenAIProvider } = await import('@openai/agents-openai');
  const mcp = new MCPServerStdio({
    name: 'everything',
    command: process.execPath,
    args: [EVERYTHING, 'stdio'],
    cacheToolsList: true,
    logger: undefined,
    // Bounds only, for a loaded machine (its default request timeout failed a set-up once): nothing here is timed.
    timeout: 60_000,
    clientSessionTimeoutSeconds: 60,
  });
  await mcp.connect();
  const provider = new AgentsOpenAIProvider({ baseURL: srv.url, apiKey: 'sk-bench', useResponses: false });
  const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
  const agent = new Agent({ name: 'bench', instructions: SYSTEM_PROMPT, model: MODEL, mcpServers: [mcp] });
  return {
    name: '@openai/agents',
    toolName: 'echo',
    turn: async (i) => {
      const result = await runner.run(agent, `echo ${i}`, { stream: true });
      let text = '';
      for await (const piece of result.toTextStream()) text += piece;
      await result.completed;
      return text;
    },
    close: () => mcp.close(),
  };
}

export async function benchTurn(ctx: Ctx): Promise<TurnResult> {
  const { profile, log, notes } = ctx;
  const srv = await startScriptedOpenAI();
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-bench-cache-'));
  /** Everything opened, for clean-up even when set-up fails half way. */
  const opened: Contender[] = [];
  let manager: AgentManager | undefined;
  let agentsError: string | undefined;
  try {
    // Set-up is not timed: start the server processes side by side.
    const setupStarted = performance.now();
    const [m, floor, floorHttp, agents] = await Promise.allSettled([
      startOursManager(),
      makeFloor(srv),
      makeFloor(srv, { transport: 'node-http' }),
      makeAgents(srv).catch((err: unknown) => {
        agentsError = `@openai/agents could not run here: ${errorText(err)}`;
        return undefined;
      }),
    ]);
    if (m.status === 'fulfilled') manager = m.value;
    if (floor.status === 'fulfilled') opened.push(floor.value);
    if (floorHttp.status === 'fulfilled') opened.push(floorHttp.value);
    if (agents.status === 'fulfilled' && agents.value) opened.push(agents.value);
    if (m.status === 'rejected') throw m.reason;
    if (floor.status === 'rejected') throw floor.reason;
    if (floorHttp.status === 'rejected') throw floorHttp.reason;
    const ours = makeOurs(srv, m.value, cacheDir);
    const oursNoCache = makeOurs(srv, m.value, undefined);
    const oursPersistAll = makeOurs(srv, m.value, path.join(cacheDir, 'persist-all'), 0);
    opened.push(ours, oursNoCache, oursPersistAll);
    const contenders = [ours, floor.value, oursNoCache, oursPersistAll, floorHttp.value];
    if (agents.status === 'fulfilled' && agents.value) contenders.push(agents.value);
    log(`  set-up (4 servers${agentsError ? '' : ', @openai/agents'}) ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
    if (agentsError) {
      notes.push(`turn_ratio_vs_openai_agents: null, ${agentsError}`);
      log(`  ${agentsError}`);
    }
    const expected = ANSWER.text ?? '';
    // Never the same arguments twice, so a result cache cannot answer for the tool.
    let seq = 0;
    const fns = contenders.map((c) => async (): Promise<number> => {
      const n = seq++;
      srv.reset();
      srv.enqueue({ toolCalls: [{ name: c.toolName, arguments: { message: `hello ${n}` } }] }, ANSWER);
      const t0 = performance.now();
      const text = await c.turn(n);
      const ms = performance.now() - t0;
      if (text !== expected) throw new Error(`${c.name}: unexpected answer ${JSON.stringify(text.slice(0, 80))}`);
      const toolMsg = srv.chatRequests[1]?.body.messages?.find((m) => m.role === 'tool');
      if (typeof toolMsg?.content !== 'string' || !toolMsg.content.includes(`hello ${n}`)) {
        throw new Error(`${c.name}: the tool result did not reach the model (${JSON.stringify(toolMsg?.content)})`);
      }
      return ms;
    });
    await interleaved(profile.turnWarmup, fns);
    const samples = await interleaved(profile.turns, fns);
    const [o, f, nc, pa, fh] = samples;
    const a = samples[5];
    const result: TurnResult = {
      ours_p50_ms: p50(o),
      ours_nocache_p50_ms: p50(nc),
      ours_persist_all_p50_ms: p50(pa),
      floor_p50_ms: p50(f),
      agents_p50_ms: a ? p50(a) : null,
      ours_p90_ms: percentile(o, 90),
      floor_p90_ms: percentile(f, 90),
      overhead_ratio: pairedRatio(o, f),
      overhead_p50_ratio: ratio(p50(o), p50(f)),
      overhead_ratio_nocache: pairedRatio(nc, f),
      overhead_ratio_persist_all: pairedRatio(pa, f),
      floor_same_transport_p50_ms: p50(fh),
      overhead_ratio_same_transport: pairedRatio(o, fh),
      ratio_vs_agents: a ? pairedRatio(o, a) : null,
      ratio_vs_agents_p50: a ? ratio(p50(o), p50(a)) : null,
      ...(agentsError ? { agents_error: agentsError } : {}),
    };
    log(
      `  turn: ours p50 ${result.ours_p50_ms.toFixed(2)} ms (no cache ${result.ours_nocache_p50_ms.toFixed(2)} ms, every result to disk ${result.ours_persist_all_p50_ms.toFixed(2)} ms), floor p50 ${result.floor_p50_ms.toFixed(2)} ms (on ours' transport ${result.floor_same_transport_p50_ms.toFixed(2)} ms)` +
        (a ? `, @openai/agents p50 ${p50(a).toFixed(2)} ms` : '') +
        ` (${o.length} turns each)`,
    );
    return result;
  } finally {
    for (const c of opened) await c.close().catch(() => undefined);
    await manager?.dispose();
    await srv.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}
