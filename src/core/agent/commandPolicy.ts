/**
 * Decides whether a shell command line may run without asking the user.
 *
 * Model: the line is a list of simple commands ("parts") joined by `;`, `&&`, `||`, `|`, `|&`, `&` or newlines. The line
 * is allowed only when every part is covered by an allow entry. An entry names a program and, for programs with
 * subcommands, the subcommand (`git status`, `npm test`, `npm run build`); words after the entry are accepted only when
 * they cannot run code, write outside the workspace or change configuration (the per-program table in
 * programRules.ts). An entry ending in `*` (`git *`, `npm run *`) accepts any further words, knowingly. Anything whose
 * meaning depends on shell expansion or redirection is never allowed, only asked about. Deny entries win over
 * everything: if any part, including one inside a subshell or process substitution, matches a deny entry (by prefix, or
 * by program, subcommand and flags in any spelling: `rm -fr` = `rm -r -f` = `rm --recursive --force`, denyMatch.ts),
 * the answer is `deny`.
 *
 * The executing shell decides the quoting (shells.ts): POSIX shells are parsed here; for fish, PowerShell, cmd.exe
 * and unknown shells only a line of plain words is judged by the allow list, everything else asks.
 *
 * `shell-quote` does the word splitting, but it is lossy: it treats a newline as a plain space (so `git status\nrm -rf /`
 * would look like one command), passes backticks through as text, accepts unbalanced quotes and drops backslash
 * escapes. So a quote-aware scan of the raw text runs first and flags everything shell-quote cannot represent
 * exactly; newlines outside quotes become `;` before parsing.
 *
 * Deny matching is a best-effort safety net on the parsed words (after stripping env assignments and simple wrappers
 * like `sudo`, and looking into `sh -c '…'` / `eval`); it cannot see through every obfuscation, which is why anything
 * unusual is at least `ask`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, quote, type ParseEntry } from 'shell-quote';
import { outsideChecker, realExisting, type ArgContext } from './commandArgs';
import { canonicalize, denyMatches } from './denyMatch';
import { gitGlobals } from './gitRules';
import { argumentFindings, ruleName, selectorLength } from './programRules';
import { plainWords, quoteLikeCharacter, shellKind, type ShellKind } from './shells';

export type CommandDecision = 'allow' | 'ask' | 'deny';

export interface CommandPolicy {
  /** Command prefixes that may run without asking, e.g. `git status`, `npm test`. */
  allow: string[];
  /** Command prefixes that are refused outright; they win over `allow`. */
  deny?: string[];
}

/** Where and by what the line runs: the shell decides the quoting, the workspace and cwd decide what "outside" is. */
export interface CommandContext {
  /** The executing shell (path or name); default `/bin/sh`. */
  shell?: string;
  /** The workspace root: operands outside it ask for programs that write. Unset: any absolute path, `..` or `~` asks. */
  workspaceRoot?: string;
  /** The directory the command runs in (absolute); default the workspace root. */
  cwd?: string;
  /** Directories outside the workspace that hold the agent's or the editor's data (tokens, trust records): never read unasked. */
  protectedPaths?: string[];
}

/** Credential files in the home directory: naming one asks, whatever the program (reading one is enough to leak it). */
const CREDENTIALS = /^(\.ssh|\.aws|\.gnupg|\.azure|\.kube|\.docker|\.config\/gh|\.config\/gcloud|\.config\/mcp-agent|\.local\/share\/mcp-agent|\.password-store)(\/|$)|^(\.netrc|\.git-credentials|\.npmrc|\.pypirc|\.pgpass|\.my\.cnf)$/;

/** Why a word names secrets outside the workspace (credential files, the agent's data), or undefined. */
function secretOperand(word: string, context: CommandContext): string | undefined {
  const home = os.homedir();
  const candidates = [word, word.slice(word.indexOf('=') + 1)].filter((w) => w !== '' && !w.startsWith('-'));
  for (const w of candidates) {
    const abs = w === '~' || w.startsWith('~/') ? path.join(home, w.slice(1)) : path.resolve(context.cwd ?? context.workspaceRoot ?? process.cwd(), w);
    const real = realExisting(abs);
    for (const p of new Set([abs, real])) {
      const rel = path.relative(home, p);
      const underHome = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
      if (underHome && CREDENTIALS.test(rel.split(path.sep).join('/'))) return `"${word}" names a credential file`;
      for (const guarded of context.protectedPaths ?? []) {
        const r = path.relative(guarded, p);
        if (r === '' || (!r.startsWith('..') && !path.isAbsolute(r))) return `"${word}" is in ${guarded}, the agent's or the editor's own data`;
      }
    }
  }
  return undefined;
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
  // The terminal in VS Code keeps its state between commands: whatever changes it changes every later command.
  'cd', 'pushd', 'popd', 'chdir', 'unset', 'umask', 'ulimit', 'read', 'mapfile', 'readarray', 'getopts', 'fc', 'r',
  'noglob', 'nocorrect', '-', 'autoload', 'zmodload', 'fg', 'bg', 'disown', 'function', 'emulate', 'setopt', 'unsetopt',
  'bindkey', 'zle', 'functions', 'unfunction', 'rehash', 'compdef', 'iex', 'invoke-expression', 'start-process', 'start',
  // Wrappers that run their operand.
  'flock', 'ionice', 'taskset', 'chrt', 'strace', 'ltrace', 'unshare', 'nsenter', 'systemd-run', 'pkexec', 'catchsegv',
  'firejail', 'proot', 'fakeroot', 'faketime', 'chronic', 'sg', 'newgrp', 'expect', 'tclsh', 'wish',
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

/** A marker for an unquoted `#` in the scanned text (a character no command line can hold: scan flags NUL). */
const HASH = '\u0000#';

/** One simple command. Subshell and process-substitution contents become parts too, so deny rules see them. */
export interface Part {
  words: string[];
  /** Targets of redirections that write (`> file`, `2>>log`, `&> out`). */
  redirects: string[];
}

/**
 * Flags what shell-quote would misread and turns unquoted newlines into `;`. Also returns the bodies of backtick and
 * `$( )` substitutions (outside single quotes) so deny rules can look inside them.
 */
function scan(command: string): { text: string; uncommented: string; problems: string[]; substitutions: string[] } {
  const problems = new Set<string>();
  const substitutions: string[] = [];
  const chars = Array.from(command); // code points, so a surrogate pair is one character
  let out = '';
  // The same text with unquoted `#` made literal: an interactive zsh (a VS Code terminal) does not treat it as a comment.
  let hashes = 0;
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
    else if (ch === '#') {
      problems.add('comment');
      hashes++;
      out += HASH;
      continue;
    }
    else if ('*?[]{}'.includes(ch)) problems.add('glob or brace pattern');
    else if (ch === '!') problems.add('history expansion or negation');
    else if (ch === '\r') problems.add('carriage return');
    else if (code < 0x20 || code === 0x7f) problems.add('control character');
    else if (code > 0x7e) problems.add('non-ASCII character outside quotes');
    else if (!PLAIN_UNQUOTED.test(ch)) problems.add(`unusual character ${JSON.stringify(ch)}`);
    out += ch;
  }
  if (q !== 'none') problems.add('unbalanced quote');
  const uncommented = hashes > 0 ? out.split(HASH).join("'#'") : out;
  return { text: hashes > 0 ? out.split(HASH).join('#') : out, uncommented, problems: [...problems], substitutions };
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
  let current: Part = { words: [], redirects: [] };
  let skipNextWord = false; // the target of a redirection is a file name, not part of the command
  let redirectWrites = false;
  let pendingSeparator: string | undefined;
  const flush = (): void => {
    if (current.words.length > 0 || current.redirects.length > 0) parts.push(current);
    current = { words: [], redirects: [] };
  };

  for (const e of entries) {
    if (typeof e === 'string') {
      if (skipNextWord) {
        skipNextWord = false;
        if (redirectWrites) current.redirects.push(e);
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
      if (current.words.length === 0 && current.redirects.length === 0 && op !== ';') problems.add(`"${op}" without a command before it`);
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
      redirectWrites = false;
    } else {
      problems.add('redirection');
      skipNextWord = true;
      // `>`, `>>`, `&>`, `>|`, `<>` write their target; `<` only reads it. `>&2` names a descriptor, harmless.
      redirectWrites = op.includes('>');
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
  if (scanned.uncommented !== scanned.text) parts.push(...toParts(scanned.uncommented, new Set()));
  // A line shell-quote cannot split (fish, PowerShell): its plain words still face the deny list.
  parts.push({ words: command.trim().split(/\s+/).filter((w) => w !== ''), redirects: [] });
  if (depth < 3) for (const body of scanned.substitutions) parts.push(...partsForDeny(body, depth + 1));
  return parts;
}

/**
 * Every simple command a line consists of, as far as it can be parsed: its parts, the parts inside substitutions and
 * inside `sh -c '…'` / `eval` strings, and what made it hard to read. The config-write guard judges these.
 */
export function commandParts(command: string): { parts: Part[]; problems: string[] } {
  const scanned = scan(command);
  const problems = new Set(scanned.problems);
  const parts = toParts(scanned.text, problems);
  const extra: Part[] = [];
  for (const body of scanned.substitutions) extra.push(...partsForDeny(body, 1));
  for (const p of [...parts, ...extra]) {
    for (const c of denyCandidates(p.words, 0).slice(1)) extra.push({ words: c, redirects: [] });
  }
  return { parts: [...parts, ...extra], problems: [...problems] };
}

/** Why a part matches an allow entry, or why the closest entry does not cover it. */
function matchEntry(words: string[], entry: string[], ctx: ArgContext, context: CommandContext): { ok: true } | { ok: false; why?: string } {
  const prog = entry[0];
  if (prog === '*' || words[0] !== prog) return { ok: false };
  const wildcard = entry.length > 1 && entry[entry.length - 1] === '*';
  const rest = wildcard ? entry.slice(1, -1) : entry.slice(1);
  const args = words.slice(1);
  const name = ruleName(prog);
  // git's global options stand before the subcommand: `git --no-pager log` is `git log`.
  let sub = 0;
  const findings = [];
  if (name === 'git' && !(rest[0] ?? '').startsWith('-')) {
    const g = gitGlobals(args, ctx);
    sub = g.sub;
    findings.push(...g.findings);
  }
  const canon = args.slice(sub);
  if (rest.length > canon.length) return { ok: false };
  for (let i = 0; i < rest.length; i++) if (canon[i] !== rest[i]) return { ok: false };
  if (wildcard) return { ok: true };
  if (rest.length < selectorLength(name, canon) && canon.length > rest.length) {
    return { ok: false, why: `the entry "${entry.join(' ')}" does not name what "${words.slice(0, 1 + sub + rest.length + 1).join(' ')}" runs (write "${[...entry, canon[rest.length]].join(' ')}", or "${entry.join(' ')} *" to allow every one)` };
  }
  const covered = sub + rest.length;
  findings.push(...argumentFindings(prog, args, ctx).filter((f) => f.index >= covered));
  for (let i = covered; i < args.length; i++) {
    const why = secretOperand(args[i], context);
    if (why) findings.push({ index: i, reason: why });
  }
  if (findings.length > 0) return { ok: false, why: findings[0].reason };
  return { ok: true };
}

export function evaluateCommand(command: string, policy: CommandPolicy, context: CommandContext = {}): CommandEvaluation {
  const kind: ShellKind = shellKind(context.shell ?? '/bin/sh');
  const scanned = scan(command);
  const problems = new Set(scanned.problems);
  let parts = toParts(scanned.text, problems);
  const shown = parts.map((p) => quote(p.words));

  const deny = entryWords(policy.deny);
  const denyCanon = deny.map((d) => canonicalize(d, commandName));
  const denyPool = [...parts];
  if (scanned.uncommented !== scanned.text) denyPool.push(...toParts(scanned.uncommented, new Set()));
  denyPool.push({ words: command.trim().split(/\s+/).filter((w) => w !== ''), redirects: [] });
  if (kind !== 'posix') {
    // Another shell's quoting may start a command at any word: try every word as the start of one.
    const words = command.split(/[\s;&|()'"`<>^]+/).filter((w) => w !== '');
    for (let i = 0; i < words.length; i++) denyPool.push({ words: words.slice(i), redirects: [] });
  }
  for (const body of scanned.substitutions) denyPool.push(...partsForDeny(body, 1));
  for (const p of denyPool) {
    for (const candidate of denyCandidates(p.words, 0)) {
      const hit = deny.find((d) => startsWith(candidate, d));
      if (hit) return { decision: 'deny', reason: `"${quote(p.words)}" matches the deny rule "${hit.join(' ')}"`, parts: shown };
      const c = canonicalize(candidate, commandName);
      const spelled = c && deny.find((_, i) => denyCanon[i] !== undefined && denyMatches(c, denyCanon[i]));
      if (spelled) return { decision: 'deny', reason: `"${quote(p.words)}" matches the deny rule "${spelled.join(' ')}"`, parts: shown };
    }
  }

  if (quoteLikeCharacter(command)) return { decision: 'ask', reason: 'a non-ASCII quote-like character', parts: shown };
  if (kind !== 'posix') {
    const words = plainWords(command);
    const shell = context.shell ?? kind;
    if (!words) {
      return { decision: 'ask', reason: `the command runs in ${shell}, whose quoting differs from POSIX shells: only plain words are judged by the allow list`, parts: shown };
    }
    parts = [{ words, redirects: [] }];
    problems.clear();
  }

  if (parts.length === 0) {
    return { decision: 'ask', reason: problems.size > 0 ? [...problems].join('; ') : 'empty command', parts: shown };
  }
  if (problems.size > 0) return { decision: 'ask', reason: [...problems].join('; '), parts: shown };

  const allow = entryWords(policy.allow);
  const args = outsideChecker(context.workspaceRoot, context.cwd);
  const matched: string[] = [];
  for (const p of parts) {
    const first = p.words[0];
    if (first === undefined) return { decision: 'ask', reason: 'redirection', parts: shown };
    if (ASSIGNMENT.test(first)) return { decision: 'ask', reason: `"${quote(p.words)}" sets environment variables`, parts: shown };
    const name = commandName(first);
    if (INDIRECT.has(name)) return { decision: 'ask', reason: `"${first}" runs other commands or changes the shell`, parts: shown };
    if (RESERVED.has(first)) return { decision: 'ask', reason: `"${first}" is shell syntax`, parts: shown };
    let hit: string[] | undefined;
    let why: string | undefined;
    for (const a of allow) {
      const m = matchEntry(p.words, a, args, context);
      if (m.ok) {
        hit = a;
        break;
      }
      why ??= m.why;
    }
    if (!hit) {
      if (why) return { decision: 'ask', reason: why, parts: shown };
      const reason = parts.length > 1 ? `"${quote(p.words)}" (one of ${parts.length} commands) is not in the allow list` : `"${quote(p.words)}" is not in the allow list`;
      return { decision: 'ask', reason, parts: shown };
    }
    matched.push(hit.join(' '));
  }
  return { decision: 'allow', reason: `allowed by ${[...new Set(matched)].map((m) => `"${m}"`).join(', ')}`, parts: shown };
}
