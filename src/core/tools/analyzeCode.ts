/** The analyze_code tool, and `analyzeSource` for fronts that already hold a file's text. */
import type { Cache } from '../cache/Cache';
import { cacheKey } from '../cache/key';
import type { Logger, Workspace } from '../ports';
import { GRAMMAR_RULES } from './analysis/grammarRules';
import { detectLanguage, isTreeSitterLanguage, LANGUAGE_NAMES, type DetectedLanguage } from './analysis/languages';
import { analyzePlainText } from './analysis/plainText';
import { analyzeTree } from './analysis/syntax';
import type { CodeAnalysis, CodeSymbol, ImportRef, LineCounts, LongFunction, SymbolKind, TodoComment } from './analysis/types';
import { parseSource, type TreeSitterOptions } from './treeSitter';
import { jsonResult, textResult, type BuiltinTool } from './types';

export { detectLanguage } from './analysis/languages';
export type { CodeAnalysis, CodeSymbol, ImportRef, LineCounts, LongFunction, SymbolKind, TodoComment } from './analysis/types';

export const DEFAULT_MAX_ANALYZE_BYTES = 2 * 1024 * 1024;
// Past these the JSON would crowd out everything else in the model's context.
const MAX_SYMBOLS = 300;
const MAX_IMPORTS = 200;
const MAX_TODOS = 100;

export interface AnalyzeOptions extends TreeSitterOptions {
  /** Only this many bytes from the start are analyzed (default 2 MiB). */
  maxBytes?: number;
  logger?: Logger;
}

/**
 * Analyzes source text. `languageOrPath` is a language id (`typescript`, `tsx`, `javascript`, `python`,
 * `go`, `rust`, `java`, `c`, `cpp`) or a file path whose extension decides; anything else is plain text.
 */
export async function analyzeSource(text: string, languageOrPath: string, options: AnalyzeOptions = {}): Promise<CodeAnalysis> {
  const language: DetectedLanguage = isTreeSitterLanguage(languageOrPath) ? languageOrPath : detectLanguage(languageOrPath);
  const notes: string[] = [];
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ANALYZE_BYTES;
  const totalBytes = Buffer.byteLength(text, 'utf8');
  if (totalBytes > maxBytes) {
    text = headOfText(text, maxBytes);
    notes.push(`The file is ${formatBytes(totalBytes)}; only the first ${formatBytes(Buffer.byteLength(text, 'utf8'))} were analyzed, so counts and lists cover that part only.`);
  }

  if (language !== 'plaintext') {
    try {
      const tree = await parseSource(text, language, options);
      try {
        const result = analyzeTree(tree, text, GRAMMAR_RULES[language]);
        if (result.hasErrors) notes.push('The parser found syntax errors; symbols near them may be missing or misplaced.');
        return assemble(language, 'tree-sitter', result.lines, result.symbols, result.imports, result.todos, notes);
      } finally {
        tree.delete();
      }
    } catch (err) {
      // A missing or broken grammar should cost precision, not the whole answer.
      const message = err instanceof Error ? err.message : String(err);
      options.logger?.warn(`analyze_code: tree-sitter failed for ${language}: ${message}`);
      notes.push(`The ${LANGUAGE_NAMES[language]} parser was unavailable (${message}); fell back to a text heuristic.`);
    }
  } else {
    notes.push('No grammar for this file type: line counts and TODOs are exact, functions are guessed from header lines (start lines only), comments are recognised by line prefix.');
  }
  const plain = analyzePlainText(text);
  return assemble(language, 'heuristic', plain.lines, plain.symbols, [], plain.todos, notes);
}

function assemble(
  language: DetectedLanguage,
  parser: CodeAnalysis['parser'],
  lines: LineCounts,
  symbols: CodeSymbol[],
  imports: ImportRef[],
  todos: TodoComment[],
  notes: string[],
): CodeAnalysis {
  const longestFunctions: LongFunction[] =
    parser === 'heuristic'
      ? []
      : symbols
          .filter((s) => s.kind === 'function' || s.kind === 'method')
          .map((s) => ({ name: s.name, kind: s.kind, lines: s.endLine - s.startLine + 1, startLine: s.startLine, endLine: s.endLine }))
          .sort((a, b) => b.lines - a.lines || a.startLine - b.startLine)
          .slice(0, 5);
  const summary = summarize(language, lines, symbols, imports, todos, longestFunctions);
  return {
    language,
    parser,
    summary,
    lines,
    symbols: capList(symbols, MAX_SYMBOLS, 'symbols', notes),
    imports: capList(imports, MAX_IMPORTS, 'imports', notes),
    todos: capList(todos, MAX_TODOS, 'TODO comments', notes),
    longestFunctions,
    notes,
  };
}

function capList<T>(items: T[], max: number, what: string, notes: string[]): T[] {
  if (items.length <= max) return items;
  notes.push(`Only the first ${max} of ${items.length} ${what} are listed.`);
  return items.slice(0, max);
}

const KIND_ORDER: SymbolKind[] = ['class', 'interface', 'struct', 'enum', 'trait', 'function', 'method'];

function summarize(language: DetectedLanguage, lines: LineCounts, symbols: CodeSymbol[], imports: ImportRef[], todos: TodoComment[], longest: LongFunction[]): string {
  const parts = [`${LANGUAGE_NAMES[language]}, ${lines.total} lines (${lines.code} code, ${lines.comment} comment, ${lines.blank} blank)`];
  const kinds = KIND_ORDER.map((kind) => [kind, symbols.filter((s) => s.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => plural(n, kind));
  parts.push(kinds.length ? kinds.join(', ') : 'no functions or classes found');
  if (imports.length) parts.push(plural(imports.length, 'import'));
  if (todos.length) parts.push(`${todos.length} TODO/FIXME-style comment${todos.length === 1 ? '' : 's'}`);
  const complex = symbols
    .filter((s) => s.complexity !== undefined && s.complexity > 1)
    .sort((a, b) => (b.complexity ?? 0) - (a.complexity ?? 0))
    .slice(0, 3);
  if (complex.length) parts.push(`most complex: ${complex.map((s) => `${s.name} (${s.complexity})`).join(', ')}`);
  if (longest.length) parts.push(`longest: ${longest[0].name} (${longest[0].lines} lines)`);
  return parts.join('; ') + '.';
}

function plural(n: number, word: string): string {
  if (n === 1) return `1 ${word}`;
  return `${n} ${word === 'class' ? 'classes' : word + 's'}`;
}

/** The longest prefix of whole lines within `maxBytes` of UTF-8. */
function headOfText(text: string, maxBytes: number): string {
  // maxBytes characters hold at least maxBytes bytes, so the cut never needs more of the text.
  let head = Buffer.from(text.slice(0, maxBytes), 'utf8').subarray(0, maxBytes).toString('utf8');
  if (head.endsWith('\uFFFD')) head = head.slice(0, -1); // a character cut in half
  const lastNewline = head.lastIndexOf('\n');
  return lastNewline > 0 ? head.slice(0, lastNewline + 1) : head;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export interface AnalyzeCodeToolDeps {
  workspace: Workspace;
  grammarDir?: string;
  maxBytes?: number;
  logger?: Logger;
  /** Analyses cached by file content. */
  cache?: Cache;
}

export function createAnalyzeCodeTool(deps: AnalyzeCodeToolDeps): BuiltinTool {
  return {
    spec: {
      name: 'analyze_code',
      description:
        'Analyze one source file without running it. Returns JSON: the language; line counts (total, code, comment, blank); ' +
        'symbols (functions, methods, classes, interfaces, structs, enums, traits) with start and end lines and, for functions ' +
        'and methods, cyclomatic complexity; imports; TODO/FIXME/HACK/XXX comments with their lines; the five longest ' +
        'functions; and a one-line summary. Parses TypeScript, TSX, JavaScript, Python, Go, Rust, Java, C and C++ properly; ' +
        'other text files get line counts, TODOs and guessed function names. Use it for an overview of a file before reading ' +
        'or changing it, or to find complex or long functions worth refactoring.',
      inputSchema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'Path of the file, relative to the workspace root.' },
        },
        required: ['path'],
        additionalProperties: false,
      },
      annotations: { title: 'Analyze code', readOnlyHint: true, openWorldHint: false },
    },
    async run(args) {
      const path = args.path;
      if (typeof path !== 'string' || path.trim() === '') return textResult('analyze_code needs a "path" string.', true);
      let text: string;
      try {
        text = await deps.workspace.readFile(path);
      } catch (err) {
        return textResult(`Cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, true);
      }
      if (text.slice(0, 8000).includes('\0')) return textResult(`${path} looks like a binary file; analyze_code reads source text only.`, true);
      // Keyed by content, not path or time: an unchanged file is never parsed twice, a changed one always is.
      const compute = () => analyzeSource(text, path, { grammarDir: deps.grammarDir, maxBytes: deps.maxBytes, logger: deps.logger });
      const analysis = deps.cache ? await deps.cache.getOrCompute(cacheKey('analyze_code', detectLanguage(path), text), compute, { ttlSeconds: 7 * 24 * 3600 }) : await compute();
      return jsonResult({ path, ...analysis });
    },
  };
}
