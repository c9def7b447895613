/**
 * Which shell parses a command line, and what can be judged for it. The allow-list is matched on words, so the words
 * must be the ones the executing shell will see: POSIX shells (sh, bash, zsh, dash, ksh) are parsed by the
 * quote-aware scanner in commandPolicy.ts; for fish, PowerShell, cmd.exe and shells we do not know, only a plain list
 * of words (no quotes, no operators, nothing any of those shells treats specially) is judged by the allow list,
 * because their quoting differs (fish: `\'` inside single quotes; PowerShell: backtick escapes and curly quotes;
 * cmd.exe: `^`, `%VAR%`) and a line POSIX reads as one quoted word can be two commands there.
 */
import * as path from 'node:path';

export type ShellKind = 'posix' | 'fish' | 'powershell' | 'cmd' | 'unknown';

const POSIX = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ksh93', 'mksh', 'ash', 'yash', 'gitbash', 'busybox']);

/** The kind of shell a path or name (`/usr/bin/fish`, `pwsh.exe`, VS Code's `Terminal.state.shell` values) is. */
export function shellKind(shell: string | undefined): ShellKind {
  if (shell === undefined || shell.trim() === '') return 'unknown';
  let base = path.win32.basename(path.posix.basename(shell.trim())).toLowerCase();
  if (base.endsWith('.exe')) base = base.slice(0, -4);
  if (POSIX.has(base)) return 'posix';
  if (base === 'fish') return 'fish';
  if (base === 'pwsh' || base === 'powershell' || base === 'pwsh-preview') return 'powershell';
  if (base === 'cmd') return 'cmd';
  return 'unknown';
}

/** The shell that runs commands on this platform when nothing else says: `/bin/sh`, or cmd.exe on Windows. */
export function defaultShell(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  return platform === 'win32' ? (env.ComSpec ?? 'cmd.exe') : '/bin/sh';
}

/** Characters that mean nothing special to any shell we know of, outside quotes. */
const PLAIN = /^[A-Za-z0-9_\-./:,+=@ \t]*$/;

/**
 * The words of a line made only of plain words separated by spaces, or undefined when the line holds anything a
 * non-POSIX shell might read differently. `%` (cmd.exe variables) and `~` are left out as well as every quote,
 * operator, glob, escape and non-ASCII character. A word starting with `@` is PowerShell splatting.
 */
export function plainWords(command: string): string[] | undefined {
  if (!PLAIN.test(command)) return undefined;
  const words = command.trim().split(/[ \t]+/).filter((w) => w !== '');
  if (words.length === 0 || words.some((w) => w.startsWith('@'))) return undefined;
  return words;
}

/**
 * Non-ASCII characters that some shell treats as a quote (PowerShell: ‘ ’ ‚ ‛ “ ” „) or that look like one; and
 * everything invisible or controlling (format characters, separators, C0/C1). A line with any of them always asks.
 */
const QUOTE_LIKE = /[\u2018-\u201f\u2032-\u2037\u00ab\u00bb\u2039\u203a\u00b4\u02b9-\u02bc\u02c8\u02ca\u02cb\u2033\u301d-\u301f\uff02\uff07\uff40\ufe10-\ufe19]/u;

export function quoteLikeCharacter(command: string): boolean {
  return QUOTE_LIKE.test(command);
}
