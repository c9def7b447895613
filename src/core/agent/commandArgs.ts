/**
 * The option and operand parsing the per-program rules share (programRules.ts, gitRules.ts, scriptRules.ts,
 * denyMatch.ts), the declarative `Spec` of one program's options that ask, and where an operand points (inside the
 * workspace or not).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ArgContext {
  /** Whether a path operand lies outside the workspace: absolute elsewhere, `..` past the root, `~`, or via a symlink. */
  outside(p: string): boolean;
}

/** A reason to ask, at the index (into the program's arguments) of the word that causes it. */
export interface Finding {
  index: number;
  reason: string;
}

// ---- option helpers ----

export const isOption = (w: string): boolean => w.startsWith('-') && w !== '-' && w !== '--';

/** `--name=value` -> name (without dashes); undefined for anything else. */
export function longName(w: string): string | undefined {
  if (!w.startsWith('--') || w === '--') return undefined;
  const eq = w.indexOf('=');
  return (eq < 0 ? w.slice(2) : w.slice(2, eq)).toLowerCase();
}

/** Whether `given` (as typed after `--`) names `name`, GNU-style abbreviations included (at least 3 characters). */
function namesLong(given: string, name: string, abbrev: boolean): boolean {
  return given === name || (abbrev && given.length >= 3 && name.startsWith(given));
}

export function valueOf(w: string): string | undefined {
  const eq = w.indexOf('=');
  return eq < 0 ? undefined : w.slice(eq + 1);
}

/** Option words before `--`, with their indexes. */
export function options(args: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    if (isOption(args[i])) out.push([args[i], i]);
  }
  return out;
}

/** Non-option words (everything after `--` too), with their indexes. */
export function operands(args: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  let ended = false;
  for (let i = 0; i < args.length; i++) {
    if (!ended && args[i] === '--') {
      ended = true;
      continue;
    }
    if (ended || !isOption(args[i])) out.push([args[i], i]);
  }
  return out;
}

export interface Spec {
  /** Short option letters that ask, in any cluster (`-xvf`). */
  short?: string;
  /** Long options that ask (also abbreviated, unless `abbrev` is false). */
  long?: string[];
  /** Single-dash words that ask, exactly or with `=value` (find's `-exec`, go's `-toolexec`, also as `--toolexec`). */
  words?: string[];
  /** Operands (and `--opt=value` values) outside the workspace ask: the program writes or deletes them. */
  writes?: boolean;
  abbrev?: boolean;
  /** Operands that are code to run (`perl script.pl`): outside the workspace they ask. */
  runsOperand?: boolean;
  custom?: (args: string[], ctx: ArgContext) => Finding[];
  /** Why the options ask, for the reason text. */
  what?: string;
}

export function specFindings(program: string, spec: Spec, args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  const what = spec.what ?? 'can run other programs or write files';
  for (const [w, i] of options(args)) {
    const name = longName(w);
    if (name !== undefined) {
      if (spec.long?.some((l) => namesLong(name, l, spec.abbrev ?? true))) out.push({ index: i, reason: `"${program} ${w}" ${what}` });
      if (spec.words?.some((l) => name === l.replace(/^-+/, ''))) out.push({ index: i, reason: `"${program} ${w}" ${what}` });
    } else {
      const bare = w.split('=')[0];
      if (spec.words?.includes(bare)) out.push({ index: i, reason: `"${program} ${w}" ${what}` });
      else if (spec.short) {
        const letters = w.slice(1);
        for (const ch of letters) {
          if (spec.short.includes(ch)) {
            out.push({ index: i, reason: `"${program} -${ch}" ${what}` });
            break;
          }
          if (!/[A-Za-z]/.test(ch)) break; // `-n5`: the rest is a value
        }
      }
    }
    if (spec.writes) {
      const v = valueOf(w);
      if (v !== undefined && v !== '' && ctx.outside(v)) out.push({ index: i, reason: `"${program}" would write outside the workspace (${v})` });
    }
  }
  if (spec.writes || spec.runsOperand) {
    for (const [w, i] of operands(args)) {
      if (ctx.outside(w)) out.push({ index: i, reason: spec.writes ? `"${program}" would change ${w}, outside the workspace` : `"${program}" would run ${w}, outside the workspace` });
    }
  }
  if (spec.custom) out.push(...spec.custom(args, ctx));
  return out;
}

/** "Outside the workspace" for operands: `~`, absolute paths elsewhere, `..` past the root, symlinks leading out. */
export function outsideChecker(root: string | undefined, cwd: string | undefined): ArgContext {
  let realRoot: string | undefined;
  const inside = (base: string, p: string): boolean => {
    const rel = path.relative(base, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  return {
    outside(p: string): boolean {
      if (p.startsWith('~')) return true;
      if (!root) return path.isAbsolute(p) || /^[A-Za-z]:/.test(p) || p.split(/[\\/]/).includes('..');
      const abs = path.resolve(cwd ?? root, p);
      if (!inside(path.resolve(root), abs)) return true;
      try {
        realRoot ??= fs.realpathSync(root);
      } catch {
        return false; // no such root: the lexical check is all there is
      }
      return !inside(realRoot, realExisting(abs));
    },
  };
}

/** The real path of the deepest existing ancestor of `p`, with the rest appended. */
export function realExisting(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (let guard = 0; guard < 256; guard++) {
    try {
      return path.join(fs.realpathSync(cur), ...rest);
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      rest.unshift(path.basename(cur));
      cur = parent;
    }
  }
  return p;
}
