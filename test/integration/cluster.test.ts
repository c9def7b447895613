/**
 * Three `mcp-agent serve` instances behind nginx (deploy/nginx.conf) on one PostgreSQL and one Redis, as
 * docs/DEPLOY.md deploys them: a conversation continues on any instance; a `kill -9` of one instance under load leaves
 * the other instances' clients untouched and every turn it finished stored whole; a rolling restart with SIGTERM
 * drops no request. The model is the scripted OpenAI-compatible server (a tool turn per chat: one `fault__sleep`
 * call, then a streamed answer); the tools are the fault MCP server's, a real stdio server per instance.
 */
import * as assert from 'node:assert/strict';
import { makeWorkspace, agentEnv, request, parseSse, type TestWorkspace } from '../helpers/api';
import { startCluster, nginxBinary, type Cluster } from '../helpers/cluster';
import { requirePostgres, startPostgres, type PostgresCluster } from '../helpers/postgres';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startScriptedOpenAI, type RecordedRequest, type ScriptedOpenAI } from '../fixtures/scriptedOpenAI';

interface Outcome {
  prompt: string;
  status: number;
  upstream: string;
  done: boolean;
  conversationId?: string;
  error?: string;
}

/** One tool turn per chat: the model calls fault__sleep, then answers with the prompt's tag. */
function toolTurnModel(srv: ScriptedOpenAI, toolMs = 30): void {
  srv.setDefault((req: RecordedRequest) => {
    const messages = req.body.messages ?? [];
    const last = messages[messages.length - 1];
    const firstUser = String(messages.find((m) => m.role === 'user')?.content ?? '');
    const tag = /\[(\w+)\]/.exec(String(messages.filter((m) => m.role === 'user').pop()?.content ?? ''))?.[1] ?? 'x';
    if (last.role === 'tool') return { text: `answer for ${tag} (first: ${firstUser.slice(0, 40)})`, chunkSize: 8, delayMs: 2 };
    return { toolCalls: [{ name: 'fault__sleep', arguments: { ms: toolMs } }] };
  });
}

describe('serve as a team runs it: three instances behind nginx on PostgreSQL and Redis', function () {
  this.timeout(300_000);
  let pg: PostgresCluster | undefined;
  let redis: RedisServer | undefined;
  let model: ScriptedOpenAI;
  let ws: TestWorkspace;
  let cluster: Cluster;

  before(async function () {
    if (!nginxBinary()) {
      if (process.env.MCP_AGENT_POSTGRES === 'required') throw new Error('nginx is not installed, and MCP_AGENT_POSTGRES=required (.ci/run installs it)');
      console.log('    nginx is not installed: skipping the multi-instance tests');
      this.skip();
    }
    requirePostgres(this);
    pg = await startPostgres();
    redis = await startRedis();
    if (!redis) throw new Error('redis-server is required for the cluster test');
    model = await startScriptedOpenAI();
    toolTurnModel(model);
    ws = await makeWorkspace({ extraYaml: `cache:\n  redisUrl: ${redis.url}\n` });
    cluster = await startCluster({
      instances: 3,
      cwd: ws.dir,
      env: agentEnv(ws, model.url, { MCP_AGENT_STORE_URL: await pg.database('cluster') }),
      args: ['--drain-timeout', '30'],
    });
  });

  after(async () => {
    await cluster?.close();
    await model?.close();
    await redis?.stop();
    await pg?.stop();
  });

  /** One streaming chat through nginx; never throws (the outcome says what happened). */
  async function streamChat(prompt: string, conversationId?: string): Promise<Outcome> {
    try {
      const r = await request(cluster.port, '/chat/stream', { body: { prompt, ...(conversationId ? { conversation_id: conversationId } : {}) }, timeoutMs: 120_000 });
      const { events } = parseSse(r.text);
      const done = events.find((e) => e.type === 'done') as { type: 'done'; conversation_id?: string } | undefined;
      return { prompt, status: r.status, upstream: String(r.headers['x-upstream'] ?? ''), done: Boolean(done), conversationId: done?.conversation_id };
    } catch (err) {
      return { prompt, status: 0, upstream: '', done: false, error: (err as Error).message };
    }
  }

  async function stored(id: string): Promise<{ messages: Array<{ role: string; content: unknown }> }> {
    const r = await request(cluster.port, `/conversations/${id}`);
    assert.equal(r.status, 200, `GET /conversations/${id}: ${r.status} ${r.text.slice(0, 300)}`);
    return JSON.parse(r.text) as { messages: Array<{ role: string; content: unknown }> };
  }

  /** A whole tool turn: the user's message, the call, its result, the answer; in that order, nothing else. */
  function assertWholeTurns(messages: Array<{ role: string }>, turns: number): void {
    const roles = messages.map((m) => m.role).filter((r) => r !== 'system');
    assert.deepEqual(roles, Array.from({ length: turns }, () => ['user', 'assistant', 'tool', 'assistant']).flat(), `not ${turns} whole turns: ${roles.join(',')}`);
  }

  it('a conversation started on one instance continues on each of the others', async () => {
    const first = await streamChat('remember the word [kiwi]');
    assert.ok(first.done && first.conversationId, JSON.stringify(first));
    const id = first.conversationId;
    for (const inst of cluster.instances) {
      const before = model.chatRequests.length;
      const r = await request(inst.port, '/chat', { body: { prompt: `again on ${inst.index} [i${inst.index}]`, conversation_id: id } });
      assert.equal(r.status, 200, r.text);
      // The model saw the whole conversation so far, whichever instance ran the turn.
      const sent = (model.chatRequests[before].body.messages ?? []).map((m) => String(m.content ?? ''));
      assert.ok(sent.some((c) => c.includes('remember the word [kiwi]')), `instance ${inst.index} did not load the conversation`);
    }
    assertWholeTurns((await stored(id)).messages, 1 + cluster.instances.length);
  });

  it('kill -9 of one instance under load: the others\' clients are unaffected, and every finished turn is stored whole', async () => {
    const victim = cluster.instances[0];
    const victimAddr = `127.0.0.1:${victim.port}`;
    toolTurnModel(model, 150);
    const outcomes: Outcome[] = [];
    let n = 0;
    // Six clients, each sending turns one after another until told to stop.
    let stop = false;
    const clients = Array.from({ length: 6 }, async (_, c) => {
      while (!stop) outcomes.push(await streamChat(`client ${c} turn ${n++} [t${n}]`));
    });
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      await cluster.stop(0, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      stop = true;
      await Promise.all(clients);
      toolTurnModel(model);
    }
    await cluster.start(0);

    const byOthers = outcomes.filter((o) => o.upstream && !o.upstream.split(', ').pop()!.startsWith(victimAddr));
    assert.ok(byOthers.length >= 6, `too few turns on the other instances: ${outcomes.length} in all`);
    for (const o of byOthers) assert.ok(o.status === 200 && o.done, `a client of another instance was affected: ${JSON.stringify(o)}`);
    const finished = outcomes.filter((o) => o.done && o.conversationId);
    assert.ok(finished.some((o) => o.upstream.startsWith(victimAddr)), `the killed instance finished no turn before it died: ${JSON.stringify(outcomes.slice(0, 8))}`);
    for (const o of finished) assertWholeTurns((await stored(o.conversationId!)).messages, 1);
  });

  it('a rolling restart with SIGTERM drops no request', async () => {
    const outcomes: Outcome[] = [];
    let stop = false;
    let n = 0;
    const clients = Array.from({ length: 4 }, async (_, c) => {
      while (!stop) outcomes.push(await streamChat(`rolling ${c} ${n++} [r${n}]`));
    });
    for (const inst of cluster.instances) {
      await new Promise((r) => setTimeout(r, 700));
      const exit = await cluster.stop(inst.index, 'SIGTERM');
      assert.equal(exit.code, 0, `instance ${inst.index} did not drain cleanly: ${JSON.stringify(exit)}\n${inst.log.slice(-2000)}`);
      await cluster.start(inst.index);
    }
    stop = true;
    await Promise.all(clients);
    const failed = outcomes.filter((o) => o.status !== 200 || !o.done);
    assert.deepEqual(failed, [], `${failed.length} of ${outcomes.length} requests failed during the restart\n${cluster.nginxLog().slice(-2000)}`);
    assert.ok(outcomes.length >= 12, `too few requests during the restart: ${outcomes.length}`);
    for (const o of outcomes.slice(0, 5)) assertWholeTurns((await stored(o.conversationId!)).messages, 1);
  });
});
