/** The JSON shape analyze_code returns; shared by the syntax and plain-text analyzers. */

export type SymbolKind = 'function' | 'method' | 'class' | 'interface' | 'struct' | 'enum' | 'trait';

export interface CodeSymbol {
  name: string;
  kind: SymbolKind;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Enclosing class, struct, impl or receiver type, for methods. */
  container?: string;
  /** Cyclomatic complexity, for functions and methods. */
  complexity?: number;
}

export interface ImportRef {
  module: string;
  line: number;
}

export interface TodoComment {
  tag: 'TODO' | 'FIXME' | 'HACK' | 'XXX';
  text: string;
  line: number;
}

export interface LineCounts {
  total: number;
  code: number;
  comment: number;
  blank: number;
}

export interface LongFunction {
  name: string;
  kind: SymbolKind;
  lines: number;
  startLine: number;
  endLine: number;
}

export interface CodeAnalysis {
  /** Language id (e.g. `typescript`), or `plaintext` when no grammar applies. */
  language: string;
  /** `tree-sitter`, or `heuristic` for the plain-text fallback. */
  parser: 'tree-sitter' | 'heuristic';
  lines: LineCounts;
  symbols: CodeSymbol[];
  imports: ImportRef[];
  todos: TodoComment[];
  longestFunctions: LongFunction[];
  /** Things the reader should know: truncation, syntax errors, fallbacks. */
  notes: string[];
  summary: string;
}
