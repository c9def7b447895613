/** Matching lines, trimming them for display, and collecting matches under a cap. */
import * as vm from 'node:vm';

export interface SearchMatch {
  /** `/`-separated, relative to the search root. */
  path: string;
  /** 1-based. */
  line: number;
  text: string;
}

export interface MatchSpec {
  query: string;
  regex?: boolean;
  ignoreCase?: boolean;
}

/** Where the query first matches in a line, or undefined. Throws on an invalid regular expression. */
export type LineMatcher = (line: string) => { index: number; length: number } | undefined;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createLineMatcher(spec: MatchSpec): LineMatcher {
  if (!spec.regex && !spec.ignoreCase) {
    return (line) => {
      const index = line.indexOf(spec.query);
      return index === -1 ? undefined : { index, length: spec.query.length };
    };
  }
  let re: RegExp;
  try {
    re = new RegExp(spec.regex ? spec.query : escapeRegExp(spec.query), spec.ignoreCase ? 'i' : '');
  } catch (err) {
    throw new Error(`Invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
  }
  return (line) => {
    const m = re.exec(line);
    return m ? { index: m.index, length: m[0].length } : undefined;
  };
}

/** A file's lines matched at once: [line index, match index, match length] for the first `limit` matching lines. */
export type LinesMatcher = (lines: string[], limit: number) => Array<[number, number, number]>;

/** Time all regular-expression matching of one built-in search may take (a catastrophic pattern would hang). */
export const REGEX_BUDGET_MS = 2000;

/**
 * The built-in search's matcher over whole files. A regular expression from the model runs in a `vm` context with a
 * timeout, which V8 can interrupt even inside a backtracking match; the time is one budget for the whole search.
 * Plain text queries need no limit.
 */
export function createLinesMatcher(spec: MatchSpec, budgetMs = REGEX_BUDGET_MS): LinesMatcher {
  const one = createLineMatcher(spec);
  if (!spec.regex) {
    return (lines, limit) => {
      const out: Array<[number, number, number]> = [];
      for (let i = 0; i < lines.length && out.length < limit; i++) {
        const hit = one(stripCr(lines[i]));
        if (hit) out.push([i, hit.index, hit.length]);
      }
      return out;
    };
  }
  const context = vm.createContext({ re: new RegExp(spec.query, spec.ignoreCase ? 'i' : ''), lines: [] as string[], limit: 0 });
  const script = new vm.Script(`(() => {
    const out = [];
    for (let i = 0; i < lines.length && out.length < limit; i++) {
      const l = lines[i].endsWith('\\r') ? lines[i].slice(0, -1) : lines[i];
      const m = re.exec(l);
      if (m) out.push([i, m.index, m[0].length]);
    }
    return out;
  })()`);
  let left = budgetMs;
  return (lines, limit) => {
    if (left <= 0) throw regexTooSlow(budgetMs);
    context.lines = lines;
    context.limit = limit;
    const started = performance.now();
    try {
      return script.runInContext(context, { timeout: Math.max(1, Math.ceil(left)) }) as Array<[number, number, number]>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw regexTooSlow(budgetMs);
      throw err;
    } finally {
      left -= performance.now() - started;
      context.lines = [];
    }
  };
}

function regexTooSlow(budgetMs: number): Error {
  return new Error(`The regular expression took longer than ${budgetMs / 1000} s (it backtracks too much, e.g. nested quantifiers like (a+)+); simplify it, or install ripgrep.`);
}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

export const DEFAULT_MAX_LINE_CHARS = 200;

/** The line, whitespace-trimmed; a long one is cut to a window around the match, with `…` where cut. */
export function displayLine(line: string, matchIndex = 0, maxChars = DEFAULT_MAX_LINE_CHARS): string {
  line = line.replace(/[\r\n]+$/, '');
  if (line.length <= maxChars) return line.trim();
  const start = Math.max(0, Math.min(matchIndex - Math.floor(maxChars / 4), line.length - maxChars));
  const end = start + maxChars;
  return (start > 0 ? '…' : '') + line.slice(start, end).trim() + (end < line.length ? '…' : '');
}

/** Keeps the first `max` matches and counts the rest up to `countLimit`, past which searching can stop. */
export class MatchCollector {
  readonly matches: SearchMatch[] = [];
  total = 0;

  constructor(
    readonly max: number,
    readonly countLimit: number,
  ) {}

  /** Adds a match; false once the count limit is reached and the search should stop. */
  add(match: SearchMatch): boolean {
    this.total++;
    if (this.matches.length < this.max) this.matches.push(match);
    return this.total < this.countLimit;
  }

  get full(): boolean {
    return this.total >= this.countLimit;
  }
}
