/**
 * Deny entries match by meaning, not spelling: a command's words as program, operands and flag set, each flag in
 * one spelling (`rm -fr` = `rm -r -f` = `rm --recursive --force`).
 */
import * as path from 'node:path';
import { isOption, longName } from './commandArgs';
import { gitGlobals } from './gitRules';
import { selectorLength } from './programRules';

/** Per-program spellings of the same flag, for deny entries: `--recursive` = `-R` = `-r`. */
const FLAG_ALIASES: Record<string, Record<string, string>> = {
  rm: { R: 'r', recursive: 'r', force: 'f', dir: 'd', interactive: 'i', verbose: 'v' },
  cp: { R: 'r', recursive: 'r', force: 'f', archive: 'a' },
  mv: { force: 'f' },
  chmod: { recursive: 'R' },
  chown: { recursive: 'R' },
  chgrp: { recursive: 'R' },
  'git push': { force: 'f', 'force-with-lease': 'f', 'force-if-includes': 'f', delete: 'd', mirror: 'mirror' },
  'git clean': { force: 'f' },
  'git reset': {},
  'git branch': { D: 'D', delete: 'd', force: 'f' },
  'git checkout': { force: 'f' },
};

export interface Canonical {
  program: string;
  /** Operands in order (subcommand first where there is one), paths normalized. */
  operands: string[];
  flags: Set<string>;
}

function normalizeOperand(w: string): string {
  if (w.includes('/') || w === '.' || w === '..') {
    const n = path.posix.normalize(w.replace(/\\/g, '/'));
    return n.length > 1 ? n.replace(/\/+$/, '') : n;
  }
  return w;
}

/**
 * A command's words as program, operands and flag set, with git's global options dropped and each flag in one
 * spelling. The program is compared by name (`/bin/rm`, `RM`, `rm.exe` are rm).
 */
export function canonicalize(words: string[], programName: (w: string) => string): Canonical | undefined {
  if (words.length === 0) return undefined;
  const program = programName(words[0]);
  let args = words.slice(1);
  if (program === 'git') args = args.slice(gitGlobals(args).sub);
  const sub = program === 'git' && args[0] !== undefined ? `git ${args[0]}` : program;
  const aliases = FLAG_ALIASES[sub] ?? FLAG_ALIASES[program] ?? {};
  const longs = Object.keys(aliases).filter((k) => k.length > 1);
  const flags = new Set<string>();
  const ops: string[] = [];
  let ended = false;
  for (const w of args) {
    if (!ended && w === '--') {
      ended = true;
      continue;
    }
    if (ended || !isOption(w)) {
      ops.push(normalizeOperand(w));
      // `git push origin +main` forces as much as --force does.
      if (sub === 'git push' && w.startsWith('+')) flags.add('f');
      continue;
    }
    const name = longName(w);
    if (name !== undefined) {
      const full = longs.find((l) => l === name) ?? (name.length >= 3 ? longs.find((l) => l.startsWith(name)) : undefined);
      flags.add(full !== undefined ? aliases[full] : `--${name}`);
    } else {
      for (const ch of w.slice(1)) {
        if (!/[A-Za-z0-9]/.test(ch)) break;
        flags.add(aliases[ch] ?? ch);
      }
    }
  }
  return { program, operands: ops, flags };
}

/** Whether a command matches a deny entry: same program (and subcommand), the entry's flags and operands all present. */
export function denyMatches(command: Canonical, entry: Canonical): boolean {
  if (command.program !== entry.program) return false;
  const hasSub = selectorLength(entry.program, entry.operands) > 0;
  if (hasSub && entry.operands.length > 0 && command.operands[0] !== entry.operands[0]) return false;
  for (const f of entry.flags) if (!command.flags.has(f)) return false;
  const rest = hasSub ? entry.operands.slice(1) : entry.operands;
  const have = new Set(hasSub ? command.operands.slice(1) : command.operands);
  return rest.every((o) => have.has(o));
}
