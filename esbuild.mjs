// Bundles the extension host entry, the CLI and (later) the webview script.
import * as esbuild from 'esbuild';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

// The tree-sitter runtime and grammars analyze_code loads lazily; the packaged extension has no node_modules.
const GRAMMARS = [
  'web-tree-sitter/web-tree-sitter.wasm',
  ...['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'cpp'].map((l) => `@vscode/tree-sitter-wasm/wasm/tree-sitter-${l}.wasm`),
  'tree-sitter-c/tree-sitter-c.wasm',
];

async function copyGrammars() {
  await mkdir('dist/grammars', { recursive: true });
  await Promise.all(GRAMMARS.map((g) => copyFile(require.resolve(g), path.join('dist/grammars', path.basename(g)))));
  // The chat webview's icon font (its CSS loads codicon.ttf from next to itself).
  await mkdir('media/dist', { recursive: true });
  await Promise.all(['codicon.css', 'codicon.ttf'].map((f) => copyFile(require.resolve(`@vscode/codicons/dist/${f}`), path.join('media/dist', f))));
}

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    // The activation shim: tiny, so activation is fast; it requires ./host.js (below) after activating.
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', './host.js'],
  },
  {
    entryPoints: ['src/vscode/main.ts'],
    outfile: 'dist/host.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The CLI's proxy libraries (undici, http(s)-proxy-agent), required by src/cli/proxy.ts only when a proxy is set.
    entryPoints: ['src/cli/proxyAgents.ts'],
    outfile: 'dist/proxyAgents.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // OpenAI's tokenizer (2 MB of ranks), required by src/core/context/tokens.ts on first use, beside host.js and cli.js.
    entryPoints: ['src/core/context/tokenizerEntry.ts'],
    outfile: 'dist/tokenizer.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // The chat webview (media/src); main.ts imports media/css/chat.css (one file per component, @imported), which esbuild bundles into media/dist/chat.css.
    entryPoints: ['media/src/main.ts'],
    outfile: 'media/dist/chat.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

// 'module' first: some packages (jsonc-parser) ship a UMD main that bundlers cannot follow.
/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, mainFields: ['module', 'main'], sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };

if (watch) {
  await copyGrammars();
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all([...builds.map((b) => esbuild.build({ ...common, ...b })), copyGrammars()]);
  await chmod('dist/cli.js', 0o755);
}
