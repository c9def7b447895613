/**
 * Loads web-tree-sitter and its grammars lazily: the runtime is initialised once, each grammar on the
 * first file of its language. Works under tsx (tests) and inside the esbuild CommonJS bundles.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// `import = require` makes esbuild pick the package's CommonJS build: its ESM build calls
// createRequire(import.meta.url), which is undefined inside our CommonJS bundles.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import TreeSitter = require('web-tree-sitter');

export type Tree = TreeSitter.Tree;
export type SyntaxNode = TreeSitter.Node;

export type TreeSitterLanguage = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java' | 'c' | 'cpp';

export const TREE_SITTER_LANGUAGES: readonly TreeSitterLanguage[] = ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'c', 'cpp'];

export interface TreeSitterOptions {
  /**
   * A directory holding web-tree-sitter.wasm and the grammar .wasm files (the packaged extension ships
   * them there). Searched first; node_modules is the fallback. The runtime is initialised once, with
   * the directory of the first call.
   */
  grammarDir?: string;
}

interface WasmFile {
  file: string;
  /** Module specifier that require.resolve finds in node_modules. */
  specifier: string;
}

/** Every wasm file the analyzer may load: what a bundler or packager must copy next to the bundle. */
export const TREE_SITTER_WASM_FILES: Readonly<Record<TreeSitterLanguage | 'runtime', WasmFile>> = {
  runtime: { file: 'web-tree-sitter.wasm', specifier: 'web-tree-sitter/web-tree-sitter.wasm' },
  typescript: vscodeGrammar('typescript'),
  tsx: vscodeGrammar('tsx'),
  javascript: vscodeGrammar('javascript'),
  python: vscodeGrammar('python'),
  go: vscodeGrammar('go'),
  rust: vscodeGrammar('rust'),
  java: vscodeGrammar('java'),
  cpp: vscodeGrammar('cpp'),
  // @vscode/tree-sitter-wasm has no C grammar; tree-sitter-c ships an ABI 15 wasm that 0.27 loads.
  c: { file: 'tree-sitter-c.wasm', specifier: 'tree-sitter-c/tree-sitter-c.wasm' },
};

function vscodeGrammar(name: string): WasmFile {
  return { file: `tree-sitter-${name}.wasm`, specifier: `@vscode/tree-sitter-wasm/wasm/tree-sitter-${name}.wasm` };
}

/**
 * Finds a wasm file: the grammar directory, then `grammars/` beside this module or bundle, then
 * node_modules. Throws with every place it looked, so a packaging mistake is easy to see.
 */
export function locateWasm(which: TreeSitterLanguage | 'runtime', options: TreeSitterOptions = {}): string {
  const { file, specifier } = TREE_SITTER_WASM_FILES[which];
  const candidates: string[] = [];
  if (options.grammarDir) candidates.push(path.join(options.grammarDir, file));
  // __dirname is dist/ inside the bundles and this folder under tsx; absent if ever loaded as ESM.
  if (typeof __dirname === 'string') candidates.push(path.join(__dirname, 'grammars', file));
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    return require.resolve(specifier);
  } catch {
    candidates.push(`node_modules/${specifier}`);
  }
  throw new Error(`tree-sitter: cannot find ${file}; looked in ${candidates.join(', ')}`);
}

let runtime: Promise<TreeSitter.Parser> | undefined;
const languages = new Map<TreeSitterLanguage, Promise<TreeSitter.Language>>();

/** One shared parser: parsing is synchronous, so calls never interleave on it. */
function parser(options: TreeSitterOptions): Promise<TreeSitter.Parser> {
  runtime ??= (async () => {
    const wasmPath = locateWasm('runtime', options);
    await TreeSitter.Parser.init({ locateFile: () => wasmPath });
    return new TreeSitter.Parser();
  })().catch((err: unknown) => {
    runtime = undefined; // let a later call retry, e.g. after the grammar directory is fixed
    throw err;
  });
  return runtime;
}

function language(lang: TreeSitterLanguage, options: TreeSitterOptions): Promise<TreeSitter.Language> {
  let loaded = languages.get(lang);
  if (!loaded) {
    loaded = (async () => {
      await parser(options); // Language.load needs the runtime
      const bytes = await fs.promises.readFile(locateWasm(lang, options));
      return TreeSitter.Language.load(bytes);
    })().catch((err: unknown) => {
      languages.delete(lang);
      throw err;
    });
    languages.set(lang, loaded);
  }
  return loaded;
}

/** Which grammars have been requested so far (for tests of the lazy loading and for diagnostics). */
export function loadedLanguages(): TreeSitterLanguage[] {
  return [...languages.keys()];
}

/** Parses text; the caller must `tree.delete()` when done, since trees live in wasm memory. */
export async function parseSource(text: string, lang: TreeSitterLanguage, options: TreeSitterOptions = {}): Promise<Tree> {
  const [p, l] = await Promise.all([parser(options), language(lang, options)]);
  p.setLanguage(l);
  const tree = p.parse(text);
  if (!tree) throw new Error(`tree-sitter: parsing ${lang} returned no tree`);
  return tree;
}
