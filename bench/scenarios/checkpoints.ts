/**
 * Checkpoints (src/core/checkpoints) on a generated workspace of N small source files (10,000 in a full run): the
 * first snapshot and an incremental one (10 files changed, 2 added, 1 removed), each against plain git doing the same
 * work on a copy of the same tree: `git add -A && git commit` in an ordinary repository. The ratio is the price of the
 * shadow repository's bookkeeping (listing candidates, the size bound, plumbing commits) over git itself.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Checkpoints } from '../../src/core/checkpoints/Checkpoints';
import type { Ctx } from '../lib/common';

export interface CheckpointResult {
  files: number;
  first_ms: number;
  git_first_ms: number;
  first_ratio: number;
  incremental_ms: number;
  git_incremental_ms: number;
  incremental_ratio: number;
}

function makeTree(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `pkg${i % 50}`, `mod${Math.floor(i / 50) % 20}`);
    if (i < 1000) mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `file${i}.ts`), `export const value${i} = ${i};\n// ${'x'.repeat(200 + (i % 300))}\n`);
  }
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
}

function change(dir: string, round: number): void {
  for (let i = 0; i < 10; i++) writeFileSync(path.join(dir, `pkg${i}`, 'mod0', `file${i}.ts`), `export const changed = ${round};\n`);
  writeFileSync(path.join(dir, `added-${round}-a.ts`), 'a\n');
  writeFileSync(path.join(dir, `added-${round}-b.ts`), 'b\n');
  unlinkSync(path.join(dir, `pkg${10 + round}`, 'mod0', `file${10 + round}.ts`));
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

function gitCommitAll(dir: string): number {
  const t0 = performance.now();
  execFileSync('git', ['add', '-A'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['commit', '-q', '--no-verify', '-m', 'snapshot'], { cwd: dir, env: GIT_ENV });
  return performance.now() - t0;
}

export async function benchCheckpoints(ctx: Ctx): Promise<CheckpointResult> {
  const files = ctx.profile.name === 'smoke' ? 300 : 10_000;
  const root = mkdtempSync(path.join(os.tmpdir(), 'mcp-agent-bench-checkpoints-'));
  try {
    const ours = path.join(root, 'ours');
    const plain = path.join(root, 'plain');
    mkdirSync(ours);
    makeTree(ours, files);
    cpSync(ours, plain, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: plain, env: GIT_ENV });
    const cp = new Checkpoints({ workspace: ours, dir: path.join(root, 'shadow') });

    // Alternate who goes first, so neither always gets the warmer page cache.
    let t0 = performance.now();
    await cp.snapshot('turn', 'first');
    const firstMs = performance.now() - t0;
    const gitFirstMs = gitCommitAll(plain);
    ctx.log(`  ${files} files, first snapshot: ours ${firstMs.toFixed(0)} ms, git add -A && git commit ${gitFirstMs.toFixed(0)} ms`);

    const rounds = ctx.profile.name === 'full' ? 9 : 3;
    const oursInc: number[] = [];
    const gitInc: number[] = [];
    for (let round = 0; round < rounds; round++) {
      change(ours, round);
      change(plain, round);
      if (round % 2 === 0) {
        gitInc.push(gitCommitAll(plain));
        t0 = performance.now();
        await cp.snapshot('turn', `round ${round}`);
        oursInc.push(performance.now() - t0);
      } else {
        t0 = performance.now();
        await cp.snapshot('turn', `round ${round}`);
        oursInc.push(performance.now() - t0);
        gitInc.push(gitCommitAll(plain));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const incMs = median(oursInc);
    const gitIncMs = median(gitInc);
    ctx.log(`  incremental (13 files changed), median of ${rounds}: ours ${incMs.toFixed(0)} ms, git ${gitIncMs.toFixed(0)} ms`);
    return { files, first_ms: firstMs, git_first_ms: gitFirstMs, first_ratio: firstMs / gitFirstMs, incremental_ms: incMs, git_incremental_ms: gitIncMs, incremental_ratio: incMs / gitIncMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
