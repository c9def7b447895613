/** Reads symbols, imports, comments and line kinds off a tree-sitter syntax tree. */
import type { SyntaxNode, Tree } from '../treeSitter';
import type { GrammarRules } from './grammarRules';
import { findTodos, splitLines } from './plainText';
import type { CodeSymbol, ImportRef, LineCounts, TodoComment } from './types';

export interface SyntaxResult {
  lines: LineCounts;
  symbols: CodeSymbol[];
  imports: ImportRef[];
  todos: TodoComment[];
  hasErrors: boolean;
}

interface Span {
  startPosition: { row: number; column: number };
  endPosition: { row: number; column: number };
}

/** Last row a node really occupies: a node that ends at column 0 (it swallowed a newline) ends on the row before. */
function lastRow({ startPosition: s, endPosition: e }: Span): number {
  return e.column === 0 && e.row > s.row ? e.row - 1 : e.row;
}

const LINE_CODE = 1;
const LINE_COMMENT = 2;

export function analyzeTree(tree: Tree, text: string, rules: GrammarRules): SyntaxResult {
  const lines = splitLines(text);
  const marks = new Uint8Array(lines.length);
  const mark = (span: Span, flag: number): void => {
    for (let row = span.startPosition.row, end = Math.min(lastRow(span), lines.length - 1); row <= end; row++) marks[row] |= flag;
  };
  const symbols: CodeSymbol[] = [];
  const imports: ImportRef[] = [];
  const todos: TodoComment[] = [];

  // One pass over every node with a cursor, which is far cheaper than materialising child arrays.
  const cursor = tree.walk();
  try {
    for (;;) {
      const type = cursor.nodeType;
      let descend = true;
      if (rules.comments.has(type) || (type === rules.commentLike?.type && rules.commentLike.test(cursor.currentNode))) {
        const node = cursor.currentNode;
        mark(node, LINE_COMMENT);
        todos.push(...findTodos(node.text, node.startPosition.row + 1));
        descend = false; // doc-comment markers inside are still comment
      } else {
        if (rules.symbolTypes.has(type)) {
          const node = cursor.currentNode;
          const info = rules.symbol(node);
          if (info) {
            const symbol: CodeSymbol = { name: info.name, kind: info.kind, startLine: node.startPosition.row + 1, endLine: lastRow(node) + 1 };
            if (info.container) symbol.container = info.container;
            if (info.kind === 'function' || info.kind === 'method') symbol.complexity = complexity(node, rules);
            symbols.push(symbol);
          }
        }
        if (rules.importTypes.has(type)) {
          const node = cursor.currentNode;
          for (const module of rules.imports(node)) imports.push({ module, line: node.startPosition.row + 1 });
        }
      }
      if (descend && cursor.gotoFirstChild()) continue;
      if (descend) mark(cursor, LINE_CODE); // a leaf token: its lines hold code
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return finish();
      }
    }
  } finally {
    cursor.delete();
  }

  function finish(): SyntaxResult {
    const counts: LineCounts = { total: lines.length, code: 0, comment: 0, blank: 0 };
    lines.forEach((line, row) => {
      if (line.trim() === '') counts.blank++;
      else if (marks[row] & LINE_CODE || !(marks[row] & LINE_COMMENT)) counts.code++;
      else counts.comment++;
    });
    return { lines: counts, symbols, imports, todos, hasErrors: tree.rootNode.hasError };
  }
}

/**
 * McCabe complexity: 1 + branches (if, loops, non-default cases, catch, ternaries, short-circuit
 * operators). Nested functions and lambdas are their own units and are not counted here.
 */
export function complexity(fn: SyntaxNode, rules: GrammarRules): number {
  let count = 1;
  const cursor = fn.walk(); // rooted at fn: gotoParent stops there
  try {
    for (;;) {
      const type = cursor.nodeType;
      const isRoot = cursor.currentDepth === 0;
      const rule = Object.hasOwn(rules.decisions, type) ? rules.decisions[type] : undefined;
      if (rule === true || (rule && rule(cursor.currentNode))) count++;
      const nested = !isRoot && rules.functionLike.has(type);
      if (!nested && cursor.gotoFirstChild()) continue;
      if (isRoot) return count;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || cursor.currentDepth === 0) return count;
      }
    }
  } finally {
    cursor.delete();
  }
}
