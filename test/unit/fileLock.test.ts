import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../../src/core/util/fileLock';

describe('withFileLock', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-lock-'));
    file = path.join(dir, 'conv.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the lock file while the work runs and removes it after, also when the work fails', async () => {
    const seen = await withFileLock(file, async () => existsSync(`${file}.lock`));
    assert.equal(seen, true);
    assert.equal(existsSync(`${file}.lock`), false);
    await assert.rejects(withFileLock(file, () => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('takes over a lock whose owner no longer runs', async () => {
    // The pid of a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${file}.lock`, `${gone} ${os.hostname()}\n`);
    assert.equal(await withFileLock(file, async () => 'ran'), 'ran');
    assert.deepEqual(readdirSync(dir), [], 'nothing left: neither the old lock nor the one moved aside');
  });

  it('takes over a lock older than staleMs even when its owner seems alive', async () => {
    writeFileSync(`${file}.lock`, `${process.pid} ${os.hostname()}\n`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    assert.equal(await withFileLock(file, async () => 'ran', { staleMs: 30_000 }), 'ran');
  });

  it('waits for a live owner, and gives up with the lock file named', async () => {
    writeFileSync(`${file}.lock`, `${process.pid} ${os.hostname()}\n`);
    await assert.rejects(withFileLock(file, async () => 'ran', { timeoutMs: 200 }), (err: Error) => err.message.includes(`${file}.lock`) && /remove that file/.test(err.message));
    // Released by its owner meanwhile: the waiter gets it.
    setTimeout(() => rmSync(`${file}.lock`), 100);
    assert.equal(await withFileLock(file, async () => 'ran', { timeoutMs: 5_000 }), 'ran');
  });

  it('one holder at a time among concurrent callers', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(file, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
  });
});
