// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Each TypeScript file is checked with the project it belongs to (see tsconfig.json): the first one that includes
// it wins, so bench/tsconfig.json picks up test/integration/bench.test.ts, which test/tsconfig.json leaves out.
const PROJECTS = ['./src/tsconfig.json', './media/src/tsconfig.json', './test/webview/tsconfig.json', './test/tsconfig.json', './bench/tsconfig.json'];

export default tseslint.config(
  { ignores: ['dist/**', 'media/dist/**', 'node_modules/**', '.cache/**', 'test-artifacts/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { project: PROJECTS, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // The build scripts, the in-editor test runner and the fixture servers: plain Node ES modules, linted without
    // type information (no project holds them, except the root's build scripts, which `tsc -p .` checks).
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node, parserOptions: { project: false, projectService: false } },
  },
  {
    // The webview runs in the browser: DOM globals, no Node.
    files: ['media/src/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The agent core runs in plain Node (CLI, HTTP API, tests): it never reaches for the editor, a front or the webview.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core is plain Node; put editor code in src/vscode behind a port.' }],
        patterns: [{ group: ['**/vscode/**', '**/cli/**', '**/media/**'], message: 'src/core never imports a front (src/vscode, src/cli) or the webview (media); fronts import the core.' }],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/cli is plain Node; put editor code in src/vscode behind a port.' }],
        patterns: [{ group: ['**/media/**'], message: 'Node code never imports the webview (media); shared modules live in src/shared.' }],
      }],
    },
  },
  {
    files: ['src/vscode/**/*.ts', 'src/extension.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/media/**'], message: 'Node code never imports the webview (media); shared modules live in src/shared.' }] }],
    },
  },
  {
    // Compiled into both the host and the webview: neither the editor, nor Node, nor one side's code.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/shared also runs in the webview.' }],
        patterns: [
          { group: ['node:*'], message: 'src/shared also runs in the webview: no Node modules.' },
          { group: ['**/media/**', '**/core/**', '**/vscode/**', '**/cli/**'], message: 'src/shared depends on neither side; both sides import it.' },
        ],
      }],
    },
  },
  {
    files: ['src/vscode/**/*.ts', 'src/extension.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests lean on chai-less assertions and fixture plumbing; keep the type-aware rules that catch real bugs.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
