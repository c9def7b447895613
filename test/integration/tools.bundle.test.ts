import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { TREE_SITTER_WASM_FILES } from '../../src/core/tools/treeSitter';

const REPO = path.resolve(__dirname, '../..');

// The analyzer must work the way it ships: bundled by esbuild into one CommonJS file (dist/cli.js,
// dist/extension.js), where web-tree-sitter's ESM build would break and node_modules may be absent.
describe('analyze_code inside an esbuild CommonJS bundle', function () {
  this.timeout(60_000);
  let dir: string;
  let bundle: string;

  const entry = `
    import { analyzeSource } from './src/core/tools/analyzeCode';
    const grammarDir = process.argv[2] || undefined;
    void (async () => {
      const out = [];
      for (const [file, text] of [['a.c', 'int f(int x) { return x ? 1 : 0; }\\n'], ['a.ts', 'export function g(a: boolean) { if (a) return 1; return 2; }\\n']]) {
        const r = await analyzeSource(text, file, { grammarDir });
        out.push({ parser: r.parser, symbols: r.symbols.map((s) => s.name + ':' + s.complexity), notes: r.notes });
      }
      console.log(JSON.stringify(out));
    })();
  `;

  const run = async (env: NodeJS.ProcessEnv = {}, ...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [bundle, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env } });
    return JSON.parse(stdout) as { parser: string; symbols: string[]; notes: string[] }[];
  };

  const copyWasm = (to: string): void => {
    fs.mkdirSync(to, { recursive: true });
    for (const { file, specifier } of Object.values(TREE_SITTER_WASM_FILES)) fs.copyFileSync(require.resolve(specifier), path.join(to, file));
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    bundle = path.join(dir, 'out', 'cli.js');
    await esbuild.build({
      stdin: { contents: entry, resolveDir: REPO, loader: 'ts', sourcefile: 'entry.ts' },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const parsed = [
    { parser: 'tree-sitter', symbols: ['f:2'], notes: [] },
    { parser: 'tree-sitter', symbols: ['g:2'], notes: [] },
  ];

  it('bundles the CommonJS build of web-tree-sitter (no import.meta left)', () => {
    const code = fs.readFileSync(bundle, 'utf8');
    assert.ok(!code.includes('import.meta'), 'the ESM build of web-tree-sitter was bundled');
  });

  it('without node_modules or grammars it degrades to the heuristic and names what is missing', async () => {
    const [c] = await run();
    assert.equal(c.parser, 'heuristic');
    assert.match(c.notes.join(' '), /cannot find web-tree-sitter\.wasm; looked in .*grammars/);
  });

  it('finds the wasm files through node_modules (require.resolve)', async () => {
    assert.deepEqual(await run({ NODE_PATH: path.join(REPO, 'node_modules') }), parsed);
  });

  it('finds them in grammars/ beside the bundle', async () => {
    copyWasm(path.join(dir, 'out', 'grammars'));
    try {
      assert.deepEqual(await run(), parsed);
    } finally {
      fs.rmSync(path.join(dir, 'out', 'grammars'), { recursive: true });
    }
  });

  it('finds them in an explicit grammar directory', async () => {
    const grammars = path.join(dir, 'shipped-wasm');
    copyWasm(grammars);
    assert.deepEqual(await run({}, grammars), parsed);
  });
});
