/** Checkpoints against real git and real files: snapshot, restore (undoable), the user's own .git untouched. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Checkpoints, GIT_MISSING } from '../../src/core/checkpoints/Checkpoints';

/** Every file under `dir` (the user's .git included) with its content, for before/after comparison. */
function tree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tree(p, base, out);
    else out[path.relative(base, p)] = fs.readFileSync(p).toString('base64');
  }
  return out;
}

describe('checkpoints (a shadow git repository)', function () {
  this.timeout(30_000);
  let root: string;
  let ws: string;
  let cp: Checkpoints;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoints-'));
    ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'src', 'a.ts'), 'export const a = 1;\r\n');
    fs.writeFileSync(path.join(ws, 'keep.txt'), 'keep me\n');
    fs.writeFileSync(path.join(ws, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    fs.writeFileSync(path.join(ws, '.gitignore'), 'ignored/\n');
    fs.mkdirSync(path.join(ws, 'ignored'));
    fs.writeFileSync(path.join(ws, 'ignored', 'x.log'), 'log 1\n');
    // The user's own repository, with a commit and a dirty file.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, env: { ...process.env, GIT_AUTHOR_NAME: 'u', GIT_AUTHOR_EMAIL: 'u@x', GIT_COMMITTER_NAME: 'u', GIT_COMMITTER_EMAIL: 'u@x' } });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'user commit');
    fs.writeFileSync(path.join(ws, 'keep.txt'), 'keep me, edited by the user\n');
    cp = new Checkpoints({ workspace: ws, dir: path.join(root, 'data', 'checkpoints'), maxFileBytes: 1024 });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('restores a turn that edited, removed and created files; the user\'s .git is untouched; the restore is undoable', async () => {
    const userGitBefore = tree(path.join(ws, '.git'));
    const before = tree(ws);
    delete before['ignored/x.log'];
    const first = await cp.snapshot('turn', 'refactor please');
    assert.ok(cp.gitDir.startsWith(path.join(root, 'data')), 'the shadow repository lives outside the workspace');

    // The turn: an edit, an rm, new files (one in a new directory), a big file, and an ignored file changed.
    fs.writeFileSync(path.join(ws, 'src', 'a.ts'), 'export const a = 2;\r\n');
    fs.rmSync(path.join(ws, 'run.sh'));
    fs.mkdirSync(path.join(ws, 'new', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'new', 'deep', 'b.ts'), 'b\n');
    fs.writeFileSync(path.join(ws, 'c.txt'), 'c\n');
    fs.writeFileSync(path.join(ws, 'ignored', 'x.log'), 'log 2\n');

    const changes = await cp.changes(first.id);
    assert.deepEqual(changes.sort((x, y) => x.path.localeCompare(y.path)), [
      { status: 'D', path: 'c.txt' },
      { status: 'D', path: 'new/deep/b.ts' },
      { status: 'A', path: 'run.sh' },
      { status: 'M', path: 'src/a.ts' },
    ]);
    assert.match(await cp.diff(first.id), /^-export const a = 1;\r$\n^\+export const a = 2;\r$/m);

    const { backup, files } = await cp.restore(first.id);
    assert.equal(files.length, 4);
    const after = tree(ws);
    assert.equal(after['ignored/x.log'], Buffer.from('log 2\n').toString('base64'), 'ignored files are not touched');
    delete after['ignored/x.log'];
    const userGitAfter = Object.fromEntries(Object.entries(after).filter(([k]) => k.startsWith('.git/')));
    for (const k of Object.keys(after)) if (k.startsWith('.git/')) delete after[k];
    for (const k of Object.keys(before)) if (k.startsWith('.git/')) delete before[k];
    assert.deepEqual(after, before);
    assert.equal(fs.statSync(path.join(ws, 'run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.existsSync(path.join(ws, 'new')), false, 'emptied directories go too');
    assert.deepEqual(Object.fromEntries(Object.entries(userGitAfter).map(([k, v]) => [k.slice(5), v])), userGitBefore);
    assert.match(execFileSync('git', ['status', '--porcelain'], { cwd: ws, env: { ...process.env } }).toString(), /^ M keep\.txt$/m);

    // The restore itself is undone by restoring to the checkpoint it took first.
    assert.equal(backup.kind, 'restore');
    await cp.restore(backup.id);
    assert.equal(fs.readFileSync(path.join(ws, 'src', 'a.ts'), 'utf8'), 'export const a = 2;\r\n');
    assert.equal(fs.readFileSync(path.join(ws, 'new', 'deep', 'b.ts'), 'utf8'), 'b\n');
    assert.equal(fs.existsSync(path.join(ws, 'run.sh')), false);
  });

  it('leaves files over the size bound alone', async () => {
    const first = await cp.snapshot('turn', 'one');
    fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(4096, 1));
    await cp.restore(first.id);
    assert.equal(fs.statSync(path.join(ws, 'big.bin')).size, 4096);
  });

  it('undo goes back one turn at a time', async () => {
    const t1 = await cp.snapshot('turn', 'turn one');
    fs.writeFileSync(path.join(ws, 'one.txt'), '1');
    const t2 = await cp.snapshot('turn', 'turn two');
    fs.writeFileSync(path.join(ws, 'two.txt'), '2');
    assert.equal((await cp.undoTarget())?.id, t2.id);
    await cp.restore(t2.id);
    assert.equal(fs.existsSync(path.join(ws, 'two.txt')), false);
    assert.equal((await cp.undoTarget())?.id, t1.id);
    await cp.restore(t1.id);
    assert.equal(fs.existsSync(path.join(ws, 'one.txt')), false);
    assert.equal(await cp.undoTarget(), undefined);
    const list = await cp.list();
    assert.deepEqual(list.map((c) => c.kind), ['restore', 'restore', 'turn', 'turn']);
    assert.equal(list[3].label, 'turn one');
    assert.equal((await cp.resolve(t1.id.slice(0, 8))).id, t1.id);
    await assert.rejects(cp.resolve('zzzz'), /no checkpoint "zzzz"/);
  });

  it('stages by name a few changes (names with glob characters too) and many at once, and continues the branch of another instance', async function () {
    // '*' and ':' cannot be in a Windows file name.
    if (process.platform === 'win32') this.skip();
    const first = await cp.snapshot('turn', 'first');
    // A few: staged by name. Names a pathspec would read as patterns must be taken as they are.
    fs.writeFileSync(path.join(ws, '*.ts'), 'star\n');
    fs.writeFileSync(path.join(ws, '[ab].txt'), 'brackets\n');
    fs.writeFileSync(path.join(ws, ':(exclude)x'), 'magic\n');
    fs.writeFileSync(path.join(ws, 'src', 'a.ts'), 'export const a = 3;\n');
    fs.rmSync(path.join(ws, 'run.sh'));
    await cp.snapshot('turn', 'a few');
    // Many (over the number staged by name): a plain add -A.
    fs.mkdirSync(path.join(ws, 'many'));
    for (let i = 0; i < 1200; i++) fs.writeFileSync(path.join(ws, 'many', `f${i}.ts`), `${i}\n`);
    fs.rmSync(path.join(ws, 'src', 'a.ts'));
    // A second instance on the same shadow repository (another window, the CLI) continues the same branch.
    const other = new Checkpoints({ workspace: ws, dir: path.join(root, 'data', 'checkpoints'), maxFileBytes: 1024 });
    const many = await other.snapshot('turn', 'many');
    assert.deepEqual((await cp.list()).map((c) => c.label), ['many', 'a few', 'first']);
    assert.equal((await cp.changes(many.id)).length, 0, 'the snapshot took every change');

    const restored = await cp.restore(first.id);
    assert.equal(restored.files.length, 1200 + 3 + 2);
    assert.equal(fs.readFileSync(path.join(ws, 'src', 'a.ts'), 'utf8'), 'export const a = 1;\r\n');
    assert.ok(fs.existsSync(path.join(ws, 'run.sh')));
    for (const gone of ['*.ts', '[ab].txt', ':(exclude)x', 'many']) assert.ok(!fs.existsSync(path.join(ws, gone)), gone);
    assert.deepEqual((await cp.list()).map((c) => c.kind), ['restore', 'turn', 'turn', 'turn']);
  });

  it('says plainly when git is missing', async () => {
    assert.equal(await Checkpoints.unavailable('git'), undefined);
    assert.equal(await Checkpoints.unavailable('/nonexistent/git'), GIT_MISSING);
    const off = new Checkpoints({ workspace: ws, dir: path.join(root, 'x'), git: '/nonexistent/git' });
    await assert.rejects(off.snapshot('turn', 't'), (e: Error) => e.message === GIT_MISSING);
  });
});
