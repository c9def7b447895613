import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandOutput, CommandRunner } from '../../src/core/ports';
import { NodeCommandRunner } from '../../src/core/tools/nodeCommandRunner';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';
import { createRunCommandTool, DEFAULT_COMMAND_TIMEOUT_MS } from '../../src/core/tools/runCommand';

/** Gone, or a zombie: dead and only waiting for PID 1 (which in a container may never reap it). */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

async function waitDead(pid: number, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (isDead(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return isDead(pid);
}

function pidFrom(output: string, label: string): number {
  const m = new RegExp(`${label}=(\\d+)`).exec(output);
  assert.ok(m, `no ${label}= in ${JSON.stringify(output)}`);
  return Number(m[1]);
}

const textOf = (r: { content: unknown[] }): string => (r.content[0] as { text: string }).text;

const posix = process.platform !== 'win32';

describe('NodeCommandRunner', function () {
  this.timeout(60_000);
  let root: string;
  const runner = new NodeCommandRunner();
  const leftovers: number[] = [];

  before(function () {
    if (!posix) this.skip(); // the commands below are POSIX shell
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'runcmd-'));
    fs.mkdirSync(path.join(root, 'sub'));
  });
  after(() => {
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('reports exit codes and combines stdout and stderr in order', async () => {
    const ok = await runner.run('echo out; echo err >&2; echo more', { cwd: root, timeoutMs: 10_000 });
    assert.deepEqual(ok, { exitCode: 0, output: 'out\nerr\nmore\n', timedOut: false });
    const failed = await runner.run('exit 3', { cwd: root, timeoutMs: 10_000 });
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.output, '');
  });

  it('runs in the given directory with the given shell', async () => {
    const r = await runner.run('pwd', { cwd: path.join(root, 'sub'), timeoutMs: 10_000 });
    assert.equal(fs.realpathSync(r.output.trim()), fs.realpathSync(path.join(root, 'sub')));
    const bash = fs.existsSync('/bin/bash') ? '/bin/bash' : undefined;
    if (bash) {
      const viaBash = await new NodeCommandRunner({ shell: bash }).run('echo "$BASH_VERSION" | cut -c1', { cwd: root, timeoutMs: 10_000 });
      assert.match(viaBash.output, /^\d\n$/);
    }
  });

  it('reports a shell that does not exist as a failed command, with the reason', async () => {
    const r = await new NodeCommandRunner({ shell: path.join(root, 'no-such-shell') }).run('echo hi', { cwd: root, timeoutMs: 10_000 });
    assert.equal(r.exitCode, 127);
    assert.match(r.output, /no-such-shell.*not found/);
  });

  it('rejects a working directory that does not exist', async () => {
    await assert.rejects(runner.run('true', { cwd: path.join(root, 'missing'), timeoutMs: 10_000 }), /Working directory does not exist/);
  });

  it('on timeout kills the whole process tree, so no child survives', async () => {
    const started = Date.now();
    const r = await runner.run('sleep 60 & echo child=$!; wait', { cwd: root, timeoutMs: 500 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.ok(Date.now() - started < 10_000);
    const child = pidFrom(r.output, 'child');
    leftovers.push(child);
    assert.ok(await waitDead(child), `sleep ${child} outlived the timeout`);
  });

  it('escalates to SIGKILL for processes that ignore SIGTERM', async () => {
    const quick = new NodeCommandRunner({ killGraceMs: 300 });
    const started = Date.now();
    const r = await quick.run('trap "" TERM; sleep 60 & echo child=$!; wait; wait', { cwd: root, timeoutMs: 300 });
    assert.equal(r.timedOut, true);
    const child = pidFrom(r.output, 'child');
    leftovers.push(child);
    assert.ok(await waitDead(child), `sleep ${child} survived SIGKILL`);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('stops the process tree when the AbortSignal fires, and rejects with AbortError', async () => {
    const ac = new AbortController();
    const pending = runner.run('sleep 60 & echo child=$! > child.pid; wait', { cwd: root, timeoutMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    const child = pidFrom(fs.readFileSync(path.join(root, 'child.pid'), 'utf8'), 'child');
    leftovers.push(child);
    assert.ok(await waitDead(child), `sleep ${child} outlived the abort`);
    const already = AbortSignal.abort();
    await assert.rejects(runner.run('true', { cwd: root, timeoutMs: 1000, signal: already }), (err: Error) => err.name === 'AbortError');
  });

  it('does not wait for background processes that keep the output pipe open', async () => {
    const started = Date.now();
    const r = await runner.run('sleep 30 & echo bg=$!', { cwd: root, timeoutMs: 20_000 });
    assert.ok(Date.now() - started < 5000, `waited ${Date.now() - started} ms`);
    assert.equal(r.exitCode, 0);
    assert.match(r.note ?? '', /background/);
    leftovers.push(pidFrom(r.output, 'bg'));
  });

  it('caps huge output head and tail at 48,000 characters', async () => {
    const r = await runner.run('yes | head -c 5000000', { cwd: root, timeoutMs: 30_000 });
    assert.equal(r.exitCode, 0);
    assert.ok(r.output.length <= 48_000, String(r.output.length));
    assert.ok(r.output.length > 47_000, String(r.output.length));
    const m = /\.\.\. (\d+) characters omitted \.\.\./.exec(r.output);
    assert.ok(m);
    assert.equal(r.output.length - m[0].length - 4 + Number(m[1]), 5_000_000);
    assert.ok(r.output.startsWith('y\ny\n') && r.output.endsWith('y\n'));
  });

  it('keeps memory bounded while a command prints hundreds of megabytes', async () => {
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    try {
      const r = await runner.run('yes abcdefghijklmnopqrstuvwxyz | head -c 200000000', { cwd: root, timeoutMs: 120_000 });
      assert.equal(r.exitCode, 0);
      assert.ok(r.output.length <= 48_000);
    } finally {
      clearInterval(sampler);
    }
    // Holding the output would need 200 MB of heap; a bounded buffer needs well under that.
    const grew = (peak - before) / (1024 * 1024);
    assert.ok(grew < 100, `heap grew by ${grew.toFixed(0)} MiB`);
  });
});

describe('run_command tool', function () {
  this.timeout(60_000);
  let root: string;

  before(function () {
    if (!posix) this.skip();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'runcmd-tool-'));
    fs.mkdirSync(path.join(root, 'pkg'));
  });
  after(() => root && fs.rmSync(root, { recursive: true, force: true }));

  const tool = (runner: CommandRunner = new NodeCommandRunner(), timeoutMs?: number) =>
    createRunCommandTool({ workspace: new NodeWorkspace(root), commandRunner: runner, timeoutMs });

  it('returns exit code and output, and marks a non-zero exit as an error', async () => {
    const ok = await tool().run({ command: 'echo hello' }, {});
    assert.equal(ok.isError, undefined);
    assert.equal(textOf(ok), 'Exit code: 0\nOutput:\nhello');
    const failed = await tool().run({ command: 'echo broken >&2; exit 2' }, {});
    assert.equal(failed.isError, true);
    assert.equal(textOf(failed), 'Exit code: 2\nOutput:\nbroken');
    assert.equal(textOf(await tool().run({ command: 'true' }, {})), 'Exit code: 0\nOutput: (none)');
  });

  it('runs in a cwd inside the workspace and refuses one outside it', async () => {
    const inside = await tool().run({ command: 'basename "$PWD"', cwd: 'pkg' }, {});
    assert.equal(textOf(inside), 'Directory: pkg\nExit code: 0\nOutput:\npkg');
    for (const cwd of ['..', '../other', '/', path.dirname(root)]) {
      const refused = await tool().run({ command: 'touch escaped', cwd }, {});
      assert.equal(refused.isError, true, cwd);
      assert.match(textOf(refused), /outside the workspace root .*Commands can only run in a directory inside the workspace/);
    }
    assert.equal(fs.existsSync(path.join(path.dirname(root), 'escaped')), false);
    const missing = await tool().run({ command: 'true', cwd: 'nope' }, {});
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /working directory "nope" does not exist/);
    // A symlink inside the workspace that leads out is judged by its real path.
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    fs.symlinkSync(outside, path.join(root, 'link-out'));
    try {
      const viaLink = await tool().run({ command: 'touch escaped', cwd: 'link-out' }, {});
      assert.equal(viaLink.isError, true);
      assert.match(textOf(viaLink), /through a symbolic link/);
      assert.equal(fs.existsSync(path.join(outside, 'escaped')), false);
    } finally {
      fs.rmSync(path.join(root, 'link-out'));
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('says when the command timed out and passes the runner note on', async () => {
    const timedOut = await tool(new NodeCommandRunner(), 300).run({ command: 'echo begun; sleep 30' }, {});
    assert.equal(timedOut.isError, true);
    assert.equal(textOf(timedOut), 'Exit code: none\nTimed out after 300 ms: the command and every process it started were killed.\nOutput:\nbegun');
    const noted = await tool().run({ command: 'sleep 30 & echo bg=$!' }, {});
    assert.match(textOf(noted), /^Exit code: 0\nNote: the command exited but processes it started in the background/);
    process.kill(pidFrom(textOf(noted), 'bg'), 'SIGKILL');
  });

  it('gives the runner a 120 s timeout by default, the configured one otherwise', async () => {
    const seen: number[] = [];
    const recorder: CommandRunner = {
      run: async (_command, options): Promise<CommandOutput> => {
        seen.push(options.timeoutMs);
        return { exitCode: 0, output: '', timedOut: false };
      },
    };
    await tool(recorder).run({ command: 'x' }, {});
    await tool(recorder, 5000).run({ command: 'x' }, {});
    assert.deepEqual(seen, [DEFAULT_COMMAND_TIMEOUT_MS, 5000]);
    assert.equal(DEFAULT_COMMAND_TIMEOUT_MS, 120_000);
  });

  it('lets cancellation propagate instead of turning it into a result', async () => {
    const ac = new AbortController();
    const pending = tool().run({ command: 'sleep 30' }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
  });

  it('validates its arguments and describes itself as a non-read-only tool', async () => {
    assert.equal((await tool().run({}, {})).isError, true);
    assert.equal((await tool().run({ command: 'true', cwd: 3 }, {})).isError, true);
    const spec = tool().spec;
    assert.equal(spec.name, 'run_command');
    assert.equal(spec.annotations?.readOnlyHint, false);
    assert.deepEqual(spec.inputSchema.required, ['command']);
  });
});
