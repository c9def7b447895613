/** Keeps tool paths inside the workspace root. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Absolute form of `target` (relative to `root`, or absolute), or an Error naming the problem when it
 * lies outside `root`. The check is lexical; tools that touch files use `resolveRealInsideWorkspace`, which also
 * refuses a symbolic link inside the workspace that leads outside it.
 */
export function resolveInsideWorkspace(root: string, target: string | undefined, what = 'path'): string {
  const absRoot = path.resolve(root);
  const resolved = path.resolve(absRoot, target ?? '.');
  const rel = path.relative(absRoot, resolved);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new Error(`The ${what} ${JSON.stringify(target)} is outside the workspace root ${absRoot}.`);
  }
  return resolved;
}

/**
 * Like `resolveInsideWorkspace`, then by real path: the target's deepest existing ancestor is resolved through its
 * symlinks and must still lie inside the workspace's real root. Returns the real path to write, so a write through a
 * link lands on the file it points to instead of replacing the link. For every tool that reads or changes files.
 */
export async function resolveRealInsideWorkspace(root: string, target: string, what = 'path'): Promise<string> {
  const lexical = resolveInsideWorkspace(root, target, what);
  const realRoot = await fs.promises.realpath(path.resolve(root));
  let existing = lexical;
  const rest: string[] = [];
  for (;;) {
    try {
      existing = await fs.promises.realpath(existing);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = path.dirname(existing);
      if (parent === existing) break;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
  const real = path.join(existing, ...rest);
  const rel = path.relative(realRoot, real);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new Error(`The ${what} ${JSON.stringify(target)} leads outside the workspace root through a symbolic link.`);
  }
  return real;
}
