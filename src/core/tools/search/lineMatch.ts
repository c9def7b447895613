/** Matching lines, trimming them for display, and collecting matches under a cap. */

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
