import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { analyzeSource, createAnalyzeCodeTool, detectLanguage, type CodeAnalysis } from '../../src/core/tools/analyzeCode';
import { NodeWorkspace } from '../../src/core/tools/nodeWorkspace';

const FIXTURES = path.resolve(__dirname, '../fixtures/code');
const REPO = path.resolve(__dirname, '../..');

/** name:kind:start-end[:complexity][@container], the compact form the expectations below are written in. */
function symbolsOf(a: CodeAnalysis): string[] {
  return a.symbols.map(
    (s) => `${s.name}:${s.kind}:${s.startLine}-${s.endLine}${s.complexity === undefined ? '' : `:${s.complexity}`}${s.container ? `@${s.container}` : ''}`,
  );
}

async function analyzeFixture(file: string, as = file): Promise<CodeAnalysis> {
  return analyzeSource(fs.readFileSync(path.join(FIXTURES, file), 'utf8'), as);
}

// Every number below was counted by hand from the fixture (line numbers with `cat -n`).
// Complexity = 1 + if/elif/loops/non-default cases/catch/ternaries/&&,||,?? — nested lambdas excluded.
describe('analyze_code: tree-sitter per language', () => {
  it('TypeScript: functions, arrow consts, classes, methods, interfaces, imports, TODOs, line kinds', async () => {
    const a = await analyzeFixture('sample.ts');
    assert.equal(a.language, 'typescript');
    assert.equal(a.parser, 'tree-sitter');
    assert.deepEqual(symbolsOf(a), [
      'classify:function:6-13:5', // if, else-if, ternary, &&
      'Greeter:class:15-22',
      'constructor:method:16-16:1@Greeter',
      'greet:method:18-21:2@Greeter', // ternary
      'double:function:24-24:1',
      'load:function:27-35:3', // for-of, if
      'Shape:interface:37-39',
    ]);
    // Comments on lines 1, 5, 26; blank lines 4, 14, 17, 23, 25, 36.
    assert.deepEqual(a.lines, { total: 39, code: 30, comment: 3, blank: 6 });
    assert.deepEqual(a.imports, [
      { module: 'node:fs/promises', line: 2 },
      { module: 'node:path', line: 3 },
    ]);
    assert.deepEqual(a.todos, [
      { tag: 'TODO', text: 'cache parsed results', line: 5 },
      { tag: 'FIXME', text: 'handle errors', line: 26 },
    ]);
    assert.deepEqual(
      a.longestFunctions.map((f) => `${f.name}:${f.lines}`),
      ['load:9', 'classify:8', 'greet:4', 'constructor:1', 'double:1'],
    );
    assert.match(a.summary, /^TypeScript, 39 lines \(30 code, 3 comment, 6 blank\); 1 class, 1 interface, 3 functions, 2 methods; 2 imports/);
    assert.match(a.summary, /most complex: classify \(5\)/);
    assert.deepEqual(a.notes, []);
  });

  it('TSX: JSX expressions count, the arrow callbacks inside JSX do not', async () => {
    // Kept as .tsx.txt so the project's tsc/eslint (which have no JSX setup) do not pick it up.
    const a = await analyzeFixture('sample.tsx.txt', 'sample.tsx');
    assert.equal(a.language, 'tsx');
    assert.deepEqual(symbolsOf(a), [
      'List:function:6-17:4', // if, ??, && — the two arrow callbacks are their own units
      'Counter:class:19-25',
      'render:method:22-24:1@Counter',
    ]);
    assert.deepEqual(a.lines, { total: 25, code: 20, comment: 1, blank: 4 });
    assert.deepEqual(a.imports, [{ module: 'react', line: 1 }]);
    assert.deepEqual(a.todos, [{ tag: 'HACK', text: 'inline styles until the theme lands', line: 5 }]);
  });

  it('JavaScript: function expressions, switch cases without default, catch, JSDoc as comment', async () => {
    const a = await analyzeFixture('sample.js');
    assert.deepEqual(symbolsOf(a), [
      'sum:function:7-14:3', // for, if
      'pick:function:16-18:3', // &&, ternary (`in` is not a branch)
      'Store:class:20-44',
      'constructor:method:21-23:1@Store',
      'read:method:25-32:2@Store', // catch
      'kind:method:34-43:3@Store', // two cases; default does not count
    ]);
    // The 3-line JSDoc block and the XXX line are comment lines.
    assert.deepEqual(a.lines, { total: 46, code: 36, comment: 4, blank: 6 });
    assert.deepEqual(
      a.imports.map((i) => i.module),
      ['node:fs', 'node:path'],
    );
    assert.deepEqual(a.todos, [{ tag: 'XXX', text: 'swallow missing files only', line: 29 }]);
  });

  it('Python: methods by enclosing class, elif, boolean operators, comprehensions, docstrings as comments', async () => {
    const a = await analyzeFixture('sample.py');
    assert.equal(a.language, 'python');
    assert.deepEqual(symbolsOf(a), [
      'group_by:function:8-14:4', // for, if, or
      'Inventory:class:17-32',
      '__init__:method:20-21:1@Inventory',
      'add:method:23-29:3@Inventory', // if, elif
      'total:method:31-32:3@Inventory', // comprehension for, comprehension if
      'read_env:function:35-39:3', // except, conditional expression
    ]);
    // Comment lines: the module docstring (1), "# TODO" (5), the class docstring (18).
    assert.deepEqual(a.lines, { total: 39, code: 26, comment: 3, blank: 10 });
    assert.deepEqual(a.imports, [
      { module: 'os', line: 2 },
      { module: 'collections', line: 3 },
    ]);
    assert.deepEqual(a.todos, [{ tag: 'TODO', text: 'support nested groups', line: 5 }]);
  });

  it('Go: structs, interfaces, methods with their receiver type, expression cases', async () => {
    const a = await analyzeFixture('sample.go');
    assert.deepEqual(symbolsOf(a), [
      'Point:struct:9-11',
      'Shape:interface:14-16',
      'Dist:method:19-21:1@Point',
      'abs:function:23-28:2', // if
      'Describe:function:31-43:5', // two cases, for, &&
    ]);
    assert.deepEqual(a.lines, { total: 43, code: 33, comment: 4, blank: 6 });
    assert.deepEqual(
      a.imports.map((i) => `${i.module}@${i.line}`),
      ['errors@4', 'fmt@5'],
    );
    assert.deepEqual(a.todos, [{ tag: 'FIXME', text: 'better names', line: 30 }]);
  });

  it('Rust: impl methods with their type, match arms except `_`, doc comments', async () => {
    const a = await analyzeFixture('sample.rs');
    assert.deepEqual(symbolsOf(a), [
      'Counter:struct:5-7',
      'Level:enum:9-12',
      'new:method:15-17:1@Counter',
      'add:method:19-23:1@Counter',
      'level:function:27-33:4', // arms `0` and `1..=9`, `||` in the guard
      'fmt:method:36-39:2@Level', // if let
      'count_evens:function:42-53:4', // for, if, while
    ]);
    // The `///` doc comment (line 4) swallows its newline; it must still count as one line.
    assert.deepEqual(a.lines, { total: 53, code: 44, comment: 2, blank: 7 });
    assert.deepEqual(
      a.imports.map((i) => i.module),
      ['std::collections::HashMap', 'std::fmt'],
    );
    assert.deepEqual(a.todos, [{ tag: 'TODO', text: 'make thresholds configurable', line: 26 }]);
  });

  it('Java: constructors and methods in their class, stacked case labels, bodiless interface methods skipped', async () => {
    const a = await analyzeFixture('Sample.java');
    assert.deepEqual(symbolsOf(a), [
      'Sample:class:7-46',
      'Sample:method:10-14:2@Sample', // if
      'add:method:17-19:1@Sample',
      'count:method:21-29:4@Sample', // enhanced for, if, &&
      'label:method:31-41:5@Sample', // case 1, case 2, case 3, ternary
      'Listener:interface:43-45',
    ]);
    assert.deepEqual(a.lines, { total: 46, code: 37, comment: 2, blank: 7 });
    assert.deepEqual(
      a.imports.map((i) => i.module),
      ['java.util.ArrayList', 'java.util.List'],
    );
    assert.deepEqual(a.todos, [{ tag: 'TODO', text: 'bound the queue', line: 16 }]);
  });

  it('C (tree-sitter-c grammar): pointer-returning functions, struct/enum definitions but not uses, includes', async () => {
    const a = await analyzeFixture('sample.c');
    assert.equal(a.language, 'c');
    assert.deepEqual(symbolsOf(a), [
      'node:struct:5-8',
      'color:enum:10-10',
      'sum_list:function:13-20:2', // while
      'sign:function:22-24:3', // two ?:
      'color_name:function:26-35:3', // two cases
      'main:function:37-43:3', // for, ||
    ]);
    assert.deepEqual(a.lines, { total: 43, code: 35, comment: 2, blank: 6 });
    assert.deepEqual(a.imports, [
      { module: 'stdio.h', line: 1 },
      { module: 'sample.h', line: 2 },
    ]);
    assert.deepEqual(a.todos, [{ tag: 'TODO', text: 'free the list', line: 12 }]);
  });

  it('C++: in-class and out-of-class methods, lambdas excluded from complexity, catch', async () => {
    const a = await analyzeFixture('sample.cpp');
    assert.equal(a.language, 'cpp');
    assert.deepEqual(symbolsOf(a), [
      'Rect:class:7-16',
      'Rect:method:9-9:1@Rect',
      'area:method:10-10:1@Rect',
      'square:method:18-20:2@Rect', // &&; the in-class declaration has no body and is not listed
      'Point:struct:22-25',
      'find:function:30-42:4', // for, if, catch; the lambda's ?: is its own
    ]);
    // `}  // namespace geo` has code, so it is a code line.
    assert.deepEqual(a.lines, { total: 42, code: 33, comment: 2, blank: 7 });
    assert.deepEqual(
      a.imports.map((i) => i.module),
      ['string', 'vector'],
    );
    assert.deepEqual(a.todos, [{ tag: 'FIXME', text: 'use std::optional', line: 29 }]);
  });

  it('accepts a language id instead of a path, and notes syntax errors', async () => {
    const a = await analyzeSource('def ok():\n    return 1\n\ndef broken(:\n    pass\n', 'python');
    assert.equal(a.language, 'python');
    assert.equal(a.symbols[0]?.name, 'ok');
    assert.ok(a.notes.some((n) => n.includes('syntax errors')), a.notes.join('; '));
  });
});

describe('analyze_code: plain text, limits, languages', () => {
  it('detects languages from extensions, case-insensitively', () => {
    const cases: [string, string][] = [
      ['a.ts', 'typescript'],
      ['a.mts', 'typescript'],
      ['a.tsx', 'tsx'],
      ['a.jsx', 'javascript'],
      ['a.CJS', 'javascript'],
      ['x/y.py', 'python'],
      ['m.go', 'go'],
      ['lib.rs', 'rust'],
      ['A.java', 'java'],
      ['a.c', 'c'],
      ['a.h', 'c'],
      ['a.hpp', 'cpp'],
      ['a.cc', 'cpp'],
      ['README.md', 'plaintext'],
      ['Makefile', 'plaintext'],
    ];
    for (const [file, lang] of cases) assert.equal(detectLanguage(file), lang, file);
  });

  it('falls back to line counts, prefix comments, TODOs and guessed function headers', async () => {
    const text = ['#!/bin/sh', '# TODO: quote paths', '', 'build() {', '  make all', '}', '', '-- FIXME later', 'sub helper {'].join('\n');
    const a = await analyzeSource(text, 'scripts/build.sh');
    assert.equal(a.language, 'plaintext');
    assert.equal(a.parser, 'heuristic');
    assert.deepEqual(a.lines, { total: 9, code: 4, comment: 3, blank: 2 });
    assert.deepEqual(symbolsOf(a), ['build:function:4-4', 'helper:function:9-9']);
    assert.deepEqual(
      a.todos.map((t) => `${t.tag}@${t.line}:${t.text}`),
      ['TODO@2:quote paths', 'FIXME@8:later'],
    );
    assert.deepEqual(a.longestFunctions, []);
    assert.ok(a.notes[0].includes('No grammar'));
  });

  it('counts lines the same with and without a final newline, and handles CRLF and empty text', async () => {
    const lf = await analyzeSource('int x;\n\n// c\n', 'a.c');
    const noFinal = await analyzeSource('int x;\n\n// c', 'a.c');
    const crlf = await analyzeSource('int x;\r\n\r\n// c\r\n', 'a.c');
    for (const a of [lf, noFinal, crlf]) assert.deepEqual(a.lines, { total: 3, code: 1, comment: 1, blank: 1 });
    const empty = await analyzeSource('', 'a.ts');
    assert.deepEqual(empty.lines, { total: 0, code: 0, comment: 0, blank: 0 });
  });

  it('analyzes only the first maxBytes of a huge file, at a line boundary, and says so', async () => {
    // f0–f9 take 30 bytes each, f10–f99 32, f100– 34: 300 whole functions fit in 10,000 bytes (9,980),
    // then the 18-byte line "function f300() {" ends the last whole line before the cut.
    const text = Array.from({ length: 2000 }, (_, i) => `function f${i}() {\n  return ${i};\n}\n`).join('');
    const a = await analyzeSource(text, 'big.js', { maxBytes: 10_000 });
    assert.equal(a.lines.total, 901);
    assert.deepEqual(
      a.symbols.slice(0, 300).map((s) => s.name),
      Array.from({ length: 300 }, (_, i) => `f${i}`),
    );
    assert.ok(a.notes.some((n) => n.startsWith('The file is 68.1 KiB; only the first 9.8 KiB were analyzed')), a.notes.join('; '));
  });

  it('caps long symbol lists with a note', async () => {
    const text = Array.from({ length: 350 }, (_, i) => `def f${i}():\n    pass\n`).join('');
    const a = await analyzeSource(text, 'many.py');
    assert.equal(a.symbols.length, 300);
    assert.ok(a.notes.includes('Only the first 300 of 350 symbols are listed.'));
    assert.match(a.summary, /350 functions/);
  });

  it('loads a grammar only when its language is first used (fresh process)', async () => {
    // A separate process, because this mocha run has already loaded other grammars.
    const script = [
      "const { analyzeSource } = require('./src/core/tools/analyzeCode');",
      "const { loadedLanguages } = require('./src/core/tools/treeSitter');",
      "(async () => { const before = loadedLanguages().length; await analyzeSource('x = 1\\n', 'a.py'); await analyzeSource('notes', 'a.txt');",
      "  console.log(JSON.stringify({ before, after: loadedLanguages() })); })();",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO });
    assert.deepEqual(JSON.parse(stdout), { before: 0, after: ['python'] });
  });
});

describe('analyze_code tool', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'analyze-tool-'));
    fs.copyFileSync(path.join(FIXTURES, 'sample.tsx.txt'), path.join(tmp, 'List.tsx'));
    fs.writeFileSync(path.join(tmp, 'blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('has a read-only MCP spec with a path argument', () => {
    const tool = createAnalyzeCodeTool({ workspace: new NodeWorkspace(tmp) });
    assert.equal(tool.spec.name, 'analyze_code');
    assert.equal(tool.spec.annotations?.readOnlyHint, true);
    assert.deepEqual(tool.spec.inputSchema.required, ['path']);
  });

  it('reads the file through the workspace and returns JSON with text and structured content', async () => {
    const tool = createAnalyzeCodeTool({ workspace: new NodeWorkspace(tmp) });
    const result = await tool.run({ path: 'List.tsx' }, {});
    assert.equal(result.isError, undefined);
    const parsed = JSON.parse((result.content[0] as { text: string }).text) as CodeAnalysis & { path: string };
    assert.equal(parsed.path, 'List.tsx');
    assert.equal(parsed.language, 'tsx');
    assert.deepEqual(
      parsed.symbols.map((s) => s.name),
      ['List', 'Counter', 'render'],
    );
    assert.deepEqual(result.structuredContent, parsed);
  });

  it('uses the text the workspace supplies (e.g. unsaved editor contents), not the disk', async () => {
    const workspace = { root: tmp, readFile: async () => 'def unsaved():\n    return 1\n', writeFile: async () => undefined };
    const result = await createAnalyzeCodeTool({ workspace }).run({ path: 'List.py' }, {});
    const parsed = result.structuredContent as unknown as CodeAnalysis;
    assert.deepEqual(
      parsed.symbols.map((s) => s.name),
      ['unsaved'],
    );
  });

  it('reports missing files, paths outside the workspace and binary files as errors', async () => {
    const tool = createAnalyzeCodeTool({ workspace: new NodeWorkspace(tmp) });
    const missing = await tool.run({ path: 'nope.ts' }, {});
    assert.equal(missing.isError, true);
    assert.match((missing.content[0] as { text: string }).text, /Cannot read nope\.ts: .*ENOENT/);
    const outside = await tool.run({ path: '../etc/passwd' }, {});
    assert.equal(outside.isError, true);
    assert.match((outside.content[0] as { text: string }).text, /outside the workspace root/);
    const binary = await tool.run({ path: 'blob.bin' }, {});
    assert.equal(binary.isError, true);
    assert.match((binary.content[0] as { text: string }).text, /binary/);
    const noPath = await tool.run({}, {});
    assert.equal(noPath.isError, true);
  });
});
