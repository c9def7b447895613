import assert from 'node:assert/strict';
import { existsSync, promises as fs, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatMessage } from '../../src/core/llm/types';
import type { Logger } from '../../src/core/ports';
import { ConversationError, Conversations, isValidConversationId, newConversationId } from '../../src/core/store/Conversations';
import { writeFileAtomic } from '../../src/core/util/atomicWrite';
import { SyncBatcher } from '../../src/core/util/syncBatcher';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string) => warnings.push(m),
    error: (m: string) => warnings.push(`error: ${m}`),
  };
}

function clock(start = Date.UTC(2025, 0, 1)): { now: () => number; tick: (ms?: number) => void } {
  let t = start;
  return { now: () => t, tick: (ms = 1000) => (t += ms) };
}

async function rejectsWith(p: Promise<unknown>, kind: ConversationError['kind'], pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConversationError, `expected ConversationError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('Conversations', () => {
  let dataDir: string;
  let convDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-conv-'));
    convDir = path.join(dataDir, 'conversations');
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates one JSON file per conversation with a url-safe random id, and loads it back', async () => {
    const store = new Conversations({ dataDir });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'be brief' },
      user('hi'),
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'fs__read', arguments: '{"p":"a"}' }] },
      { role: 'tool', tool_call_id: 'c1', name: 'fs__read', content: 'data' },
    ];
    const conv = await store.create({ title: 'First', model: 'gpt-x', messages, meta: { workspace: '/w' } });
    assert.match(conv.id, /^[A-Za-z0-9_-]{22}$/);
    const file = path.join(convDir, `${conv.id}.json`);
    assert.ok(existsSync(file));
    // The file is plain JSON holding the record.
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(onDisk.title, 'First');
    assert.deepEqual(onDisk.messages, messages);

    const loaded = await new Conversations({ dataDir }).load(conv.id);
    assert.deepEqual(loaded, conv);
    assert.notEqual((await store.create()).id, conv.id);
  });

  it('never makes an id that starts with a dash or underscore (a command line would read it as an option)', () => {
    for (let i = 0; i < 5000; i++) assert.match(newConversationId(), /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
  });

  it('keeps message fields it does not know about', async () => {
    const store = new Conversations({ dataDir });
    const odd = { role: 'assistant', content: 'x', reasoning: 'because' } as ChatMessage;
    const conv = await store.create({ messages: [odd] });
    assert.deepEqual((await store.load(conv.id)).messages, [odd]);
  });

  it('save replaces the record and stamps updatedAt; append adds messages', async () => {
    const c = clock();
    const store = new Conversations({ dataDir, now: c.now });
    const conv = await store.create({ title: 't' });
    c.tick();
    const saved = await store.save({ ...conv, title: 'renamed', messages: [user('a')] });
    assert.equal(saved.updatedAt, new Date(c.now()).toISOString());
    assert.equal(saved.createdAt, conv.createdAt);
    c.tick();
    const appended = await store.append(conv.id, [user('b'), { role: 'assistant', content: 'c' }]);
    assert.equal(appended.messages.length, 3);
    const loaded = await store.load(conv.id);
    assert.equal(loaded.title, 'renamed');
    assert.deepEqual(
      loaded.messages.map((m) => m.content),
      ['a', 'b', 'c'],
    );
    assert.equal(loaded.updatedAt, new Date(c.now()).toISOString());
  });

  it('serializes concurrent appends to one conversation (none lost, in call order)', async () => {
    const store = new Conversations({ dataDir });
    const conv = await store.create();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.append(conv.id, [user(`m${i}`)])));
    const loaded = await store.load(conv.id);
    assert.deepEqual(
      loaded.messages.map((m) => m.content),
      Array.from({ length: 40 }, (_, i) => `m${i}`),
    );
    // The store keeps one empty file made ahead for its next write (SpareFile); close() removes it.
    await store.close();
    assert.deepEqual(readdirSync(convDir), [`${conv.id}.json`], 'no temp files left behind');
  });

  it('a failed append does not block later ones', async () => {
    const store = new Conversations({ dataDir });
    const conv = await store.create();
    const bad = store.append(conv.id, [{ role: 'nobody', content: 'x' } as unknown as ChatMessage]);
    const good = store.append(conv.id, [user('ok')]);
    await rejectsWith(bad, 'invalid');
    assert.equal((await good).messages.length, 1);
    assert.equal((await store.load(conv.id)).messages.length, 1);
  });

  it('list() returns summaries sorted by updatedAt, newest first', async () => {
    const c = clock();
    const store = new Conversations({ dataDir, now: c.now });
    const a = await store.create({ title: 'a', model: 'm1' });
    c.tick();
    const b = await store.create({ title: 'b' });
    c.tick();
    await store.append(a.id, [user('x'), user('y')]);
    const list = await store.list();
    assert.deepEqual(
      list.map((s) => [s.id, s.title, s.messageCount, s.model]),
      [
        [a.id, 'a', 2, 'm1'],
        [b.id, 'b', 0, undefined],
      ],
    );
    assert.equal(list[0].updatedAt, new Date(c.now()).toISOString());
    assert.ok(!('messages' in list[0]));
  });

  it('list() reads only the summary line of files this store wrote', async () => {
    const store = new Conversations({ dataDir });
    const conv = await store.create({ title: 'head only', messages: [user('a')] });
    const file = path.join(convDir, `${conv.id}.json`);
    // Break a message deep inside the file but keep it well-formed JSON: only a full read would notice.
    const text = readFileSync(file, 'utf8').replace('"role":"user"', '"role":"alien"');
    writeFileSync(file, text);
    const logger = recordingLogger();
    const other = new Conversations({ dataDir, logger });
    assert.deepEqual(
      (await other.list()).map((s) => s.title),
      ['head only'],
    );
    assert.deepEqual(logger.warnings, []);
    await rejectsWith(other.load(conv.id), 'corrupt', /messages\.0/);
  });

  it('list() falls back to a full parse for files without the summary line (e.g. hand-edited)', async () => {
    const store = new Conversations({ dataDir });
    const conv = await store.create({ title: 'pretty', messages: [user('a'), user('b')] });
    const file = path.join(convDir, `${conv.id}.json`);
    writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2));
    const [summary] = await store.list();
    assert.equal(summary.title, 'pretty');
    assert.equal(summary.messageCount, 2);
    assert.equal((await store.load(conv.id)).messages.length, 2);
  });

  it('a corrupt file is skipped by list() with one warning, and load() gives a clear error', async () => {
    const logger = recordingLogger();
    const store = new Conversations({ dataDir, logger });
    const good = await store.create({ title: 'good' });
    const truncated = await store.create({ title: 'truncated', messages: [user('a'.repeat(500))] });
    const tFile = path.join(convDir, `${truncated.id}.json`);
    const full = readFileSync(tFile, 'utf8');
    writeFileSync(tFile, full.slice(0, full.length - 100));
    const garbageId = 'AAAAAAAAAAAAAAAAAAAAAA';
    writeFileSync(path.join(convDir, `${garbageId}.json`), '\u0000\u0001 not json');

    assert.deepEqual(
      (await store.list()).map((s) => s.id),
      [good.id],
    );
    assert.equal(logger.warnings.length, 2, logger.warnings.join('\n'));
    await store.list();
    assert.equal(logger.warnings.length, 2, 'listing again does not repeat the warnings');

    await rejectsWith(store.load(truncated.id), 'corrupt', new RegExp(`conversation ${truncated.id} is corrupt`));
    await rejectsWith(store.load(garbageId), 'corrupt');
    await rejectsWith(store.append(garbageId, [user('x')]), 'corrupt');
  });

  it('a file whose content names another id is corrupt', async () => {
    const store = new Conversations({ dataDir });
    const a = await store.create({ title: 'a' });
    const otherId = 'BBBBBBBBBBBBBBBBBBBBBB';
    await fs.copyFile(path.join(convDir, `${a.id}.json`), path.join(convDir, `${otherId}.json`));
    await rejectsWith(store.load(otherId), 'corrupt', /names id/);
  });

  it('rejects ids that could escape the directory, for every operation', async () => {
    writeFileSync(path.join(dataDir, 'secret.json'), JSON.stringify({ id: 'x' }));
    const store = new Conversations({ dataDir });
    const bad = ['../secret', '..', '', 'a/b/c/d/e/f', 'abc\\..\\secret', '/etc/passwd', 'abcdefgh.json', 'abcdefgh\u0000', 'x'.repeat(65), 'short'];
    for (const id of bad) {
      assert.equal(isValidConversationId(id), false, id);
      await rejectsWith(store.load(id), 'invalid-id');
      await rejectsWith(store.append(id, [user('x')]), 'invalid-id');
      await rejectsWith(store.delete(id), 'invalid-id');
      await rejectsWith(store.save({ id, title: 't', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', messages: [] }), 'invalid-id');
    }
    assert.ok(existsSync(path.join(dataDir, 'secret.json')));
    assert.equal(existsSync(convDir), false, 'nothing was written');
  });

  it('list() ignores files whose names are not conversation ids', async () => {
    const store = new Conversations({ dataDir });
    await store.create({ title: 'real' });
    writeFileSync(path.join(convDir, 'notes.txt'), 'x');
    writeFileSync(path.join(convDir, 'bad name.json'), '{}');
    const logger = recordingLogger();
    const list = await new Conversations({ dataDir, logger }).list();
    assert.deepEqual(
      list.map((s) => s.title),
      ['real'],
    );
    assert.deepEqual(logger.warnings, []);
  });

  it('delete() removes the file and reports whether there was one', async () => {
    const store = new Conversations({ dataDir });
    const conv = await store.create();
    assert.equal(await store.delete(conv.id), true);
    assert.equal(await store.delete(conv.id), false);
    await rejectsWith(store.load(conv.id), 'not-found', /not found/);
    assert.deepEqual(await store.list(), []);
  });

  it('list() of a data dir that does not exist yet is empty', async () => {
    assert.deepEqual(await new Conversations({ dataDir: path.join(dataDir, 'nope') }).list(), []);
  });

  it('refuses to save a malformed record instead of writing what load() would reject', async () => {
    const store = new Conversations({ dataDir });
    const conv = await store.create({ title: 'ok' });
    const broken = { ...conv, messages: [{ role: 'user' }] } as unknown as typeof conv;
    await rejectsWith(store.save(broken), 'invalid');
    assert.equal((await store.load(conv.id)).title, 'ok');
  });
});

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-atomic-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes and replaces a file, leaving no temp files', async () => {
    const file = path.join(dir, 'f.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, Buffer.from('two'), { fsync: false });
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir), ['f.json']);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('concurrent writers each land whole: the result is exactly one of the contents', async () => {
    const file = path.join(dir, 'f');
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(contents.map((c) => writeFileAtomic(file, c, { fsync: false })));
    assert.ok(contents.includes(readFileSync(file, 'utf8')));
    assert.deepEqual(readdirSync(dir), ['f']);
  });

  it('hands the written file to a group commit, which syncs and closes it: no descriptor is left open', async function () {
    if (process.platform !== 'linux') this.skip();
    // This process's descriptors open on files in the test's directory.
    const openFds = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
        } catch {
          return false;
        }
      }).length;
    const batcher = new SyncBatcher(10_000);
    const small = path.join(dir, 'small.json');
    const large = path.join(dir, 'large.json');
    await writeFileAtomic(small, 'one', { fsync: false, syncLater: batcher });
    // Replaced within the window: the first file's descriptor is closed at once, the second waits for the flush.
    await writeFileAtomic(small, 'two', { fsync: false, syncLater: batcher });
    await writeFileAtomic(large, 'x'.repeat(100_000), { fsync: false, syncLater: batcher });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(openFds(), 2, 'the newest version of each file is held for the flush');
    await batcher.flush();
    assert.equal(openFds(), 0);
    assert.equal(readFileSync(small, 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir).sort(), ['large.json', 'small.json']);
  });

  it('fails cleanly when the target cannot be written, leaving the old file and no temp file', async () => {
    const file = path.join(dir, 'f');
    await writeFileAtomic(file, 'old');
    // Renaming a file over a directory fails even for root.
    const target = path.join(dir, 'sub');
    await fs.mkdir(target);
    await assert.rejects(writeFileAtomic(target, 'new'));
    assert.deepEqual(readdirSync(dir).sort(), ['f', 'sub']);
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'x'), 'new'), /ENOENT/);
    assert.equal(readFileSync(file, 'utf8'), 'old');
  });
});
