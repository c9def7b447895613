/**
 * Decides whether a shell command line may run without asking the user.
 *
 * Model: the line is a list of simple commands ("parts") joined by `;`, `&&`, `||`, `|`, `|&`, `&` or newlines. The line
 * is allowed only when every part starts with an allow entry, matched on whole words (`git status` allows
 * `git status -s`, not `git statusx`). Anything whose meaning depends on shell expansion or redirection is never
 * allowed, only asked about. Deny entries (same matching) win over everything: if any part, including one inside a
 * subshell or process substitution, starts with a deny entry, the answer is `deny`.
 *
 * `shell-quote` does the word splitting, but it is lossy: it treats a newline as a plain space (so `git status\nrm -rf /`
 * would look like one command), passes backticks through as text, accepts unbalanced quotes and drops backslash
 * escapes. So a quote-aware scan of the raw text runs first and flags everything shell-quote cannot represent
 * exactly; newlines outside quotes become `;` before parsing. The semantics assumed are POSIX sh / bash / zsh.
 *
 * Deny matching is a best-effort safety net on the parsed words (after stripping env assignments and simple wrappers
 * like `sudo`, and looking into `sh -c '…'` / `eval`); it cannot see through every obfuscation, which is why anything
 * unusual is at least `ask`.
 */
import { parse, quote, type ParseEntry } from 'shell-quote';

export type CommandDecision = 'allow' | 'ask' | 'deny';

export interface CommandPolicy {
  /** Command prefixes that may run without asking, e.g. `git status`, `npm test`. */
  allow: string[];
  /** Command prefixes that are refused outright; they win over `allow`. */
  deny?: string[];
}

export interface CommandEvaluation {
  decision: CommandDecision;
  /** One line for people: why. */
  reason: string;
  /** The simple commands the line consists of, re-quoted for display. */
  parts: string[];
}

/** Commands that run other commands or change how later parts run: never allowed by a prefix, whatever the list says. */
const INDIRECT = new Set([
  'eval', 'exec', 'source', '.', 'sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'yash', 'fish', 'csh', 'tcsh',
  'busybox', 'env', 'xargs', 'sudo', 'doas', 'su', 'runuser', 'command', 'builtin', 'nohup', 'nice', 'timeout',
  'setsid', 'stdbuf', 'chroot', 'watch', 'parallel', 'script', 'unbuffer', 'pwsh', 'powershell', 'cmd',
  'export', 'declare', 'typeset', 'readonly', 'local', 'alias', 'unalias', 'set', 'shopt', 'enable', 'hash', 'trap', 'let',
]);

/** Shell reserved words: a part starting with one is shell syntax, not a simple command. */
const RESERVED = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in',
  'function', 'time', 'coproc', '{', '}', '[[', ']]', '!',
]);

/** Wrappers skipped (when used without options) to find the real command for deny matching. */
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'command', 'builtin', 'nohup', 'nice', 'time', 'exec', 'xargs', 'setsid', 'stdbuf']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'yash']);

const SEPARATORS = new Set([';', '&&', '||', '|', '|&', '&']);
const CASE_TERMINATORS = new Set([';;', ';&', ';;&']);
const SUBSTITUTION_OPEN = new Set(['<(', '>(']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
/** Characters safe outside quotes: they never change how the shell parses or expands a word. */
const PLAIN_UNQUOTED = /[A-Za-z0-9_\-./:,+@%~=]/;
/** Inside quotes: controls (other than tab and newline), format/invisible characters, line/paragraph separators. */
const SUSPICIOUS_QUOTED = /[\p{C}\p{Zl}\p{Zp}]/u;

/** One simple command. Subshell and process-substitution contents become parts too, so deny rules see them. */
interface Part {
  words: string[];
}

/**
 * Flags what shell-quote would misread and turns unquoted newlines into `;`. Also returns the bodies of backtick and
 * `$( )` substitutions (outside single quotes) so deny rules can look inside them.
 */
function scan(command: string): { text: string; problems: string[]; substitutions: string[] } {
  const problems = new Set<string>();
  const substitutions: string[] = [];
  const chars = Array.from(command); // code points, so a surrogate pair is one character
  let out = '';
  let q: 'none' | 'single' | 'double' = 'none';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const code = ch.codePointAt(0) ?? 0;
    if (q === 'single') {
      if (ch === "'") q = 'none';
      else if (ch !== '\n' && ch !== '\t' && SUSPICIOUS_QUOTED.test(ch)) problems.add('control or invisible character');
      out += ch;
      continue;
    }
    if (ch === '`') {
      const end = chars.indexOf('`', i + 1);
      substitutions.push(chars.slice(i + 1, end < 0 ? chars.length : end).join(''));
    } else if (ch === '$' && chars[i + 1] === '(') {
      substitutions.push(parenBody(chars, i + 2));
    }
    if (q === 'double') {
      if (ch === '"') q = 'none';
      else if (ch === '$' || ch === '`') problems.add('expansion or command substitution');
      else if (ch === '\\') problems.add('backslash escape');
      else if (ch === '!') problems.add('history expansion');
      else if (ch !== '\n' && ch !== '\t' && SUSPICIOUS_QUOTED.test(ch)) problems.add('control or invisible character');
      out += ch;
      continue;
    }
    if (ch === "'") q = 'single';
    else if (ch === '"') q = 'double';
    else if (ch === '\n') {
      out += ' ; ';
      continue;
    } else if (ch === ' ' || ch === '\t' || ';&|<>()'.includes(ch)) {
      // whitespace and operators: shell-quote represents these exactly
    } else if (ch === '$' || ch === '`') problems.add('expansion or command substitution');
    else if (ch === '\\') problems.add('backslash escape');
    else if (ch === '#') problems.add('comment');
    else if ('*?[]{}'.includes(ch)) problems.add('glob or brace pattern');
    else if (ch === '!') problems.add('history expansion or negation');
    else if (ch === '\r') problems.add('carriage return');
    else if (code < 0x20 || code === 0x7f) problems.add('control character');
    else if (code > 0x7e) problems.add('non-ASCII character outside quotes');
    else if (!PLAIN_UNQUOTED.test(ch)) problems.add(`unusual character ${JSON.stringify(ch)}`);
    out += ch;
  }
  if (q !== 'none') problems.add('unbalanced quote');
  return { text: out, problems: [...problems], substitutions };
}

/** Text from `start` up to the `)` that closes an already-open `(` (naive about quotes: only used for deny checks). */
function parenBody(chars: string[], start: number): string {
  let depth = 1;
  for (let j = start; j < chars.length; j++) {
    if (chars[j] === '(') depth++;
    else if (chars[j] === ')' && --depth === 0) return chars.slice(start, j).join('');
  }
  return chars.slice(start).join('');
}

/** Split parsed entries into parts; flags every operator that is not a plain separator. */
function toParts(command: string, problems: Set<string>): Part[] {
  let usedVariable = false;
  let entries: ParseEntry[];
  try {
    entries = parse(command, (): string => {
      usedVariable = true;
      return '';
    });
  } catch {
    problems.add('cannot parse');
    return [];
  }
  if (usedVariable) problems.add('expansion or command substitution');

  const parts: Part[] = [];
  let current: Part = { words: [] };
  let skipNextWord = false; // the target of a redirection is a file name, not part of the command
  let pendingSeparator: string | undefined;
  const flush = (): void => {
    if (current.words.length > 0) parts.push(current);
    current = { words: [] };
  };

  for (const e of entries) {
    if (typeof e === 'string') {
      if (skipNextWord) {
        skipNextWord = false;
        continue;
      }
      current.words.push(e);
      pendingSeparator = undefined;
      continue;
    }
    if ('comment' in e) {
      problems.add('comment');
      break;
    }
    // Typed loosely on purpose: at runtime shell-quote also yields `&>`, `<<<`, `<<`, `;&`, `<>`, `>|` and more.
    const op: string = e.op;
    if (op === 'glob') {
      problems.add('glob or brace pattern');
      if ('pattern' in e) current.words.push(e.pattern);
      continue;
    }
    skipNextWord = false;
    if (SEPARATORS.has(op)) {
      // `a && && b`, `| b`, `& b`: a missing command. A `;` with nothing before it is tolerated (blank lines).
      if (current.words.length === 0 && op !== ';') problems.add(`"${op}" without a command before it`);
      pendingSeparator = op === ';' || op === '&' ? undefined : op;
      flush();
    } else if (CASE_TERMINATORS.has(op)) {
      problems.add('case syntax');
      flush();
    } else if (op === '(' || SUBSTITUTION_OPEN.has(op)) {
      problems.add(op === '(' ? 'subshell' : 'process substitution');
      flush();
    } else if (op === ')') {
      problems.add('subshell');
      flush();
    } else if (op.includes('<<')) {
      problems.add('here-document or here-string');
      skipNextWord = true;
    } else {
      problems.add('redirection');
      skipNextWord = true;
    }
  }
  flush();
  if (pendingSeparator !== undefined) problems.add(`line ends with "${pendingSeparator}"`);
  return parts;
}

function entryWords(entries: string[] | undefined): string[][] {
  return (entries ?? []).map((e) => e.trim().split(/\s+/)).filter((w) => w.length > 0 && w[0] !== '');
}

function startsWith(words: string[], prefix: string[]): boolean {
  if (prefix.length > words.length) return false;
  for (let i = 0; i < prefix.length; i++) if (words[i] !== prefix[i]) return false;
  return true;
}

/**
 * Last path segment, lower-cased, without `.exe`: `/usr/bin/env`, `BASH` (case-insensitive file systems),
 * `C:\Windows\System32\cmd.exe` and `bash.exe` name programs by their plain names.
 */
function commandName(word: string): string {
  const base = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  return base.endsWith('.exe') ? base.slice(0, -4) : base;
}

/** Word lists a deny entry is checked against for one part: as written, and with assignments/wrappers peeled off. */
function denyCandidates(words: string[], depth: number): string[][] {
  const out: string[][] = [words];
  let w = words;
  for (let guard = 0; guard < 8 && w.length > 0; guard++) {
    if (ASSIGNMENT.test(w[0])) w = w.slice(1);
    else if (WRAPPERS.has(commandName(w[0])) && w.length > 1 && !w[1].startsWith('-')) w = w.slice(1);
    else break;
    out.push(w);
  }
  if (w.length > 0 && commandName(w[0]) !== w[0]) out.push([commandName(w[0]), ...w.slice(1)]);
  // `sh -c 'rm -rf /'`, `eval 'rm -rf /'`: the string is itself a command line.
  if (depth < 3 && w.length > 0) {
    const name = commandName(w[0]);
    let inner: string | undefined;
    if (SHELLS.has(name)) {
      const i = w.findIndex((x, idx) => idx > 0 && /^-[A-Za-z]*c[A-Za-z]*$/.test(x));
      if (i > 0 && i + 1 < w.length) inner = w[i + 1];
    } else if (name === 'eval') {
      inner = w.slice(1).join(' ');
    }
    if (inner !== undefined) {
      for (const p of partsForDeny(inner, depth + 1)) out.push(...denyCandidates(p.words, depth + 1));
    }
  }
  return out;
}

/** Every part of a command line including those inside substitutions, for deny matching only. */
function partsForDeny(command: string, depth: number): Part[] {
  const scanned = scan(command);
  const parts = toParts(scanned.text, new Set());
  if (depth < 3) for (const body of scanned.substitutions) parts.push(...partsForDeny(body, depth + 1));
  return parts;
}

export function evaluateCommand(command: string, policy: CommandPolicy): CommandEvaluation {
  const scanned = scan(command);
  const problems = new Set(scanned.problems);
  const parts = toParts(scanned.text, problems);
  const shown = parts.map((p) => quote(p.words));

  const deny = entryWords(policy.deny);
  const denyPool = [...parts];
  for (const body of scanned.substitutions) denyPool.push(...partsForDeny(body, 1));
  for (const p of denyPool) {
    for (const candidate of denyCandidates(p.words, 0)) {
      const hit = deny.find((d) => startsWith(candidate, d));
      if (hit) return { decision: 'deny', reason: `"${quote(p.words)}" matches the deny rule "${hit.join(' ')}"`, parts: shown };
    }
  }

  if (parts.length === 0) {
    return { decision: 'ask', reason: problems.size > 0 ? [...problems].join('; ') : 'empty command', parts: shown };
  }
  if (problems.size > 0) return { decision: 'ask', reason: [...problems].join('; '), parts: shown };

  const allow = entryWords(policy.allow);
  const matched: string[] = [];
  for (const p of parts) {
    const first = p.words[0];
    if (ASSIGNMENT.test(first)) return { decision: 'ask', reason: `"${quote(p.words)}" sets environment variables`, parts: shown };
    const name = commandName(first);
    if (INDIRECT.has(name)) return { decision: 'ask', reason: `"${first}" runs other commands or changes the shell`, parts: shown };
    if (RESERVED.has(first)) return { decision: 'ask', reason: `"${first}" is shell syntax`, parts: shown };
    const hit = allow.find((a) => startsWith(p.words, a));
    if (!hit) {
      const why = parts.length > 1 ? `"${quote(p.words)}" (one of ${parts.length} commands) is not in the allow list` : `"${quote(p.words)}" is not in the allow list`;
      return { decision: 'ask', reason: why, parts: shown };
    }
    matched.push(hit.join(' '));
  }
  return { decision: 'allow', reason: `allowed by ${[...new Set(matched)].map((m) => `"${m}"`).join(', ')}`, parts: shown };
}
