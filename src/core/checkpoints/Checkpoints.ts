/**
 * Workspace checkpoints in a shadow git repository: `git` with its own GIT_DIR under the agent's data directory and
 * the workspace as its work tree, so the user's own `.git` is never read or written (git never tracks a `.git`
 * entry). The work tree's `.gitignore` files are respected; files over a size bound are left out (and so never
 * touched by a restore). Snapshots are incremental: git's index keeps each file's stat data, so only files that
 * changed since the last snapshot are hashed again.
 *
 * A restore first takes a checkpoint of the current state, so it can itself be undone.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CheckpointInfo {
  /** The commit id in the shadow repository. */
  id: string;
  /** When it was taken (ISO 8601). */
  time: string;
  /** `turn`: before a turn's first change; `restore`: the state just before a restore (what undoes it). */
  kind: 'turn' | 'restore';
  /** The user's message for a turn; what was restored for a restore. */
  label: string;
  /** For `restore`: the checkpoint that was restored. */
  target?: string;
}

export interface FileStatus {
  /** A: the restore creates it, D: deletes it, M: changes it (relative to the workspace, forward slashes). */
  status: 'A' | 'D' | 'M';
  path: string;
}

export interface CheckpointsOptions {
  /** The workspace root (the work tree). */
  workspace: string;
  /** Where the shadow repositories live (one per workspace), e.g. `<data dir>/checkpoints`. */
  dir: string;
  /** Files larger than this are not snapshotted (default 5 MiB). */
  maxFileBytes?: number;
  /** The git executable (default `git` on PATH). */
  git?: string;
}

export const GIT_MISSING = 'Checkpoints are off: git was not found on PATH. Install git to be able to undo the agent\'s changes.';

/** Raised for things a person should read (no git, an unknown checkpoint id). */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const REF = 'refs/heads/checkpoints';
/** A workspace this size (a home directory opened by mistake) is not snapshotted: it would hold up the turn. */
const MAX_CHANGED_FILES = 200_000;
/**
 * Up to this many changed files are staged by name: git then looks at those paths only, instead of walking the whole
 * work tree a second time (the listing already did). Past it, git's matching of many pathspecs costs more than the
 * walk, so a plain `add -A` does it.
 */
const MAX_NAMED_PATHS = 1000;
const SEP = '\u001f';

export class Checkpoints {
  readonly gitDir: string;
  private readonly workspace: string;
  private readonly maxFileBytes: number;
  private readonly git: string;
  private ready?: Promise<void>;
  /** Snapshots and restores of one workspace run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The checkpoints branch has a commit (this instance made one). */
  private refExists = false;

  constructor(opts: CheckpointsOptions) {
    this.workspace = path.resolve(opts.workspace);
    let real = this.workspace;
    try {
      real = fs.realpathSync(this.workspace);
    } catch {
      // A missing workspace fails on first use with git's own message.
    }
    const key = createHash('sha256').update(real).digest('hex').slice(0, 16);
    this.gitDir = path.join(opts.dir, `${path.basename(real).replace(/[^\w.-]/g, '_')}-${key}`);
    this.maxFileBytes = opts.maxFileBytes ?? 5 * 1024 * 1024;
    this.git = opts.git ?? 'git';
  }

  /** Whether git can be run; undefined when it can, else the message to show once. */
  static async unavailable(git = 'git'): Promise<string | undefined> {
    return new Promise((resolve) => execFile(git, ['--version'], { timeout: 10_000 }, (err) => resolve(err ? GIT_MISSING : undefined)));
  }

  /** Takes a checkpoint of the workspace as it is now. */
  snapshot(kind: 'turn' | 'restore', label: string, target?: string): Promise<CheckpointInfo> {
    return this.serial(() => this.snapshotNow(kind, label, target));
  }

  /** Every checkpoint, newest first. */
  async list(): Promise<CheckpointInfo[]> {
    await this.init();
    const head = await this.run(['rev-parse', '-q', '--verify', REF], { allowFail: true });
    if (head.code !== 0) return [];
    const out = await this.run(['log', '--format=%H%x1f%cI%x1f%B%x1e', REF]);
    return out.stdout
      .split('\u001e')
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => {
        const [id, time, body] = r.split(SEP);
        return { id, time, ...parseMessage(body ?? '') };
      });
  }

  /** The checkpoint `ref` names (a full id or a unique prefix of at least 4 characters). */
  async resolve(ref: string): Promise<CheckpointInfo> {
    const all = await this.list();
    const found = /^[0-9a-f]{4,40}$/i.test(ref) ? all.filter((c) => c.id.startsWith(ref.toLowerCase())) : [];
    if (found.length === 1) return found[0];
    if (found.length > 1) throw new CheckpointError(`checkpoint "${ref}" is ambiguous; give more characters of its id`);
    throw new CheckpointError(all.length === 0 ? 'there are no checkpoints for this workspace yet' : `no checkpoint "${ref}" (mcp-agent checkpoints list shows them)`);
  }

  /** The files a restore to `id` would change, against the workspace as it is now. */
  changes(id: string): Promise<FileStatus[]> {
    return this.serial(async () => {
      await this.stage();
      // From now to the checkpoint: what restoring does.
      const out = await this.run(['diff', '--cached', '--name-status', '-z', '--no-renames', '-R', id]);
      const parts = out.stdout.split('\0').filter(Boolean);
      const files: FileStatus[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) files.push({ status: (parts[i][0] as FileStatus['status']) ?? 'M', path: parts[i + 1] });
      return files;
    });
  }

  /** What changed since checkpoint `id`, as a unified diff (binary files named, not shown). */
  diff(id: string): Promise<string> {
    return this.serial(async () => {
      await this.stage();
      return (await this.run(['diff', '--cached', '--no-color', '--no-renames', id])).stdout;
    });
  }

  /**
   * Puts the workspace back as it was at checkpoint `id`: files changed since are restored, files created since are
   * deleted, deleted ones come back. Ignored and oversized files are not touched. Returns the checkpoint taken first
   * (restoring to it undoes this) and the files that changed.
   */
  restore(id: string): Promise<{ backup: CheckpointInfo; files: FileStatus[] }> {
    return this.serial(async () => {
      const backup = await this.snapshotNow('restore', `before restoring ${id.slice(0, 8)}`, id);
      const out = await this.run(['diff', '--name-status', '-z', '--no-renames', backup.id, id]);
      const parts = out.stdout.split('\0').filter(Boolean);
      const files: FileStatus[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) files.push({ status: (parts[i][0] as FileStatus['status']) ?? 'M', path: parts[i + 1] });
      if (files.length) await this.run(['restore', `--source=${id}`, '--staged', '--worktree', '--', '.']);
      return { backup, files };
    });
  }

  /**
   * The checkpoint "undo" goes back to: the newest turn checkpoint not already undone. After an undo, the next one
   * goes further back (the restore's own checkpoint records what it restored).
   */
  async undoTarget(): Promise<CheckpointInfo | undefined> {
    let skipThrough: string | undefined;
    for (const c of await this.list()) {
      if (skipThrough) {
        if (c.id === skipThrough) skipThrough = undefined;
        continue;
      }
      if (c.kind === 'restore') {
        skipThrough = c.target;
        continue;
      }
      return c;
    }
    return undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      if (fs.existsSync(path.join(this.gitDir, 'HEAD'))) return;
      await fs.promises.mkdir(this.gitDir, { recursive: true });
      await this.run(['init', '-q']);
      // Byte-exact snapshots whatever the user's git settings say; no background gc while the agent works.
      for (const [k, v] of [['core.autocrlf', 'false'], ['core.safecrlf', 'false'], ['core.symlinks', 'true'], ['gc.auto', '0'], ['core.quotepath', 'false']]) await this.run(['config', k, v]);
      // A data directory inside the workspace (tests, a portable setup) must not snapshot itself.
      const rel = path.relative(this.workspace, path.dirname(this.gitDir));
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
        await fs.promises.mkdir(path.join(this.gitDir, 'info'), { recursive: true });
        await fs.promises.appendFile(path.join(this.gitDir, 'info', 'exclude'), `/${rel.split(path.sep).join('/')}/\n`);
      }
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /**
   * Brings the shadow index up to the work tree: new and changed files within the size bound, deletions. The files to
   * take are passed as literal pathspecs, so an oversized file keeps its last snapshotted version (or none) and a
   * restore leaves it alone; when there are many and none is over the bound (a first snapshot), a plain `add -A`.
   */
  private async stage(): Promise<void> {
    await this.init();
    const listed = await this.run(['ls-files', '-z', '--others', '--modified', '--deleted', '--exclude-standard']);
    const paths = [...new Set(listed.stdout.split('\0').filter(Boolean))];
    if (paths.length === 0) return;
    if (paths.length > MAX_CHANGED_FILES) {
      throw new CheckpointError(`${paths.length} files changed since the last checkpoint (over ${MAX_CHANGED_FILES}); add build output to .gitignore, or set tools.checkpoints to false`);
    }
    const keep: string[] = [];
    await mapLimit(paths, 32, async (p) => {
      const st = await fs.promises.lstat(path.join(this.workspace, p)).catch(() => undefined);
      // Deleted files are staged as deletions; directories listed here are nested repositories, left to their owner.
      if (!st || st.isSymbolicLink() || (st.isFile() && st.size <= this.maxFileBytes)) keep.push(p);
    });
    if (keep.length === paths.length && paths.length > MAX_NAMED_PATHS) await this.run(['add', '-A']);
    else if (keep.length) await this.run(['add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: keep.join('\0') });
  }

  private async snapshotNow(kind: 'turn' | 'restore', label: string, target?: string): Promise<CheckpointInfo> {
    await this.stage();
    const tree = (await this.run(['write-tree'])).stdout.trim();
    const message = formatMessage(kind, label, target);
    // Once the branch is known to exist, commit-tree reads its tip itself: one git process less per checkpoint.
    let made = this.refExists ? await this.run(['commit-tree', tree, '-m', message, '-p', REF], { allowFail: true }) : undefined;
    if (made?.code !== 0) {
      const parent = await this.run(['rev-parse', '-q', '--verify', REF], { allowFail: true });
      made = await this.run(['commit-tree', tree, '-m', message, ...(parent.code === 0 ? ['-p', parent.stdout.trim()] : [])]);
    }
    const id = made.stdout.trim();
    await this.run(['update-ref', REF, id]);
    this.refExists = true;
    return { id, time: new Date().toISOString(), kind, label: label.split('\n')[0], ...(target ? { target } : {}) };
  }

  private run(args: string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.git, args, { cwd: this.workspace, env: gitEnv(this.gitDir, this.workspace), stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new CheckpointError(GIT_MISSING) : e));
      child.on('close', (code) => {
        const r = { code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
        if (r.code !== 0 && !opts.allowFail) reject(new CheckpointError(`git ${args[0]} failed: ${r.stderr.trim().split('\n').slice(-1)[0] || `exit ${r.code}`}`));
        else resolve(r);
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    });
  }
}

/** Only what the shadow repository needs: the user's git settings and variables stay out of it. */
function gitEnv(gitDir: string, workTree: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env,
    GIT_DIR: gitDir,
    GIT_WORK_TREE: workTree,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: process.platform === 'win32' ? 'NUL' : '/dev/null',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'mcp-agent',
    GIT_AUTHOR_EMAIL: 'mcp-agent@localhost',
    GIT_COMMITTER_NAME: 'mcp-agent',
    GIT_COMMITTER_EMAIL: 'mcp-agent@localhost',
    LC_ALL: 'C',
  };
}

function formatMessage(kind: 'turn' | 'restore', label: string, target?: string): string {
  const line = label.replace(/\s+/g, ' ').trim().slice(0, 200) || '(no text)';
  return `${line}\n\nmcp-agent-kind: ${kind}${target ? `\nmcp-agent-target: ${target}` : ''}\n`;
}

function parseMessage(body: string): { kind: 'turn' | 'restore'; label: string; target?: string } {
  const label = body.split('\n')[0] ?? '';
  const kind = /^mcp-agent-kind: restore$/m.test(body) ? 'restore' : 'turn';
  const target = /^mcp-agent-target: ([0-9a-f]+)$/m.exec(body)?.[1];
  return { kind, label, ...(target ? { target } : {}) };
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
