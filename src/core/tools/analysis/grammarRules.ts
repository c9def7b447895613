/**
 * Per-grammar knowledge: which syntax nodes are symbols, imports, comments and decision points.
 * Node type names come from each grammar's node-types.json.
 */
import type { SyntaxNode, TreeSitterLanguage } from '../treeSitter';
import type { SymbolKind } from './types';

export interface SymbolInfo {
  name: string;
  kind: SymbolKind;
  container?: string;
}

/** `true`: always a decision point; a function: only when it says so (e.g. `&&` but not `+`). */
type DecisionRule = true | ((node: SyntaxNode) => boolean);

export interface GrammarRules {
  comments: ReadonlySet<string>;
  /** Nodes of this type that pass the test count as comments too (Python docstrings). */
  commentLike?: { type: string; test(node: SyntaxNode): boolean };
  /** Node types that may be symbols; `symbol` decides and names them. */
  symbolTypes: ReadonlySet<string>;
  symbol(node: SyntaxNode): SymbolInfo | undefined;
  /** Bodies of these are separate functions: their decisions do not count for the enclosing one. */
  functionLike: ReadonlySet<string>;
  decisions: Readonly<Record<string, DecisionRule>>;
  importTypes: ReadonlySet<string>;
  imports(node: SyntaxNode): string[];
}

const field = (node: SyntaxNode, name: string): SyntaxNode | null => node.childForFieldName(name);
const nameOf = (node: SyntaxNode | null): string | undefined => (node ? field(node, 'name')?.text : undefined);
const operatorIn =
  (...ops: string[]): DecisionRule =>
  (node) => ops.includes(field(node, 'operator')?.type ?? '');
const unquote = (text: string): string => text.replace(/^[`'"<]|[`'">]$/g, '');
/** `Foo<T>` or `*Foo` as written in a receiver or impl header, down to `Foo`. */
const bareType = (text: string): string => text.replace(/^[*&\s]+|mut\s+/g, '').replace(/[<[].*$/s, '').trim();

/** Nearest ancestor of one of `types`, skipping wrappers like decorators, exports and templates. */
function ancestor(node: SyntaxNode, types: ReadonlySet<string>, through: ReadonlySet<string>): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (types.has(p.type)) return p;
    if (!through.has(p.type)) return undefined;
  }
  return undefined;
}

// ---- JavaScript, TypeScript, TSX ----

const ES_CLASSES = new Set(['class_declaration', 'abstract_class_declaration', 'class']);
const ES_FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'generator_function', 'function']);

function esSymbol(node: SyntaxNode): SymbolInfo | undefined {
  switch (node.type) {
    case 'function_declaration':
    case 'generator_function_declaration': {
      const name = nameOf(node);
      return name ? { name, kind: 'function' } : undefined;
    }
    case 'method_definition': {
      const name = nameOf(node);
      const cls = ancestor(node, ES_CLASSES, new Set(['class_body']));
      return name ? { name, kind: 'method', container: cls ? nameOf(cls) : undefined } : undefined;
    }
    case 'class_declaration':
    case 'abstract_class_declaration': {
      const name = nameOf(node);
      return name ? { name, kind: 'class' } : undefined;
    }
    case 'interface_declaration': {
      const name = nameOf(node);
      return name ? { name, kind: 'interface' } : undefined;
    }
    case 'enum_declaration': {
      const name = nameOf(node);
      return name ? { name, kind: 'enum' } : undefined;
    }
    default:
      return esFunctionValue(node);
  }
}

/** `const f = () => …` is a function named f; `handler = () => …` in a class body is a method. */
function esFunctionValue(node: SyntaxNode): SymbolInfo | undefined {
  const parent = node.parent;
  if (!parent || !ES_FUNCTION_VALUES.has(node.type)) return undefined;
  if (parent.type === 'variable_declarator' && field(parent, 'value')?.equals(node)) {
    const name = nameOf(parent);
    return name ? { name, kind: 'function' } : undefined;
  }
  if (parent.type === 'public_field_definition' || parent.type === 'field_definition') {
    const name = (field(parent, 'name') ?? field(parent, 'property'))?.text;
    const cls = ancestor(parent, ES_CLASSES, new Set(['class_body']));
    return name ? { name, kind: 'method', container: cls ? nameOf(cls) : undefined } : undefined;
  }
  return undefined;
}

function esImports(node: SyntaxNode): string[] {
  if (node.type === 'call_expression') {
    const fn = field(node, 'function');
    const arg = field(node, 'arguments')?.namedChild(0);
    const isLoader = fn?.type === 'import' || (fn?.type === 'identifier' && fn.text === 'require');
    return isLoader && arg?.type === 'string' ? [unquote(arg.text)] : [];
  }
  const source = field(node, 'source'); // import … from 'x', export … from 'x'
  return source ? [unquote(source.text)] : [];
}

const esRules: GrammarRules = {
  comments: new Set(['comment', 'html_comment']),
  symbolTypes: new Set([
    'function_declaration',
    'generator_function_declaration',
    'method_definition',
    'class_declaration',
    'abstract_class_declaration',
    'interface_declaration',
    'enum_declaration',
    ...ES_FUNCTION_VALUES,
  ]),
  symbol: esSymbol,
  functionLike: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', ...ES_FUNCTION_VALUES]),
  decisions: {
    if_statement: true,
    for_statement: true,
    for_in_statement: true,
    while_statement: true,
    do_statement: true,
    switch_case: true,
    catch_clause: true,
    ternary_expression: true,
    binary_expression: operatorIn('&&', '||', '??'),
  },
  importTypes: new Set(['import_statement', 'export_statement', 'call_expression']),
  imports: esImports,
};

// ---- Python ----

function pySymbol(node: SyntaxNode): SymbolInfo | undefined {
  const name = nameOf(node);
  if (!name) return undefined;
  if (node.type === 'class_definition') return { name, kind: 'class' };
  const cls = ancestor(node, new Set(['class_definition']), new Set(['block', 'decorated_definition']));
  return cls ? { name, kind: 'method', container: nameOf(cls) } : { name, kind: 'function' };
}

function pyImports(node: SyntaxNode): string[] {
  if (node.type === 'import_from_statement') {
    const module = field(node, 'module_name');
    return module ? [module.text] : [];
  }
  return node.childrenForFieldName('name').map((n) => (n.type === 'aliased_import' ? (field(n, 'name')?.text ?? n.text) : n.text));
}

const pyRules: GrammarRules = {
  comments: new Set(['comment']),
  // A bare string statement does nothing at run time: it is a docstring or a comment in disguise.
  commentLike: { type: 'expression_statement', test: (node) => node.namedChildCount === 1 && node.namedChild(0)?.type === 'string' },
  symbolTypes: new Set(['function_definition', 'class_definition']),
  symbol: pySymbol,
  functionLike: new Set(['function_definition', 'lambda']),
  decisions: {
    if_statement: true,
    elif_clause: true,
    for_statement: true,
    while_statement: true,
    except_clause: true,
    conditional_expression: true,
    boolean_operator: true,
    for_in_clause: true,
    if_clause: true,
    case_clause: (node) => !/^case\s+_\s*:/.test(node.text),
  },
  importTypes: new Set(['import_statement', 'import_from_statement']),
  imports: pyImports,
};

// ---- Go ----

function goSymbol(node: SyntaxNode): SymbolInfo | undefined {
  const name = nameOf(node);
  if (!name) return undefined;
  switch (node.type) {
    case 'function_declaration':
      return { name, kind: 'function' };
    case 'method_declaration': {
      const receiverType = field(node, 'receiver')?.namedChild(0)?.childForFieldName('type');
      return { name, kind: 'method', container: receiverType ? bareType(receiverType.text) : undefined };
    }
    case 'type_spec': {
      const type = field(node, 'type')?.type;
      if (type === 'struct_type') return { name, kind: 'struct' };
      if (type === 'interface_type') return { name, kind: 'interface' };
      return undefined;
    }
    default:
      return undefined;
  }
}

const goRules: GrammarRules = {
  comments: new Set(['comment']),
  symbolTypes: new Set(['function_declaration', 'method_declaration', 'type_spec']),
  symbol: goSymbol,
  functionLike: new Set(['function_declaration', 'method_declaration', 'func_literal']),
  decisions: {
    if_statement: true,
    for_statement: true,
    expression_case: true,
    type_case: true,
    communication_case: true,
    binary_expression: operatorIn('&&', '||'),
  },
  importTypes: new Set(['import_spec']),
  imports: (node) => {
    const p = field(node, 'path');
    return p ? [unquote(p.text)] : [];
  },
};

// ---- Rust ----

function rustSymbol(node: SyntaxNode): SymbolInfo | undefined {
  const name = nameOf(node);
  if (!name) return undefined;
  switch (node.type) {
    case 'function_item': {
      const owner = ancestor(node, new Set(['impl_item', 'trait_item']), new Set(['declaration_list']));
      if (!owner) return { name, kind: 'function' };
      const ownerName = owner.type === 'impl_item' ? field(owner, 'type')?.text : nameOf(owner);
      return { name, kind: 'method', container: ownerName ? bareType(ownerName) : undefined };
    }
    case 'struct_item':
    case 'union_item':
      return { name, kind: 'struct' };
    case 'enum_item':
      return { name, kind: 'enum' };
    case 'trait_item':
      return { name, kind: 'trait' };
    default:
      return undefined;
  }
}

const rustRules: GrammarRules = {
  comments: new Set(['line_comment', 'block_comment']),
  symbolTypes: new Set(['function_item', 'struct_item', 'union_item', 'enum_item', 'trait_item']),
  symbol: rustSymbol,
  functionLike: new Set(['function_item', 'closure_expression']),
  decisions: {
    if_expression: true,
    while_expression: true,
    for_expression: true,
    // Each arm is a path, except the catch-all `_`, like `default:` elsewhere.
    match_arm: (node) => field(node, 'pattern')?.text.trim() !== '_',
    binary_expression: operatorIn('&&', '||'),
  },
  importTypes: new Set(['use_declaration', 'extern_crate_declaration']),
  imports: (node) => {
    const target = field(node, 'argument') ?? field(node, 'name');
    return target ? [target.text] : [];
  },
};

// ---- Java ----

const JAVA_TYPES = new Set(['class_declaration', 'record_declaration', 'interface_declaration', 'enum_declaration', 'annotation_type_declaration']);

function javaSymbol(node: SyntaxNode): SymbolInfo | undefined {
  const name = nameOf(node);
  if (!name) return undefined;
  switch (node.type) {
    case 'method_declaration':
    case 'constructor_declaration':
    case 'compact_constructor_declaration': {
      if (!field(node, 'body')) return undefined; // abstract and interface methods have no body to measure
      const owner = ancestor(node, JAVA_TYPES, new Set(['class_body', 'interface_body', 'enum_body', 'enum_body_declarations', 'record_body']));
      return { name, kind: 'method', container: owner ? nameOf(owner) : undefined };
    }
    case 'class_declaration':
    case 'record_declaration':
      return { name, kind: 'class' };
    case 'interface_declaration':
    case 'annotation_type_declaration':
      return { name, kind: 'interface' };
    case 'enum_declaration':
      return { name, kind: 'enum' };
    default:
      return undefined;
  }
}

const javaRules: GrammarRules = {
  comments: new Set(['line_comment', 'block_comment']),
  symbolTypes: new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration', ...JAVA_TYPES]),
  symbol: javaSymbol,
  functionLike: new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration', 'lambda_expression']),
  decisions: {
    if_statement: true,
    for_statement: true,
    enhanced_for_statement: true,
    while_statement: true,
    do_statement: true,
    catch_clause: true,
    ternary_expression: true,
    switch_label: (node) => node.firstChild?.type !== 'default',
    binary_expression: operatorIn('&&', '||'),
  },
  importTypes: new Set(['import_declaration']),
  imports: (node) => [node.text.replace(/^import\s+(static\s+)?/, '').replace(/\s*;\s*$/, '')],
};

// ---- C and C++ ----

const C_NAME_TYPES = new Set(['identifier', 'field_identifier', 'qualified_identifier', 'destructor_name', 'operator_name', 'type_identifier']);
const CPP_CLASSES = new Set(['class_specifier', 'struct_specifier', 'union_specifier']);

/** The declared name under a chain of pointer, reference and function declarators. */
function cDeclaratorName(node: SyntaxNode): SyntaxNode | undefined {
  for (let d = field(node, 'declarator'); d; d = field(d, 'declarator')) {
    if (C_NAME_TYPES.has(d.type)) return d;
  }
  return undefined;
}

function cSymbol(node: SyntaxNode): SymbolInfo | undefined {
  if (node.type === 'function_definition') {
    const declared = cDeclaratorName(node);
    if (!declared) return undefined;
    if (declared.type === 'qualified_identifier') {
      // `Rect::area` defined outside its class; a namespace-qualified free function reads the same.
      const parts = declared.text.split('::');
      return { name: parts[parts.length - 1], kind: 'method', container: bareType(parts[parts.length - 2] ?? '') || undefined };
    }
    const owner = ancestor(node, CPP_CLASSES, new Set(['field_declaration_list', 'template_declaration', 'access_specifier']));
    return owner ? { name: declared.text, kind: 'method', container: nameOf(owner) } : { name: declared.text, kind: 'function' };
  }
  const name = nameOf(node);
  if (!name || !field(node, 'body')) return undefined; // `struct node *next;` mentions a type, it does not define one
  if (node.type === 'class_specifier') return { name, kind: 'class' };
  if (node.type === 'enum_specifier') return { name, kind: 'enum' };
  return { name, kind: 'struct' };
}

const cRules: GrammarRules = {
  comments: new Set(['comment']),
  symbolTypes: new Set(['function_definition', 'struct_specifier', 'union_specifier', 'enum_specifier', 'class_specifier']),
  symbol: cSymbol,
  functionLike: new Set(['function_definition', 'lambda_expression']),
  decisions: {
    if_statement: true,
    for_statement: true,
    for_range_loop: true,
    while_statement: true,
    do_statement: true,
    catch_clause: true,
    conditional_expression: true,
    case_statement: (node) => field(node, 'value') !== null, // `default:` has no value
    binary_expression: operatorIn('&&', '||', 'and', 'or'),
  },
  importTypes: new Set(['preproc_include']),
  imports: (node) => {
    const p = field(node, 'path');
    return p ? [unquote(p.text)] : [];
  },
};

export const GRAMMAR_RULES: Readonly<Record<TreeSitterLanguage, GrammarRules>> = {
  typescript: esRules,
  tsx: esRules,
  javascript: esRules,
  python: pyRules,
  go: goRules,
  rust: rustRules,
  java: javaRules,
  c: cRules,
  cpp: cRules,
};
