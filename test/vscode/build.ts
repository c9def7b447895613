// Builds what goes into the editor: our packaged extension, the runner extension, the suites.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, log, runOrThrow, seconds } from './util';

const HERE = __dirname;
const VSCE = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

async function vscePackage(cwd: string, out: string): Promise<void> {
  // --no-dependencies: everything is bundled. The two allow flags keep vsce from prompting (no stdin in CI).
  await runOrThrow('vsce package', process.execPath, [VSCE, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], {
    cwd,
    timeoutMs: 300_000,
  });
}

/** `npm run build` + `vsce package` of the repo: the .vsix a user would install. */
export async function packageOurExtension(outDir: string): Promise<string> {
  const started = Date.now();
  await runOrThrow('npm run build', 'npm', ['run', 'build'], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  const vsix = path.join(outDir, 'mcp-agent.vsix');
  await vscePackage(REPO_ROOT, vsix);
  log(`built and packaged mcp-agent (${seconds(started)})`);
  return vsix;
}

/** `npm run build` only: the test-electron launcher loads the repo as the development extension. */
export async function buildOurExtension(): Promise<void> {
  const started = Date.now();
  await runOrThrow('npm run build', 'npm', ['run', 'build'], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  log(`built mcp-agent (${seconds(started)})`);
}

export interface RunnerBuild {
  /** The staged extension folder (package.json, dist/runner.js, suites/). */
  dir: string;
  /** The bundled runner module (extensionTestsPath for test-electron). */
  main: string;
  /** The suite bundles, relative to `dir` (what RunnerConfig.suiteFiles lists). */
  suites: string[];
  vsix?: string;
}

/**
 * Stages the runner extension: the runner bundled with mocha inside, and each suite file as its
 * own CJS bundle under suites/ (mocha's globals come from the runner; `vscode` from the host).
 * The suites live inside the extension folder so that VS Code's `require('vscode')` interceptor
 * attributes them to an extension (outside any, it warns and hands out a fallback API object).
 * For code-server the folder is packaged as a .vsix.
 */
export async function buildRunnerExtension(dir: string, suiteFiles: string[], packageVsix: string | undefined): Promise<RunnerBuild> {
  const main = path.join(dir, 'dist', 'runner.js');
  fs.mkdirSync(path.dirname(main), { recursive: true });
  fs.copyFileSync(path.join(HERE, 'runner-extension', 'package.json'), path.join(dir, 'package.json'));
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
    legalComments: 'none',
  };
  const suiteRoot = path.join(HERE, 'suite');
  const suites = suiteFiles.map((file) => {
    const rel = path.relative(suiteRoot, file);
    return path.join('suites', (rel.startsWith('..') ? path.basename(file) : rel).replace(/\.ts$/, '.js'));
  });
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(HERE, 'runner-extension', 'src', 'runner.ts')], outfile: main, external: ['vscode'] }),
    ...suiteFiles.map((file, i) => esbuild.build({ ...common, entryPoints: [file], outfile: path.join(dir, suites[i]), external: ['vscode', 'mocha'] })),
  ]);
  if (!packageVsix) return { dir, main, suites };
  await vscePackage(dir, packageVsix);
  return { dir, main, suites, vsix: packageVsix };
}

export function discoverSuites(only: string[]): string[] {
  if (only.length > 0) return only.map((f) => path.resolve(f));
  const dir = path.join(HERE, 'suite');
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Stages (and for code-server packages) the test extension that registers a scripted chat model through
 * `vscode.lm.registerLanguageModelChatProvider` (test/vscode/lm-provider-extension), so the `vscode-lm` provider
 * is exercised against VS Code's real language-model API.
 */
export async function buildLmProviderExtension(dir: string, packageVsix: string | undefined): Promise<{ dir: string; vsix?: string }> {
  const src = path.join(HERE, 'lm-provider-extension');
  const main = path.join(dir, 'dist', 'extension.js');
  fs.mkdirSync(path.dirname(main), { recursive: true });
  fs.copyFileSync(path.join(src, 'package.json'), path.join(dir, 'package.json'));
  await esbuild.build({
    entryPoints: [path.join(src, 'src', 'extension.ts')],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
    legalComments: 'none',
    external: ['vscode'],
  });
  if (!packageVsix) return { dir };
  await vscePackage(dir, packageVsix);
  return { dir, vsix: packageVsix };
}
