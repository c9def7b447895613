/** Line counting, TODO scanning and the regex fallback for files no grammar covers. */
import type { CodeSymbol, LineCounts, TodoComment } from './types';

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const TODO_PATTERN = /\b(TODO|FIXME|HACK|XXX)\b[:\s]*(.*)$/;

/** TODO-style tags in a comment's text; `firstLine` is the 1-based line the comment starts on. */
export function findTodos(commentText: string, firstLine: number): TodoComment[] {
  const todos: TodoComment[] = [];
  splitLines(commentText).forEach((line, i) => {
    const m = TODO_PATTERN.exec(line);
    if (!m) return;
    const text = m[2].replace(/\s*(\*\/|-->)\s*$/, '').trim();
    todos.push({ tag: m[1] as TodoComment['tag'], text, line: firstLine + i });
  });
  return todos;
}

// Line-comment prefixes of the common languages without a grammar here (shell, SQL, Lua, Ruby, …).
const COMMENT_LINE = /^\s*(\/\/|#|--|;|%|\*|\/\*|<!--|rem\b)/i;

// A function header in many languages: `function f(`, `def f(`, `fn f(`, `func f(`, `sub f`, `f() {`.
const FUNCTION_PATTERNS: RegExp[] = [
  /^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(/,
  /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/,
  /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+([A-Za-z_]\w*)/,
  /^\s*func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*\(/,
  /^\s*sub\s+([A-Za-z_]\w*)/,
  /^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{/,
];

export interface PlainTextResult {
  lines: LineCounts;
  symbols: CodeSymbol[];
  todos: TodoComment[];
}

/**
 * Counts lines and finds TODOs and likely function headers without a parser. Comment lines are only
 * recognised by their prefix, and a function's extent is unknown, so symbols get start lines only.
 */
export function analyzePlainText(text: string): PlainTextResult {
  const lines = splitLines(text);
  const counts: LineCounts = { total: lines.length, code: 0, comment: 0, blank: 0 };
  const symbols: CodeSymbol[] = [];
  const todos: TodoComment[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      counts.blank++;
      return;
    }
    if (COMMENT_LINE.test(line)) counts.comment++;
    else counts.code++;
    todos.push(...findTodos(line, i + 1));
    for (const pattern of FUNCTION_PATTERNS) {
      const m = pattern.exec(line);
      if (m) {
        symbols.push({ name: m[1], kind: 'function', startLine: i + 1, endLine: i + 1 });
        break;
      }
    }
  });
  return { lines: counts, symbols, todos };
}
