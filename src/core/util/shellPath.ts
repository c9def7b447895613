/**
 * PATH as the user's login shell sets it. VS Code started from a desktop launcher inherits a bare PATH, so
 * `npx`, `uvx` and version-managed `node` are not found (`spawn npx ENOENT`); asking the login shell once fixes it.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const MARK = '__MCP_AGENT_PATH__';

export async function loginShellPath(opts: { shell?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const shell = opts.shell ?? process.env.SHELL ?? '/bin/sh';
  return new Promise((resolve) => {
    // -i and -l read the rc files people put PATH changes in; markers skip whatever those files print.
    const child = execFile(shell, ['-ilc', `printf '%s%s%s' ${MARK} "$PATH" ${MARK}`], { timeout: opts.timeoutMs ?? 5000, env: opts.env ?? process.env, maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (err && !stdout) return resolve(undefined);
      const m = new RegExp(`${MARK}(.*)${MARK}`, 's').exec(stdout);
      resolve(m?.[1] ? m[1].trim() : undefined);
    });
    child.stdin?.end();
  });
}

/** The login shell's entries first, then any of the current ones it lacks. */
export function mergePaths(login: string | undefined, current: string | undefined): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of [...(login ?? '').split(path.delimiter), ...(current ?? '').split(path.delimiter)]) {
    if (p && !seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  }
  return out.join(path.delimiter);
}
