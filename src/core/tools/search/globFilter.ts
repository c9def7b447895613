/** The search tool's `glob` argument, read with .gitignore rules the way ripgrep reads `--glob`. */
import ignore from 'ignore';

/** `*.{ts,tsx}` → `*.ts`, `*.tsx` (nested braces too); text without braces comes back alone. */
export function expandBraces(glob: string): string[] {
  const open = glob.indexOf('{');
  if (open === -1) return [glob];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < glob.length; i++) {
    const c = glob[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      const parts: string[] = [];
      let start = open + 1;
      for (const comma of commas) {
        parts.push(glob.slice(start, comma));
        start = comma + 1;
      }
      parts.push(glob.slice(start, i));
      const rest = glob.slice(i + 1);
      return parts.flatMap((part) => expandBraces(glob.slice(0, open) + part + rest));
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [glob]; // unbalanced: take it literally
}

/**
 * A test for `/`-separated paths relative to the search root. `*.ts` matches at any depth,
 * `src/**\/*.py` from the root; a leading `!` turns the glob into an exclusion.
 */
export function createGlobFilter(glob: string): (rel: string) => boolean {
  const negated = glob.startsWith('!');
  const matcher = ignore({ allowRelativePaths: true }).add(expandBraces(negated ? glob.slice(1) : glob));
  return (rel) => matcher.ignores(rel) !== negated;
}

/** Whether the glob selects files rather than only excluding some. */
export function isWhitelistGlob(glob: string): boolean {
  return !glob.startsWith('!');
}
