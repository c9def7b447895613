/** The search tool: literal (or regex) text search over the workspace, ripgrep first, Node as fallback. */
import type { Logger, Workspace } from '../ports';
import { createGlobFilter, isWhitelistGlob } from './search/globFilter';
import { IgnoreRules } from './search/ignoreRules';
import { createLineMatcher, createLinesMatcher, MatchCollector, type SearchMatch } from './search/lineMatch';
import { searchWithNode } from './search/nodeSearch';
import { findRipgrepOnPath, RipgrepUnavailableError, searchWithRipgrep } from './search/ripgrep';
import { textResult, type BuiltinTool } from './types';

export { findRipgrepOnPath } from './search/ripgrep';
export type { SearchMatch } from './search/lineMatch';

export const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS_LIMIT = 1000;
/** Matches past this are not counted: the note then says "at least". */
const COUNT_LIMIT = 10_000;
const DEFAULT_SKIP_DIRS = ['.git', 'node_modules'];

export interface SearchOptions {
  root: string;
  query: string;
  glob?: string;
  maxResults?: number;
  /** Treat the query as a regular expression (ripgrep's syntax, or JavaScript's in the fallback). */
  regex?: boolean;
  ignoreCase?: boolean;
  /** ripgrep binary; when absent, `rg` on PATH. */
  rgPath?: string;
  /** `node` forces the fallback (tests, or a broken rg); `auto` (default) prefers ripgrep. */
  engine?: 'auto' | 'node';
  signal?: AbortSignal;
  logger?: Logger;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** All matches counted, shown or not. */
  total: number;
  /** Counting stopped early, so `total` is a lower bound. */
  totalIsLowerBound: boolean;
  engine: 'ripgrep' | 'node';
  notes: string[];
}

export async function searchWorkspace(options: SearchOptions): Promise<SearchResult> {
  if (options.query === '') throw new Error('The search query must not be empty.');
  const max = Math.max(1, Math.min(options.maxResults ?? DEFAULT_MAX_RESULTS, MAX_RESULTS_LIMIT));
  const glob = options.glob?.trim() || undefined;
  // A glob that names node_modules or .git asks for it explicitly, so it is not skipped then.
  const globParts = glob?.split(/[/{},!]/) ?? [];
  const skipDirs = DEFAULT_SKIP_DIRS.filter((d) => !globParts.includes(d));
  createLineMatcher(options); // validates a regex before any process starts
  const notes: string[] = [];

  if (options.engine !== 'node') {
    const rgPath = options.rgPath ?? (await findRipgrepOnPath());
    if (rgPath) {
      const collector = new MatchCollector(max, COUNT_LIMIT);
      // ripgrep lets a --glob that selects a file override .gitignore; re-check those files ourselves.
      const rules = glob && isWhitelistGlob(glob) ? new IgnoreRules(options.root) : undefined;
      try {
        const rg = await searchWithRipgrep({
          ...options,
          rgPath,
          collector,
          globs: [...(glob ? [glob] : []), ...skipDirs.map((d) => `!${d}`)],
          accept: rules ? async (rel) => !(await rules.isIgnoredDeep(rel, false)) : undefined,
        });
        return { matches: collector.matches, total: collector.total, totalIsLowerBound: collector.full, engine: 'ripgrep', notes: rg.notes };
      } catch (err) {
        if (!(err instanceof RipgrepUnavailableError)) throw err;
        options.logger?.warn(`search: ${err.message}; using the built-in search`);
        notes.push(`ripgrep could not be started (${err.message}); the slower built-in search was used.`);
      }
    }
  }

  const collector = new MatchCollector(max, COUNT_LIMIT);
  const node = await searchWithNode({
    root: options.root,
    matcher: createLinesMatcher(options),
    collector,
    include: glob ? createGlobFilter(glob) : undefined,
    skipDirs: new Set(skipDirs),
    signal: options.signal,
  });
  return { matches: collector.matches, total: collector.total, totalIsLowerBound: collector.full, engine: 'node', notes: [...notes, ...node.notes] };
}

/** What the model reads: one `path:line:text` per match, then how many were left out. */
export function formatSearchResult(result: SearchResult, query: string, glob?: string): string {
  const lines: string[] = [];
  if (result.matches.length === 0) {
    lines.push(`No matches for ${JSON.stringify(query)}${glob ? ` in files matching ${glob}` : ''}.`);
  } else {
    for (const m of result.matches) lines.push(`${m.path}:${m.line}:${m.text}`);
    const hidden = result.total - result.matches.length;
    if (hidden > 0) {
      lines.push('', `${result.totalIsLowerBound ? 'At least ' : ''}${hidden} more match${hidden === 1 ? '' : 'es'} not shown; narrow the query or add a glob.`);
    }
  }
  for (const note of result.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

export interface SearchToolDeps {
  workspace: Workspace;
  /** ripgrep binary (the VS Code front passes its bundled one); otherwise `rg` on PATH, else the fallback. */
  rgPath?: string;
  engine?: 'auto' | 'node';
  logger?: Logger;
}

export function createSearchTool(deps: SearchToolDeps): BuiltinTool {
  return {
    spec: {
      name: 'search',
      description:
        'Search the text of the files in the workspace. Returns matching lines as path:line:text, in path order, at most ' +
        `maxResults (default ${DEFAULT_MAX_RESULTS}), and says how many more there were. The query is a literal string ` +
        'unless regex is true. Files ignored by .gitignore, binary files, .git and node_modules are skipped. Use glob to ' +
        'narrow the files, e.g. "*.ts", "*.{c,h}", "src/**/*.py", or "!*.md" to exclude. Use it to find definitions, ' +
        'usages, error messages or configuration keys before reading files.',
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'Text to find (a literal string unless regex is true).' },
          glob: { type: 'string', description: 'Only files matching this glob (gitignore-style; a leading ! excludes instead).' },
          maxResults: { type: 'integer', minimum: 1, maximum: MAX_RESULTS_LIMIT, description: `Most matching lines to return (default ${DEFAULT_MAX_RESULTS}).` },
          regex: { type: 'boolean', description: 'Treat query as a regular expression (no look-around or backreferences).' },
          ignoreCase: { type: 'boolean', description: 'Match regardless of letter case.' },
        },
        required: ['query'],
        additionalProperties: false,
      },
      annotations: { title: 'Search workspace', readOnlyHint: true, openWorldHint: false },
    },
    async run(args, ctx) {
      const { query, glob, maxResults, regex, ignoreCase } = args;
      if (typeof query !== 'string' || query === '') return textResult('search needs a non-empty "query" string.', true);
      if (glob !== undefined && typeof glob !== 'string') return textResult('"glob" must be a string.', true);
      if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1)) {
        return textResult('"maxResults" must be a positive integer.', true);
      }
      try {
        const result = await searchWorkspace({
          root: deps.workspace.root,
          query,
          glob,
          maxResults,
          regex: regex === true,
          ignoreCase: ignoreCase === true,
          rgPath: deps.rgPath,
          engine: deps.engine,
          signal: ctx.signal,
          logger: deps.logger,
        });
        return textResult(formatSearchResult(result, query, glob));
      } catch (err) {
        if (ctx.signal?.aborted) throw err;
        return textResult(`Search failed: ${err instanceof Error ? err.message : String(err)}`, true);
      }
    },
  };
}
