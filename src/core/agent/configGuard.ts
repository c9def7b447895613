/**
 * The config-write guard: whether a tool call may write the agent's own configuration, or anything else that decides
 * what runs without asking. An agent that can rewrite its server config, the editor's settings or a git hook can start
 * any process later (CVE-2025-53098), so such writes always need a person, even with `--yes` or auto-approval.
 *
 * Judged on resolved paths, not on text: every path operand and redirection target of a command is resolved against
 * the command's `cwd` (itself resolved against the workspace), with separators, `.`/`..`, duplicate slashes and
 * quoting normalized, and symlinks followed where they exist. Protected:
 * - the agent's config files (`.vscode/mcp.json`, `.mcp.json`, `mcp.json`, `config.yaml`/`.yml`) and the workspace `.env`;
 * - everything under `.vscode/` and every `*.code-workspace` (settings, tasks and launch configurations run commands);
 * - `.git` itself, `.git/config` and `.git/hooks/`; `git config`/`git remote` writes;
 * - the user's VS Code `settings.json`, `mcp.json` and `tasks.json` (any profile), and the directories the front names
 *   (the agent's data directory, VS Code's user directory).
 *
 * What cannot be parsed (substitutions, globs, code given to an interpreter) is judged by a looser textual match, on
 * the side of asking.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { realExisting } from './commandArgs';
import { commandParts } from './commandPolicy';
import { shellKind } from './shells';

export interface GuardContext {
  /** The workspace root; relative paths resolve against it (and `cwd`). */
  workspaceRoot?: string;
  /** The command's working directory, absolute. */
  cwd?: string;
  /** Absolute files or directories that are configuration too (data directory, VS Code's user directory). */
  protectedPaths?: string[];
  home?: string;
  /** The shell that runs the command: outside POSIX shells the line may split differently, so any mention counts. */
  shell?: string;
}

/** Programs that only read their operands: their words are not write targets (their redirections still are). */
const READERS = new Set([
  'cat', 'head', 'tail', 'less', 'more', 'grep', 'egrep', 'fgrep', 'rg', 'ls', 'wc', 'diff', 'stat', 'file', 'du', 'nl',
  'md5sum', 'sha1sum', 'sha256sum', 'sha512sum', 'readlink', 'realpath', 'basename', 'dirname', 'echo', 'printf',
  'test', '[', 'jq', 'bat', 'cmp', 'od', 'hexdump', 'strings',
]);
const GIT_READERS = new Set(['status', 'log', 'diff', 'show', 'blame', 'ls-files', 'ls-tree', 'grep', 'rev-parse', 'cat-file', 'shortlog', 'describe', 'reflog', 'whatchanged']);

/** Loose textual match for what could not be resolved (code strings, substitutions, globs). */
const LOOSE = /(^|[^A-Za-z0-9_-])\.vscode([\\/]|$|['"\s)])|mcp\.json|\.code-workspace|\.git[\\/]+(config|hooks)|config\.ya?ml|(^|[\\/\s'"=:(])\.env(\b|$)|[\\/]user[\\/]+(profiles[\\/]+[^\\/]+[\\/]+)?(settings|mcp|tasks)\.json/i;

const USER_SETTINGS = /\/user\/(profiles\/[^/]+\/)?(settings|mcp|tasks|keybindings)\.json$/;

function norm(p: string): string {
  return p.replace(/\\/g, '/').toLowerCase();
}

function within(child: string, parent: string): boolean {
  const c = norm(child);
  const p = norm(parent).replace(/\/+$/, '');
  return c === p || c.startsWith(`${p}/`);
}

/** Why an absolute path is protected, or undefined. */
export function protectedReason(abs: string, ctx: GuardContext): string | undefined {
  for (const candidate of new Set([abs, realExisting(abs)])) {
    const p = norm(candidate);
    const segs = p.split('/').filter((s) => s !== '');
    const base = segs[segs.length - 1] ?? '';
    if (['.mcp.json', 'mcp.json', 'config.yaml', 'config.yml', '.env'].includes(base)) return `${candidate} is MCP Agent's configuration`;
    if (base.endsWith('.code-workspace')) return `${candidate} is a VS Code workspace file`;
    if (segs.includes('.vscode')) return `${candidate} is VS Code workspace configuration`;
    const g = segs.lastIndexOf('.git');
    if (g >= 0 && (g === segs.length - 1 || segs[g + 1] === 'config' || segs[g + 1] === 'hooks')) return `${candidate} is git configuration (hooks and config run programs)`;
    if (USER_SETTINGS.test(p)) return `${candidate} is VS Code user configuration`;
    for (const guarded of ctx.protectedPaths ?? []) {
      if (within(candidate, guarded)) return `${candidate} is in ${guarded}, which holds the agent's or the editor's configuration`;
      // Replacing a directory that holds them replaces them too.
      if (within(guarded, candidate) && !(ctx.workspaceRoot && within(ctx.workspaceRoot, candidate))) return `${candidate} holds ${guarded}`;
    }
  }
  return undefined;
}

function resolveWord(word: string, base: string, ctx: GuardContext): string {
  let w = word.replace(/\\/g, '/');
  if (w === '~' || w.startsWith('~/')) w = path.join(ctx.home ?? os.homedir(), w.slice(1));
  return path.resolve(base, w);
}

/** The path-like candidates in one word: itself, an `=value`, an attached short-option value (`-o.vscode/x`). */
function candidates(word: string): string[] {
  const out = [word];
  const eq = word.indexOf('=');
  if (eq >= 0) out.push(word.slice(eq + 1));
  if (/^-[A-Za-z]./.test(word) && !word.startsWith('--')) out.push(word.slice(2));
  return out.filter((w) => w !== '' && !/^-/.test(w));
}

/** `{a,b}` expanded (one level, small), for matching globs against protected names. */
function expandBraces(word: string): string[] {
  const m = /\{([^{}]*,[^{}]*)\}/.exec(word);
  if (!m) return [word];
  return m[1].split(',').slice(0, 16).flatMap((alt) => expandBraces(word.slice(0, m.index) + alt + word.slice(m.index + m[0].length)));
}

/** A glob as a regular expression over `/`-separated paths. */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/** Protected names a glob in the workspace might expand to. */
const GLOB_PROBES = ['.vscode', '.vscode/settings.json', '.vscode/mcp.json', '.vscode/tasks.json', '.vscode/launch.json', '.mcp.json', 'mcp.json', 'config.yaml', 'config.yml', '.env', '.git', '.git/config', '.git/hooks', '.git/hooks/pre-commit', 'project.code-workspace'];

function globHitsProtected(word: string, base: string, ctx: GuardContext): boolean {
  if (!/[*?[{]/.test(word)) return false;
  const root = ctx.workspaceRoot ?? base;
  for (const alt of expandBraces(word.replace(/\\/g, '/'))) {
    const abs = resolveWord(alt, base, ctx);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    const re = globRegex(rel);
    if (GLOB_PROBES.some((probe) => re.test(probe))) return true;
    if (LOOSE.test(alt)) return true;
  }
  return false;
}

/** Why `git …` writes configuration: `git config` (other than reads), `git remote` changes, `--template`, `submodule`. */
function gitConfigWrite(args: string[]): string | undefined {
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) i += /^(-C|-c|--git-dir|--work-tree|--namespace|--exec-path|--config-env)$/.test(args[i]) ? 2 : 1;
  const sub = args[i];
  const rest = args.slice(i + 1);
  if (sub === 'config') {
    const reads = rest.some((w) => /^(--get|--get-all|--get-regexp|--get-urlmatch|--list|-l|--show-origin|--show-scope|--name-only|get|list)$/.test(w));
    const positional = rest.filter((w) => !w.startsWith('-'));
    if (!reads && !(positional.length === 1 && !rest.some((w) => /^--(add|replace-all|unset|unset-all|rename-section|remove-section|edit)|^-e$/.test(w)))) return '"git config" changes git configuration';
  }
  if (sub === 'remote' && rest[0] !== undefined && !/^(-v|--verbose|show|get-url)$/.test(rest[0])) return '"git remote" changes git configuration';
  if (sub === 'submodule' && rest.some((w) => /^(add|init|set-url|set-branch|sync|update)$/.test(w))) return '"git submodule" changes git configuration';
  if (args.some((w) => w.startsWith('--template') || w.startsWith('--separate-git-dir'))) return '"git --template" installs hooks';
  return undefined;
}

function commandName(word: string): string {
  const base = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  return base.endsWith('.exe') ? base.slice(0, -4) : base;
}

/** Why a command line may write protected configuration, or undefined. */
export function commandWritesConfig(command: string, ctx: GuardContext): string | undefined {
  const root = ctx.workspaceRoot ?? process.cwd();
  let cwd = ctx.cwd ?? root;
  const { parts, problems } = commandParts(command);
  const cwdReason = protectedReason(cwd, ctx);
  for (const part of parts) {
    const [first, ...args] = part.words;
    for (const target of part.redirects) {
      for (const c of candidates(target)) {
        const why = protectedReason(resolveWord(c, cwd, ctx), ctx) ?? (globHitsProtected(c, cwd, ctx) || LOOSE.test(c) ? `the redirection to ${target} may write configuration` : undefined);
        if (why) return why;
      }
    }
    if (first === undefined) continue;
    const name = commandName(first);
    if (name === 'cd' || name === 'pushd' || name === 'chdir') {
      // Later parts run there.
      const to = args.find((a) => !a.startsWith('-'));
      cwd = to === undefined ? ctx.home ?? os.homedir() : resolveWord(to, cwd, ctx);
      const why = protectedReason(cwd, ctx);
      if (why) return `the command changes into ${to ?? '~'}: ${why}`;
      continue;
    }
    if (name === 'git') {
      const why = gitConfigWrite(args);
      if (why) return why;
      const sub = args.find((a) => !a.startsWith('-'));
      if (sub !== undefined && GIT_READERS.has(sub)) continue;
    }
    if (READERS.has(name)) continue;
    // find only reads unless it is told to act (`-delete`, `-exec`, `-fprint`…).
    if (name === 'find' && !args.some((a) => /^-(delete|exec|execdir|ok|okdir|fprint|fprint0|fprintf|fls)$/.test(a))) continue;
    if (cwdReason) return `the command runs in a protected directory: ${cwdReason}`;
    for (const word of args) {
      for (const c of candidates(word)) {
        const why = protectedReason(resolveWord(c, cwd, ctx), ctx);
        if (why) return why;
        if (globHitsProtected(c, cwd, ctx)) return `${word} may match configuration files`;
        if (LOOSE.test(c)) return `${word} names configuration`;
      }
    }
  }
  if (problems.length > 0 || (ctx.shell !== undefined && shellKind(ctx.shell) !== 'posix')) {
    // What could not be parsed exactly (or was parsed for POSIX but runs in fish, PowerShell, cmd.exe): a loose look at the text without its quoting.
    const text = command.replace(/['"\\`]/g, '').replace(/\$\{?[A-Za-z_]*\}?/g, '').replace(/\/{2,}/g, '/');
    if (LOOSE.test(text)) return 'the command mentions configuration files in a way that cannot be checked exactly';
  }
  return undefined;
}

/** Whether a string argument of a tool (an MCP tool's `path`, `edit_file`'s file) names protected configuration. */
export function argumentWritesConfig(values: string[], ctx: GuardContext): string | undefined {
  const root = ctx.workspaceRoot ?? process.cwd();
  for (const v of values) {
    if (LOOSE.test(v)) return `${v.length > 80 ? `${v.slice(0, 79)}…` : v} names configuration`;
    if (v === '' || /\s/.test(v) || v.length > 4096) continue;
    const why = protectedReason(resolveWord(v.replace(/^file:\/\//, ''), root, ctx), ctx);
    if (why) return why;
  }
  return undefined;
}
