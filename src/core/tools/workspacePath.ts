/** Keeps tool paths inside the workspace root. */
import * as path from 'node:path';

/**
 * Absolute form of `target` (relative to `root`, or absolute), or an Error naming the problem when it
 * lies outside `root`. The check is lexical: symlinks inside the workspace are followed as the user set them up.
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
