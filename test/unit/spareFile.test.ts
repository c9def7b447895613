import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Conversations } from '../../src/core/store/Conversations';
import { SpareFile, writeFileAtomic } from '../../src/core/util/atomicWrite';

const spares = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('.spare.'));

const until = async (what: string, done: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!done()) throw new Error(`timed out waiting until ${what}`);
};

/** Once the spare made in the threadpool is ready: its path. */
async function spareIn(dir: string, spare: SpareFile): Promise<string> {
  await until('a spare is ready', () => spare.ready);
  const names = spares(dir);
  assert.equal(names.length, 1, names.join(', '));
  return path.join(dir, names[0]);
}

describe('SpareFile: the next small write uses a file made ahead', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-spare-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes into the spare and renames it into place, then makes the next one', async function () {
    if (process.platform === 'win32') this.skip();
    const spare = new SpareFile();
    const file = path.join(dir, 'c.json');
    await writeFileAtomic(file, 'one', { fsync: false, spare });
    const made = await spareIn(dir, spare);
    const inode = statSync(made).ino;
    await writeFileAtomic(file, 'two', { fsync: false, spare });
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.equal(statSync(file).ino, inode, 'the file now in place is the spare that was made ahead');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const next = await spareIn(dir, spare);
    assert.notEqual(next, made);
    spare.close();
    assert.deepEqual(readdirSync(dir), ['c.json'], 'close() removes the spare');
    await writeFileAtomic(file, 'three', { fsync: false, spare });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(readdirSync(dir), ['c.json'], 'and makes no more');
  });

  it('still writes when the spare was removed under it, and never uses one made for another directory or mode', async function () {
    if (process.platform === 'win32') this.skip();
    const spare = new SpareFile();
    const file = path.join(dir, 'c.json');
    await writeFileAtomic(file, 'one', { fsync: false, spare });
    await fs.unlink(await spareIn(dir, spare));
    await writeFileAtomic(file, 'two', { fsync: false, spare });
    assert.equal(readFileSync(file, 'utf8'), 'two');

    const made = await spareIn(dir, spare);
    const other = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-spare-other-'));
    try {
      await writeFileAtomic(path.join(other, 'x.json'), 'elsewhere', { fsync: false, spare });
      assert.equal(readFileSync(path.join(other, 'x.json'), 'utf8'), 'elsewhere');
      assert.deepEqual(spares(dir), [], `the spare for ${dir} was not used elsewhere, and was removed`);
      const inOther = await spareIn(other, spare);
      await writeFileAtomic(path.join(other, 'y.json'), 'shared', { fsync: false, spare, mode: 0o644 });
      assert.equal(statSync(path.join(other, 'y.json')).mode & 0o777, 0o644, 'a spare made 0600 is not used for a 0644 file');
      assert.ok(!readdirSync(other).includes(path.basename(inOther)));
    } finally {
      spare.close();
      rmSync(other, { recursive: true, force: true });
    }
    assert.ok(!readdirSync(dir).includes(path.basename(made)));
  });

  it('leaves no spare behind when a process exits without closing its store', function () {
    if (process.platform === 'win32') this.skip();
    const child = path.join(dir, 'child.ts');
    writeFileSync(
      child,
      `
      import { readdirSync } from 'node:fs';
      import { Conversations } from ${JSON.stringify(path.resolve('src/core/store/Conversations.ts'))};
      void (async () => {
        const store = new Conversations({ dataDir: ${JSON.stringify(dir)} });
        await store.create({ title: 'a' });
        await store.create({ title: 'b' });
        await new Promise((r) => setTimeout(r, 100));
        console.log(readdirSync(${JSON.stringify(path.join(dir, 'conversations'))}).filter((n) => n.startsWith('.spare.')).length);
        await store.flush();
        process.exit(0);
      })();
      `,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '1', 'the store held one spare while it ran');
    const left = readdirSync(path.join(dir, 'conversations'));
    assert.equal(left.length, 2);
    assert.ok(left.every((n) => n.endsWith('.json')), left.join(', '));
  });

  it('Conversations.list() removes temp files a crashed process left an hour ago, and keeps newer ones', async () => {
    const store = new Conversations({ dataDir: dir });
    const conv = await store.create({ title: 'kept' });
    const convDir = path.join(dir, 'conversations');
    const old = path.join(convDir, '.spare.123.abc.0.tmp');
    const recent = path.join(convDir, `.${conv.id}.json.123.abc.1.tmp`);
    writeFileSync(old, '');
    writeFileSync(recent, '{"partial');
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    assert.deepEqual((await store.list()).map((s) => s.title), ['kept']);
    const names = readdirSync(convDir);
    assert.ok(!names.includes(path.basename(old)), 'the hour-old temp file is gone');
    assert.ok(names.includes(path.basename(recent)), 'a recent one may belong to a write in progress');
    await store.close();
  });
});
