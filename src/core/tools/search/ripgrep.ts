/** Searching with ripgrep: finding the binary and reading its JSON output. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { displayLine, type MatchCollector, type MatchSpec } from './lineMatch';

const located = new Map<string, Promise<string | undefined>>();

/** `rg` on PATH, or undefined. Cached per PATH value. */
export function findRipgrepOnPath(envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  let found = located.get(envPath);
  if (!found) {
    found = (async () => {
      const names = process.platform === 'win32' ? ['rg.exe', 'rg.cmd'] : ['rg'];
      for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
        for (const name of names) {
          const candidate = path.join(dir, name);
          try {
            await fs.promises.access(candidate, fs.constants.X_OK);
            if ((await fs.promises.stat(candidate)).isFile()) return candidate;
          } catch {
            // not here
          }
        }
      }
      return undefined;
    })();
    located.set(envPath, found);
  }
  return found;
}

/** Thrown when the ripgrep binary cannot be started at all, so the caller can fall back. */
export class RipgrepUnavailableError extends Error {
  override readonly name = 'RipgrepUnavailableError';
}

export interface RipgrepOptions extends MatchSpec {
  rgPath: string;
  root: string;
  collector: MatchCollector;
  /** `--glob` arguments, in order (later ones win, as ripgrep documents). */
  globs: string[];
  /** Drops matches in files that this says no to (a check ripgrep cannot do itself). */
  accept?: (rel: string) => Promise<boolean>;
  signal?: AbortSignal;
  maxLineChars?: number;
}

interface RgText {
  text?: string;
  bytes?: string;
}
interface RgMatchEvent {
  type: 'match';
  data: { path: RgText; lines: RgText; line_number: number | null; submatches: { start: number }[] };
}

function isMatchEvent(value: unknown): value is RgMatchEvent {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'match';
}

/** ripgrep gives text as `text`, or base64 `bytes` when it is not valid UTF-8. */
function rgText(t: RgText): string {
  return t.text ?? Buffer.from(t.bytes ?? '', 'base64').toString('utf8');
}

export function ripgrepArgs(options: Pick<RipgrepOptions, 'query' | 'regex' | 'ignoreCase' | 'globs'>): string[] {
  const args = [
    '--json',
    '--no-config', // the user's RIPGREP_CONFIG_PATH must not change what the model sees
    '--hidden', // dot-files such as .github/ are searched; .git itself is excluded by a glob
    '--no-require-git', // honour .gitignore outside git repositories too, like the Node fallback
    '--sort=path', // stable order, so the capped list is the same each time
  ];
  for (const glob of options.globs) args.push('--glob', glob);
  if (!options.regex) args.push('--fixed-strings');
  if (options.ignoreCase) args.push('--ignore-case');
  args.push('-e', options.query, '--', '.');
  return args;
}

export async function searchWithRipgrep(options: RipgrepOptions): Promise<{ notes: string[] }> {
  options.signal?.throwIfAborted();
  const child = spawn(options.rgPath, ripgrepArgs(options), { cwd: options.root, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let stopped = false;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  const onAbort = (): void => void child.kill();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => reject(new RipgrepUnavailableError(`cannot run ${options.rgPath}: ${err.message}`)));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // observed below; this only keeps an early spawn failure from going unhandled

  try {
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    for await (const line of lines) {
      if (stopped) continue; // drain what is already buffered
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isMatchEvent(event) || event.data.line_number === null) continue;
      const rel = rgText(event.data.path).replace(/^\.[\\/]/, '').split(path.sep).join('/');
      if (options.accept && !(await options.accept(rel))) continue;
      const text = rgText(event.data.lines).replace(/\r?\n$/, '');
      const startByte = event.data.submatches[0]?.start ?? 0;
      const startChar = Buffer.from(text, 'utf8').subarray(0, startByte).toString('utf8').length;
      if (!options.collector.add({ path: rel, line: event.data.line_number, text: displayLine(text, startChar, options.maxLineChars) })) {
        stopped = true;
        child.kill(); // enough counted; the rest of the tree is not needed
      }
    }
    const code = await exited;
    options.signal?.throwIfAborted();
    const notes: string[] = [];
    // 1 means no match; 2 means some error (e.g. an unreadable file) but the matches printed still stand.
    if (!stopped && code === 2) {
      const first = stderr.trim().split('\n').slice(0, 3).join('; ');
      if (options.collector.total === 0 && !first.includes('No files were searched')) throw new Error(`ripgrep failed: ${first || 'exit code 2'}`);
      if (first) notes.push(`ripgrep reported: ${first}`);
    }
    return { notes };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}
