/**
 * One tool turn through `mcp-agent serve` over loopback, as an HTTP client of the API sees it: `POST /chat` to its
 * JSON answer, and `POST /chat/stream` to its last event. Against the same turn run in process by the floor (the
 * two SDKs and nothing else, bench/scenarios/turn.ts) and by @openai/agents, paired round by round in one run.
 *
 * The server is the built CLI (`dist/cli.js serve`) in its own process with its own `everything` server and a file
 * conversation store, as a user runs it. The scripted model runs in a process of its own (bench/lib/modelProcess.ts),
 * as a real model server does, so every contender pays the same model round trips, context switches included; the
 * in-process turn scenario keeps the model in the bench's process, which flatters in-process contenders.
 *
 * The floor sends exactly what serve sends: the system prompt (with the server's instructions) and the tool list are
 * taken from serve's first request to the model. A third reference is the floor behind the least HTTP server that can
 * serve it (bench/lib/servedFloor.ts), in its own process: what the hop to a server costs before it does anything.
 * On Linux the CPU each server process spends per turn is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent, request } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { errorText, EVERYTHING, ROOT, type Ctx } from '../lib/common';
import { startModelProcess, type ModelProcess } from '../lib/modelProcess';
import { startServedFloor, type ServedFloor } from '../lib/servedFloor';
import { interleaved, p50, pairedRatio } from '../lib/stats';
import { ANSWER, makeAgents, makeFloor, type Contender } from './turn';

export interface HttpTurnResult {
  http_chat_p50_ms: number;
  http_stream_p50_ms: number;
  floor_p50_ms: number;
  naive_p50_ms: number;
  agents_p50_ms: number | null;
  /** Median of paired ratios POST /chat / floor. */
  http_turn_ratio: number;
  http_stream_ratio: number;
  http_turn_ratio_vs_openai_agents: number | null;
  /** The naive served floor / the floor in process: what the hop alone costs. */
  naive_ratio: number;
  /** POST /chat / the naive served floor. */
  http_turn_ratio_vs_naive: number;
  /** The floor on serve's transport (Node's http, not the SDK's stream), and serve against it: the hop plus serve's work. */
  floor_same_transport_p50_ms: number;
  http_turn_ratio_same_transport: number;
  /**
   * POST /chat / the floor over the first rounds after serve started (at most 50), all contenders still cold: what a
   * freshly started server costs before V8 has optimized it. The figures above are its steady state.
   */
  http_turn_ratio_cold: number;
  /** CPU time of the serve process, and of the naive server's, per turn (null off Linux). */
  cpu_ms_per_turn: number | null;
  naive_cpu_ms_per_turn: number | null;
  agents_error?: string;
}

const KEY = 'sk-bench-http';
/**
 * The scripted model stands for a chat model of today (128k tokens, as gpt-4o-mini). Left unknown, the window would be
 * the conservative 8k default, whose tool share is smaller than the everything server's definitions: every request
 * would then rank the tools and send a subset, which the floor does not do.
 */
const BENCH_WINDOW = 128_000;

/** Starts `mcp-agent serve` on a free port; resolves once it listens. */
async function startServe(srv: ModelProcess, dir: string): Promise<{ child: ChildProcess; port: number }> {
  const config = path.join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } }, llm: { baseUrl: srv.url, model: 'bench-model', apiKey: KEY, contextWindow: BENCH_WINDOW } }));
  // MCP_AGENT_BENCH_PROFILE=DIR writes a CPU profile of the serve process there (node --cpu-prof).
  const prof = process.env.MCP_AGENT_BENCH_PROFILE;
  const logFile = path.join(dir, 'serve.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), process.env.MCP_AGENT_BENCH_CLI ?? path.join(ROOT, 'dist/cli.js'), 'serve', '--port', '0', '--config', config, '--yes', '--workspace', dir], {
    cwd: dir,
    env: { ...process.env, MCP_AGENT_DATA_DIR: path.join(dir, 'data'), MCP_AGENT_CACHE_DIR: path.join(dir, 'cache'), OPENAI_API_KEY: '' },
    stdio: ['ignore', 'ignore', log],
  });
  closeSync(log);
  // Its log (a line per request) goes to a file, as a deployment's would: the bench process is the client being
  // timed, so it must not also be woken to read every log line.
  const logText = (): string => readFileSync(logFile, 'utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(logText());
      if (m) {
        clearInterval(poll);
        resolve(Number(m[1]));
      } else if (Date.now() - started > 60_000) {
        clearInterval(poll);
        reject(new Error(`serve did not start: ${logText()}`));
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`serve exited ${code}: ${logText()}`));
    });
  });
  return { child, port };
}

/** One request on a kept-alive connection; resolves with the whole body. */
function post(agent: HttpAgent, port: number, route: string, body?: unknown): Promise<string> {
  const data = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) };
    const req = request({ host: '127.0.0.1', port, path: route, method: body === undefined ? 'GET' : 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${route}: HTTP ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** CPU time (user + system) a process has used, in ms; undefined where /proc is not there. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export async function benchHttpTurn(ctx: Ctx): Promise<HttpTurnResult> {
  const { profile, log, notes } = ctx;
  const srv = await startModelProcess();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-agent-bench-http-'));
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const opened: Contender[] = [];
  let child: ChildProcess | undefined;
  let naive: ServedFloor | undefined;
  let agentsError: string | undefined;
  try {
    const [serve, agents] = await Promise.all([
      startServe(srv, dir),
      makeAgents(srv).catch((err: unknown) => {
        agentsError = `@openai/agents could not run here: ${errorText(err)}`;
        return undefined;
      }),
    ]);
    child = serve.child;
    // The floor sends what serve sends (its system prompt with the server's instructions, every tool it offers), so
    // the ratio measures the code between, not the size of the request: both are taken from serve's first request.
    await srv.script({ text: 'ready' });
    await post(agent, serve.port, '/chat', { messages: [{ role: 'user', content: 'hello' }] });
    const sent = (await srv.chatRequests())[0]?.body as { messages?: Array<{ role: string; content: unknown }>; tools?: ChatCompletionFunctionTool[] } | undefined;
    const system = sent?.messages?.[0];
    if (system?.role !== 'system' || typeof system.content !== 'string' || !sent?.tools?.length) throw new Error('serve\'s first request has no system prompt or no tools');
    const same = { systemPrompt: system.content, tools: sent.tools, toolsAsSent: true };
    const floor = await makeFloor(srv, same);
    const floorHttp = await makeFloor(srv, { ...same, transport: 'node-http' });
    naive = await startServedFloor({ modelUrl: srv.url, ...same });
    const naivePort = naive.port;
    child = serve.child;
    opened.push(floor, floorHttp);
    if (agents) opened.push(agents);
    if (agentsError) notes.push(`http_turn_ratio_vs_openai_agents: null, ${agentsError}`);
    const expected = ANSWER.text ?? '';
    let seq = 0;
    const check = async (name: string, text: string, n: number) => {
      if (text !== expected) throw new Error(`${name}: unexpected answer ${JSON.stringify(text.slice(0, 80))}`);
      const toolMsg = (await srv.chatRequests())[1]?.body.messages?.find((m) => m.role === 'tool');
      if (typeof toolMsg?.content !== 'string' || !toolMsg.content.includes(`hello ${n}`)) throw new Error(`${name}: the tool result did not reach the model`);
    };
    const timed = (name: string, toolName: string, turn: (n: number) => Promise<string>) => async (): Promise<number> => {
      const n = seq++;
      await srv.script({ toolCalls: [{ name: toolName, arguments: { message: `hello ${n}` } }] }, ANSWER);
      const t0 = performance.now();
      const text = await turn(n);
      const ms = performance.now() - t0;
      await check(name, text, n);
      return ms;
    };
    const chat = timed('POST /chat', 'everything__echo', async (n) => (JSON.parse(await post(agent, serve.port, '/chat', { messages: [{ role: 'user', content: `echo ${n}` }] })) as { reply: string }).reply);
    const stream = timed('POST /chat/stream', 'everything__echo', async (n) => {
      const body = await post(agent, serve.port, '/chat/stream', { messages: [{ role: 'user', content: `echo ${n}` }] });
      const events = body
        .split('\n\n')
        .filter((f) => f.startsWith('data: '))
        .map((f) => JSON.parse(f.slice(6)) as { type: string; text?: string });
      const done = events[events.length - 1];
      if (done?.type !== 'done') throw new Error(`/chat/stream ended without done: ${body.slice(-200)}`);
      return done.text ?? '';
    });
    const naiveChat = timed('naive served floor', floor.toolName, async (n) => (JSON.parse(await post(agent, naivePort, '/chat', { messages: [{ role: 'user', content: `echo ${n}` }] })) as { reply: string }).reply);
    const fns = [chat, timed('floor', floor.toolName, (n) => floor.turn(n)), stream, naiveChat, timed('floor on node-http', floorHttp.toolName, (n) => floorHttp.turn(n))];
    if (agents) fns.push(timed('@openai/agents', agents.toolName, (n) => agents.turn(n)));
    // serve is a fresh process: warm it (and everything else) to its steady state, which is what a long-running
    // server gives its users. The first rounds are kept as the cold figure.
    const warm = await interleaved(profile.httpWarmup, fns);
    const coldRounds = Math.min(50, profile.httpWarmup);
    // Each server process works only during its own turns: its CPU over the run, per turn it served.
    const cpu0 = [cpuMs(serve.child.pid), cpuMs(naive.pid)];
    const [c, f, s, nv, fh, a] = await interleaved(profile.turns, fns);
    const cpu1 = [cpuMs(serve.child.pid), cpuMs(naive.pid)];
    const perTurn = (i: number, turns: number) => {
      const [before, after] = [cpu0[i], cpu1[i]];
      return before === undefined || after === undefined ? null : (after - before) / turns;
    };
    const result: HttpTurnResult = {
      http_chat_p50_ms: p50(c),
      http_stream_p50_ms: p50(s),
      floor_p50_ms: p50(f),
      naive_p50_ms: p50(nv),
      agents_p50_ms: a ? p50(a) : null,
      http_turn_ratio: pairedRatio(c, f),
      http_stream_ratio: pairedRatio(s, f),
      http_turn_ratio_vs_openai_agents: a ? pairedRatio(c, a) : null,
      naive_ratio: pairedRatio(nv, f),
      http_turn_ratio_vs_naive: pairedRatio(c, nv),
      floor_same_transport_p50_ms: p50(fh),
      http_turn_ratio_same_transport: pairedRatio(c, fh),
      http_turn_ratio_cold: pairedRatio(warm[0].slice(0, coldRounds), warm[1].slice(0, coldRounds)),
      cpu_ms_per_turn: perTurn(0, c.length + s.length),
      naive_cpu_ms_per_turn: perTurn(1, nv.length),
      ...(agentsError ? { agents_error: agentsError } : {}),
    };
    log(`  http: POST /chat p50 ${result.http_chat_p50_ms.toFixed(2)} ms, /chat/stream p50 ${result.http_stream_p50_ms.toFixed(2)} ms, floor in process p50 ${result.floor_p50_ms.toFixed(2)} ms (on serve's transport ${result.floor_same_transport_p50_ms.toFixed(2)} ms), naive served floor p50 ${result.naive_p50_ms.toFixed(2)} ms${a ? `, @openai/agents p50 ${p50(a).toFixed(2)} ms` : ''} (${c.length} turns each, after ${profile.httpWarmup} rounds of warm-up; POST /chat / floor over the first ${coldRounds}: ${result.http_turn_ratio_cold.toFixed(2)})`);
    return result;
  } finally {
    agent.destroy();
    for (const o of opened) await o.close().catch(() => undefined);
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await naive?.close();
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  }
}
