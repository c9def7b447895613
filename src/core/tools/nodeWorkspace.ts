/** The Workspace port over the local file system (CLI, HTTP API, tests). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Workspace } from '../ports';
import { writeFileAtomic } from '../util/atomicWrite';
import { resolveRealInsideWorkspace } from './workspacePath';

export interface NodeWorkspaceOptions {
  /** Files larger than this are refused rather than read into memory (default 32 MiB). */
  maxFileBytes?: number;
}

export class NodeWorkspace implements Workspace {
  readonly root: string;
  private readonly maxFileBytes: number;

  constructor(root: string, options: NodeWorkspaceOptions = {}) {
    this.root = path.resolve(root);
    this.maxFileBytes = options.maxFileBytes ?? 32 * 1024 * 1024;
  }

  /**
   * Text of a file relative to the root (absolute paths must lie inside it), decoded as UTF-8. Checked by real
   * path: a symbolic link inside the workspace that leads outside it is outside.
   */
  async readFile(file: string): Promise<string> {
    const abs = await resolveRealInsideWorkspace(this.root, file, 'file');
    const stat = await fs.promises.stat(abs);
    if (!stat.isFile()) throw new Error(`${file} is not a file`);
    if (stat.size > this.maxFileBytes) {
      throw new Error(`${file} is ${stat.size} bytes, over the ${this.maxFileBytes}-byte limit for reading files`);
    }
    return fs.promises.readFile(abs, 'utf8');
  }

  /** Replaces (or creates, with its directories) a file atomically, keeping an existing file's permissions. */
  async writeFile(file: string, content: string): Promise<void> {
    const real = await resolveRealInsideWorkspace(this.root, file, 'file');
    const stat = await fs.promises.stat(real).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (stat && !stat.isFile()) throw new Error(`${file} is not a file`);
    await fs.promises.mkdir(path.dirname(real), { recursive: true });
    // A new file gets the usual 0644 (less the umask), not the 0600 private default of the agent's own files.
    await writeFileAtomic(real, content, { mode: stat ? stat.mode & 0o7777 : 0o666 });
    if (stat) await fs.promises.chmod(real, stat.mode & 0o7777).catch(() => undefined);
  }
}
