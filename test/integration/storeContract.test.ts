/**
 * The conversation store contract (src/core/store/types.ts), run against each store: the file store and PostgreSQL
 * (a throwaway cluster, one fresh database per test). Appends from two processes to one conversation, against both.
 * Then what only PostgreSQL has: migrations, a database that refuses; and the CLI with a store URL it cannot use.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { ChatMessage } from '../../src/core/llm/types';
import { Conversations } from '../../src/core/store/Conversations';
import { createConversationStore } from '../../src/core/store';
import { MIGRATIONS, PostgresConversations, SCHEMA_VERSION } from '../../src/core/store/postgres';
import { ConversationError, cursorOf, type ConversationStore } from '../../src/core/store/types';
import { freePort } from '../helpers/redis';
import { requirePostgres, startPostgres, type PostgresCluster } from '../helpers/postgres';
import { assertNoStack, runCli } from '../helpers/cli';
import { agentEnv, makeWorkspace } from '../helpers/api';
import { startScriptedOpenAI } from '../fixtures/scriptedOpenAI';
import { parseSettings } from '../../src/core/config/settings';
import { AgentRuntime } from '../../src/core/runtime';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';

const ROOT = path.resolve(__dirname, '../..');
const APPENDER = path.join(ROOT, 'test/fixtures/storeAppender.ts');

async function rejectsWith(p: Promise<unknown>, kind: ConversationError['kind'], pattern?: RegExp): Promise<ConversationError> {
  let caught: ConversationError | undefined;
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConversationError, `expected ConversationError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (pattern) assert.match(err.message, pattern);
    caught = err;
    return true;
  });
  return caught!;
}

function clock(start = Date.UTC(2025, 0, 1)): { now: () => number; tick: (ms?: number) => void } {
  let t = start;
  return { now: () => t, tick: (ms = 1000) => (t += ms) };
}

const user = (content: string): ChatMessage => ({ role: 'user', content });
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');

/** What a real conversation holds: tool calls, results with images, reasoning, usage, a summary record. */
const RICH: ChatMessage[] = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'look at this', images: [{ mimeType: 'image/png', data: PNG }] },
  { role: 'assistant', content: null, reasoning: 'I should read it', tool_calls: [{ id: 'c1', name: 'fs__read', arguments: '{"p":"a"}' }] },
  { role: 'tool', tool_call_id: 'c1', name: 'fs__read', content: 'bytes \u0000 and a lone \ud800 surrogate', isError: true, images: [{ mimeType: 'image/png', data: PNG }] },
  { role: 'assistant', content: 'done', usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 } },
  { role: 'system', content: 'summary of earlier turns', summaryOf: 3 } as ChatMessage,
];

interface Harness {
  make(now?: () => number): Promise<ConversationStore>;
  /** Makes the stored conversation unreadable (a bad message). */
  corrupt(store: ConversationStore, id: string): Promise<void>;
}

function contract(name: string, harness: () => Harness): void {
  describe(`store contract: ${name}`, function () {
    this.timeout(60_000);
    let h: Harness;
    let store: ConversationStore;
    const c = clock();
    beforeEach(async () => {
      h = harness();
      store = await h.make(c.now);
      await store.check();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates and loads back everything a conversation holds (images, reasoning, usage, summaries, NUL characters)', async () => {
      const conv = await store.create({ title: 'First', model: 'gpt-x', owner: 'ann', messages: RICH, meta: { workspace: '/w' } });
      assert.match(conv.id, /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
      const back = await store.load(conv.id);
      assert.deepEqual(back, conv);
      assert.deepEqual(back.messages, RICH);
    });

    it('saves (replacing or creating) and stamps updatedAt; appends to the end', async () => {
      const conv = await store.create({ messages: [user('one')] });
      c.tick();
      const saved = await store.save({ ...conv, title: 'Renamed', messages: [user('only')] });
      assert.equal(saved.title, 'Renamed');
      assert.ok(Date.parse(saved.updatedAt) > Date.parse(conv.updatedAt));
      assert.deepEqual((await store.load(conv.id)).messages, [user('only')]);
      c.tick();
      const appended = await store.append(conv.id, [{ role: 'assistant', content: 'two' }]);
      assert.deepEqual(appended.messages, [user('only'), { role: 'assistant', content: 'two' }]);
      assert.deepEqual(await store.load(conv.id), appended);
      const fresh = await store.save({ ...conv, id: 'brandNewId123', messages: [] });
      assert.equal((await store.load(fresh.id)).messages.length, 0);
    });

    it('refuses bad ids, unknown ids and bad messages, writing nothing', async () => {
      for (const bad of ['', 'short', '../../etc/passwd', "x'; DROP TABLE conversations; --", 'a'.repeat(65)]) {
        await rejectsWith(store.load(bad), 'invalid-id');
        await rejectsWith(store.append(bad, [user('x')]), 'invalid-id');
        await rejectsWith(store.delete(bad), 'invalid-id');
      }
      await rejectsWith(store.load('nosuchconversation'), 'not-found', /not found/);
      await rejectsWith(store.append('nosuchconversation', [user('x')]), 'not-found');
      const conv = await store.create({ messages: [user('a')] });
      await rejectsWith(store.append(conv.id, [{ role: 'wizard', content: 'x' } as unknown as ChatMessage]), 'invalid', /messages/);
      await rejectsWith(store.create({ messages: [{ content: 'no role' } as unknown as ChatMessage] }), 'invalid');
      assert.deepEqual((await store.load(conv.id)).messages, [user('a')]);
      assert.equal((await store.list()).length, 1);
    });

    it('deletes: true once, then false; the conversation is gone', async () => {
      const conv = await store.create({ messages: [user('a')] });
      assert.equal(await store.delete(conv.id), true);
      assert.equal(await store.delete(conv.id), false);
      await rejectsWith(store.load(conv.id), 'not-found');
      assert.deepEqual(await store.list(), []);
    });

    it('lists most recently updated first, filters by owner, and pages with cursors', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        c.tick();
        ids.push((await store.create({ title: `c${i}`, owner: i % 2 ? 'bob' : 'ann', messages: [user(`m${i}`)] })).id);
      }
      // Two with the same updatedAt: ordered by id.
      const twin = await store.create({ title: 'twin', owner: 'ann' });
      const all = await store.list();
      assert.equal(all.length, 8);
      assert.equal(all[0].title === 'twin' || all[1].title === 'twin', true);
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1], all[i]];
        assert.ok(Date.parse(a.updatedAt) > Date.parse(b.updatedAt) || (a.updatedAt === b.updatedAt && a.id < b.id), `order at ${i}`);
      }
      assert.deepEqual(
        all.map((s) => s.messageCount),
        all.map((s) => (s.id === twin.id ? 0 : 1)),
      );
      const anns = await store.list({ owner: 'ann' });
      assert.deepEqual(
        anns.map((s) => s.owner),
        ['ann', 'ann', 'ann', 'ann', 'ann'],
      );
      assert.deepEqual(await store.list({ owner: 'nobody' }), []);
      // Page through ann's, two at a time.
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.list({ owner: 'ann', limit: 2, ...(after ? { after } : {}) });
        seen.push(...page.map((s) => s.id));
        if (page.length < 2) break;
        after = cursorOf(page[page.length - 1]);
      }
      assert.deepEqual(
        seen,
        anns.map((s) => s.id),
      );
      assert.deepEqual(await store.list({ limit: 0 }), []);
      await rejectsWith(store.list({ after: 'not-a-cursor' }), 'invalid', /cursor/);
      // An append moves a conversation to the top.
      c.tick();
      await store.append(ids[0], [user('again')]);
      const top = (await store.list({ limit: 1 }))[0];
      assert.equal(top.id, ids[0]);
      assert.equal(top.messageCount, 2);
    });

    it('applies concurrent appends from one process one after another, none lost', async () => {
      const conv = await store.create({ messages: [] });
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(conv.id, [user(`u${i}`), { role: 'assistant', content: `a${i}` }])));
      const msgs = (await store.load(conv.id)).messages;
      assert.equal(msgs.length, 40);
      for (let i = 0; i < 40; i += 2) assert.equal(`a${msgs[i].content!.slice(1)}`, msgs[i + 1].content);
    });

    it('reads a corrupt record as `corrupt`, and leaves the others listable', async () => {
      const good = await store.create({ title: 'good', messages: [user('fine')] });
      const bad = await store.create({ title: 'bad', messages: [user('soon broken'), { role: 'assistant', content: 'x' }] });
      await h.corrupt(store, bad.id);
      await rejectsWith(store.load(bad.id), 'corrupt', new RegExp(`conversation ${bad.id} is corrupt`));
      assert.deepEqual((await store.load(good.id)).messages, [user('fine')]);
      assert.ok((await store.list()).some((s) => s.id === good.id));
    });
  });
}

// --- the file store -----------------------------------------------------------------------------------------------

/** Two processes append N turns each to one conversation at once; every turn must be there, whole, in order. */
async function twoProcessAppends(kind: 'file' | 'postgres', target: string, open: () => ConversationStore): Promise<void> {
  const store = open();
  const conv = await store.create({ messages: [{ role: 'system', content: 'start' }] });
  const N = 25;
  const children = ['A', 'B'].map((tag) => {
    const child = spawn(process.execPath, ['--import', 'tsx', APPENDER, kind, target, conv.id, tag, String(N)], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`appender ${tag} exited ${code}: ${stderr}`)))));
    return { child, done };
  });
  // Both are loaded (tsx takes a while); then both go at once.
  await new Promise((r) => setTimeout(r, 1500));
  for (const { child } of children) child.stdin.end('go\n');
  await Promise.all(children.map((c) => c.done));
  const msgs = (await store.load(conv.id)).messages.slice(1);
  await store.close();
  assert.equal(msgs.length, 4 * N, 'no append lost');
  const next: Record<string, number> = { A: 0, B: 0 };
  for (let i = 0; i < msgs.length; i += 2) {
    const [tag, n] = String(msgs[i].content).split(' ');
    assert.equal(msgs[i].role, 'user');
    assert.equal(Number(n), next[tag], `${tag}'s turns in order`);
    assert.deepEqual(msgs[i + 1], { role: 'assistant', content: `${tag} ${n} answered` }, 'a turn is never split by another');
    next[tag]++;
  }
  assert.deepEqual(next, { A: N, B: N });
}

describe('file store', () => {
  const fileDirs: string[] = [];
  after(() => {
    for (const d of fileDirs) rmSync(d, { recursive: true, force: true });
  });

  contract('files', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-contract-'));
    fileDirs.push(dataDir);
    return {
      make: async (now) => new Conversations({ dataDir, now }),
      corrupt: async (_store, id) => writeFileSync(path.join(dataDir, 'conversations', `${id}.json`), '{"v":1,"id":"' + id + '","title":"bad"'),
    };
  });

  it('serializes appends from two processes to one conversation (a lock file beside it): every turn there, whole, in order', async function () {
    this.timeout(120_000);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-contract-'));
    fileDirs.push(dataDir);
    await twoProcessAppends('file', dataDir, () => new Conversations({ dataDir }));
    assert.deepEqual(readdirSync(path.join(dataDir, 'conversations')).filter((f) => !f.endsWith('.json')), [], 'no lock file left behind');
  });
});

// --- PostgreSQL -----------------------------------------------------------------------------------------------------

let cluster: PostgresCluster | undefined;
let pgUrl = '';

async function sql(url: string, text: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

describe('PostgreSQL store', function () {
  this.timeout(120_000);
  before(async function () {
    requirePostgres(this);
    cluster = await startPostgres();
  });
  after(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    pgUrl = await cluster!.database();
  });

  contract('postgres', () => ({
    make: async (now) => new PostgresConversations({ url: pgUrl, now }),
    corrupt: async (_store, id) => {
      await sql(pgUrl, `UPDATE conversation_messages SET body = '{"role":"wizard"}' WHERE conversation_id = $1 AND seq = 1`, [id]);
    },
  }));

  it('reads a conversation with a missing message row as corrupt', async () => {
    const store = new PostgresConversations({ url: pgUrl });
    try {
      const conv = await store.create({ messages: [user('a'), user('b'), user('c')] });
      await sql(pgUrl, 'DELETE FROM conversation_messages WHERE conversation_id = $1 AND seq = 1', [conv.id]);
      await rejectsWith(store.load(conv.id), 'corrupt', /message 1 is missing/);
    } finally {
      await store.close();
    }
  });

  it('serializes appends from two processes to one conversation: every turn there, whole, in each process’s order', async function () {
    this.timeout(120_000);
    await twoProcessAppends('postgres', pgUrl, () => new PostgresConversations({ url: pgUrl }));
  });

  it('creates the schema in an empty database, at the latest version, once', async () => {
    const store = new PostgresConversations({ url: pgUrl });
    try {
      assert.equal(await store.schemaVersion(), SCHEMA_VERSION);
      const rows = await sql(pgUrl, 'SELECT version FROM conversation_schema ORDER BY version');
      assert.deepEqual(
        rows.map((r) => r.version),
        MIGRATIONS.map((m) => m.version),
      );
      // Another instance opening the same database migrates nothing.
      const second = new PostgresConversations({ url: pgUrl });
      await second.check();
      await second.close();
      assert.equal((await sql(pgUrl, 'SELECT count(*)::int AS n FROM conversation_schema'))[0].n, MIGRATIONS.length);
    } finally {
      await store.close();
    }
  });

  for (const from of MIGRATIONS.slice(0, -1).map((m) => m.version).reverse()) {
    it(`migrates from schema version ${from}${from === SCHEMA_VERSION - 1 ? ' (the previous one)' : ''} with the data intact`, async () => {
      const previous = MIGRATIONS.filter((m) => m.version <= from);
      // The database as an older mcp-agent left it.
      const c = new Client({ connectionString: pgUrl });
      await c.connect();
      await c.query('CREATE TABLE conversation_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of previous) {
        await c.query(m.sql);
        await c.query('INSERT INTO conversation_schema (version, description) VALUES ($1, $2)', [m.version, m.description]);
      }
      await c.query(`INSERT INTO conversations (id, title, created_at, updated_at, model, message_count) VALUES ('olderConversation1', 'old', '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z', 'm', 2)`);
      await c.query(`INSERT INTO conversation_messages (conversation_id, seq, body) VALUES ('olderConversation1', 0, '{"role":"user","content":"hi"}'), ('olderConversation1', 1, '{"role":"assistant","content":"hello"}')`);
      await c.end();

      const store = new PostgresConversations({ url: pgUrl });
      try {
        await store.check();
        assert.equal(await store.schemaVersion(), SCHEMA_VERSION);
        const conv = await store.load('olderConversation1');
        assert.deepEqual(conv.messages, [user('hi'), { role: 'assistant', content: 'hello' }]);
        assert.equal(conv.updatedAt, '2024-05-02T00:00:00.000Z');
        assert.equal(conv.owner, undefined);
        // And it works at the new version: an image goes in by reference and comes back.
        await store.append('olderConversation1', [{ role: 'user', content: 'see', images: [{ mimeType: 'image/png', data: PNG }] }]);
        assert.equal((await store.load('olderConversation1')).messages[2].role, 'user');
        const [row] = await sql(pgUrl, 'SELECT body::text AS b FROM conversation_messages WHERE seq = 2');
        assert.doesNotMatch(String(row.b), new RegExp(PNG.slice(0, 12)), 'the image bytes are not in the message row');
        assert.equal((await sql(pgUrl, 'SELECT count(*)::int AS n FROM conversation_images'))[0].n, 1);
        assert.deepEqual(
          (await store.list()).map((s) => s.id),
          ['olderConversation1'],
        );
      } finally {
        await store.close();
      }
    });
  }

  it('refuses a schema newer than it knows', async () => {
    await sql(pgUrl, 'CREATE TABLE conversation_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    await sql(pgUrl, 'INSERT INTO conversation_schema (version, description) VALUES ($1, $2)', [SCHEMA_VERSION + 1, 'from the future']);
    const store = new PostgresConversations({ url: pgUrl });
    try {
      await rejectsWith(store.check(), 'io', /newer than this mcp-agent knows.*upgrade mcp-agent/);
    } finally {
      await store.close();
    }
  });

  it('a database that refuses: a one-line `io` error naming host and port, never the password', async () => {
    const port = await freePort();
    const store = new PostgresConversations({ url: `postgres://agent:s3cretPassw0rd@127.0.0.1:${port}/agent`, connectTimeoutMs: 5000 });
    try {
      const err = await rejectsWith(store.check(), 'io', new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      assert.doesNotMatch(err.message, /s3cretPassw0rd|\n/);
      await rejectsWith(store.load('someConversation1'), 'io', /cannot reach PostgreSQL/);
    } finally {
      await store.close();
    }
    // A wrong password is a refusal too, and says so.
    const wrong = new PostgresConversations({ url: cluster!.urlFor('postgres').replace(cluster!.password, 'notThePassword') });
    try {
      const err = await rejectsWith(wrong.check(), 'io', /cannot reach PostgreSQL at 127\.0\.0\.1:\d+: .*password authentication failed/);
      assert.doesNotMatch(err.message, /notThePassword/);
    } finally {
      await wrong.close();
    }
  });

  it('is what store.url selects; other schemes are refused by name', async () => {
    const pg = createConversationStore({ url: pgUrl });
    assert.ok(pg instanceof PostgresConversations);
    await pg.close();
    assert.ok(createConversationStore({ dataDir: os.tmpdir() }) instanceof Conversations);
    assert.throws(() => createConversationStore({ url: 'mongodb://db:27017/agent' }), /mongodb:\/\/ is not supported; use postgres:\/\/ or the file store/);
  });

  it('in the runtime: a turn is stored with the database password redacted; a save that fails later keeps the answer', async () => {
    const srv = await startScriptedOpenAI();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-pgrt-'));
    const warnings: string[] = [];
    const logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) };
    const runtime = new AgentRuntime(
      { logger, workspace: new NodeWorkspace(dir), commandRunner: new NodeCommandRunner(), clientInfo: { name: 'test', version: '0' }, dirs: { cache: path.join(dir, 'cache'), data: path.join(dir, 'data') } },
      parseSettings({ llm: { baseUrl: srv.url, apiKey: 'sk-test' }, tools: { checkpoints: false }, store: { url: pgUrl } }),
    );
    try {
      assert.ok(runtime.store instanceof PostgresConversations);
      await runtime.openStore();
      assert.ok(runtime.knownSecrets().includes(cluster!.password));
      srv.enqueue({ text: 'noted' }, { text: 'still answered' });
      const { agent } = await runtime.agent();
      const first = await agent.chat({ prompt: `the database password is ${cluster!.password}` });
      const stored = await runtime.store.load(first.conversation_id!);
      assert.equal(stored.messages[0].content, 'the database password is [redacted]');
      // The database goes away (its connections ended, the database renamed): the answer still comes, the failure is a warning.
      const db = new URL(pgUrl).pathname.slice(1);
      await sql(cluster!.url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
      await sql(cluster!.url, `ALTER DATABASE "${db}" RENAME TO "${db}_gone"`);
      const second = await agent.chat({ prompt: 'and now?', conversationId: undefined });
      assert.equal(second.reply, 'still answered');
      assert.ok(warnings.some((w) => /could not save the conversation: cannot reach PostgreSQL at 127\.0\.0\.1:\d+/.test(w)), warnings.join('\n'));
      await rejectsWith(runtime.store.check(), 'io', /cannot reach PostgreSQL/);
    } finally {
      await runtime.dispose();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the CLI (dist/cli.js) with a store URL', function () {
    this.timeout(90_000);

    it('chat continues a conversation stored in PostgreSQL', async () => {
      const srv = await startScriptedOpenAI();
      const ws = await makeWorkspace();
      try {
        srv.enqueue({ text: 'first answer' }, { text: 'second answer' });
        const env = agentEnv(ws, srv.url, { MCP_AGENT_STORE_URL: pgUrl });
        const first = await runCli(['chat', '--json', 'hello'], { cwd: ws.dir, env, timeoutMs: 60_000 });
        assert.equal(first.code, 0, first.stderr);
        const done = first.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; conversation_id?: string })
          .find((e) => e.type === 'done');
        const id = done?.conversation_id;
        assert.ok(id, first.stdout);
        const second = await runCli(['chat', '--conversation', id, 'again'], { cwd: ws.dir, env, timeoutMs: 60_000 });
        assert.equal(second.code, 0, second.stderr);
        const rows = await sql(pgUrl, 'SELECT count(*)::int AS n FROM conversation_messages WHERE conversation_id = $1', [id]);
        assert.equal(rows[0].n, 4);
      } finally {
        await srv.close();
        rmSync(path.dirname(ws.dir), { recursive: true, force: true });
      }
    });

    it('chat and serve exit non-zero at start when the database refuses, with one clear line and no password', async () => {
      const ws = await makeWorkspace();
      const port = await freePort();
      const env = agentEnv(ws, 'http://127.0.0.1:9/v1', { MCP_AGENT_STORE_URL: `postgres://agent:s3cretPassw0rd@127.0.0.1:${port}/agent` });
      try {
        for (const args of [['chat', 'hello'], ['serve', '--port', String(await freePort())]]) {
          const r = await runCli(args, { cwd: ws.dir, env, timeoutMs: 60_000 });
          assert.equal(r.code, 3, `${args[0]}: ${r.stderr}`);
          assert.match(r.stderr, new RegExp(`mcp-agent: conversation store: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
          assert.doesNotMatch(r.stderr + r.stdout, /s3cretPassw0rd/);
          assertNoStack(r.stderr);
        }
      } finally {
        rmSync(path.dirname(ws.dir), { recursive: true, force: true });
      }
    });

    it('mongodb:// (from the environment or the config) is "not supported; use postgres:// or the file store"', async () => {
      const ws = await makeWorkspace({ extraYaml: 'store:\n  url: mongodb://db:27017/agent\n' });
      try {
        const fromEnv = await runCli(['chat', 'hello'], { cwd: ws.dir, env: agentEnv(ws, 'http://127.0.0.1:9/v1', { MCP_AGENT_STORE_URL: 'mongodb://x' }) });
        assert.equal(fromEnv.code, 2, fromEnv.stderr);
        assert.match(fromEnv.stderr, /^mcp-agent: MCP_AGENT_STORE_URL: mongodb:\/\/ is not supported; use postgres:\/\/ or the file store/m);
        const fromConfig = await runCli(['serve'], { cwd: ws.dir, env: agentEnv(ws, 'http://127.0.0.1:9/v1') });
        assert.equal(fromConfig.code, 2, fromConfig.stderr);
        assert.match(fromConfig.stderr, /config\.yaml: store\.url: mongodb:\/\/ is not supported; use postgres:\/\/ or the file store/);
        assertNoStack(fromEnv.stderr + fromConfig.stderr);
      } finally {
        rmSync(path.dirname(ws.dir), { recursive: true, force: true });
      }
    });
  });
});
