/**
 * What an allow-list entry covers beyond its own words. An entry names a program and, for programs with
 * subcommands, the subcommand (`git status`, `npm test`, `npm run build`); further arguments are accepted only when
 * they cannot run code, write outside the workspace or change configuration. This file is the per-program table of
 * options and operands that always ask, and the rule that writing programs ask for operands outside the workspace;
 * git (gitRules.ts) and the script languages of sed and awk (scriptRules.ts) have their own files, the option
 * parsing they share is commandArgs.ts, and the flag normalization deny entries use is denyMatch.ts.
 *
 * It is a table of known classes, not a proof: a program not listed here is judged only by the generic rules
 * (code-loading option names, output options and operands outside the workspace for writers). Entries ending in
 * `*` skip this file on purpose (`git *`, `npm run *`).
 */
import { isOption, longName, operands, options, specFindings, valueOf, type ArgContext, type Finding, type Spec } from './commandArgs';
import { gitFindings } from './gitRules';
import { awkFindings, sedFindings } from './scriptRules';

/** Programs whose first operand(s) choose what runs: an entry must name them, or end in `*`. */
export function selectorLength(program: string, args: string[]): number {
  switch (program) {
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun':
      return ['run', 'run-script', 'rum', 'urn', 'exec', 'x', 'dlx', 'create'].includes(args[0] ?? '') ? 2 : 1;
    case 'go':
      return args[0] === 'run' ? 2 : 1;
    case 'git':
    case 'npx':
    case 'bunx':
    case 'cargo':
    case 'make':
    case 'gmake':
    case 'docker':
    case 'podman':
    case 'kubectl':
    case 'gh':
    case 'pip':
    case 'pip3':
    case 'poetry':
    case 'dotnet':
    case 'mvn':
    case 'gradle':
    case './gradlew':
    case 'deno':
    case 'uv':
    case 'just':
    case 'rake':
    case 'composer':
      return 1;
    default:
      return 0;
  }
}

// ---- per-program rules ----

const INTERPRETER_WHAT = 'runs code given on the command line';

/** Long option names that load or run code, or write output, for any program: test runners, linters, tools we do not know. */
const CODE_LOADING_LONG = [
  'require', 'import', 'loader', 'experimental-loader', 'node-option', 'node-options', 'exec', 'eval', 'pre', 'pager',
  'shell', 'script-shell', 'config', 'config-file', 'setup-files', 'setupfiles', 'setupfilesafterenv', 'global-setup',
  'globalsetup', 'global-teardown', 'globalteardown', 'test-runner', 'testrunner', 'runner', 'resolver', 'transform',
  'plugin', 'plugins', 'preset', 'snapshot-resolver', 'snapshotresolver', 'testresultsprocessor', 'watch-plugins',
  'watchplugins', 'test-environment', 'testenvironment', 'override-ini', 'confcutdir', 'basetemp', 'pdbcls',
  'toolexec', 'vettool', 'editor', 'browser', 'init-file', 'rcfile', 'userconfig', 'globalconfig', 'upload-pack',
  'receive-pack', 'to-command', 'checkpoint-action', 'use-compress-program', 'rsh-command', 'rmt-command',
  'info-script', 'new-volume-script', 'sendmail-cmd', 'smtp-server', 'makefile',
];

/** `--out*`/`--output*`/`--log-file` values outside the workspace ask for every program. */
function outputOptions(program: string, args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  for (const [w, i] of options(args)) {
    const name = longName(w);
    if (name === undefined || !/^(out|output|log|report|junit|coverage)/.test(name)) continue;
    const v = valueOf(w) ?? args[i + 1];
    if (v !== undefined && ctx.outside(v)) out.push({ index: i, reason: `"${program} ${w}" would write outside the workspace` });
  }
  return out;
}

/** The generic rule: long options that load or run code ask, output outside the workspace asks. */
function genericFindings(program: string, args: string[], ctx: ArgContext, abbrev = false): Finding[] {
  return [...specFindings(program, { long: CODE_LOADING_LONG, abbrev, what: 'can load or run other code' }, args, ctx), ...outputOptions(program, args, ctx)];
}

const WRITERS: Record<string, Spec> = Object.fromEntries(
  ['rm', 'rmdir', 'unlink', 'mv', 'cp', 'ln', 'link', 'tee', 'chmod', 'chown', 'chgrp', 'touch', 'mkdir', 'truncate', 'shred', 'install', 'rsync', 'scp', 'split', 'csplit', 'patch', 'zip', 'unzip', 'gzip', 'gunzip', 'bzip2', 'xz', 'unxz', 'zstd', 'mktemp', 'mkfifo', 'setfacl', 'chattr', 'wipe', 'srm'].map((p) => [p, { writes: true } satisfies Spec]),
);

const SPECS: Record<string, Spec> = {
  ...WRITERS,
  rsync: { writes: true, short: 'e', long: ['rsh', 'rsync-path'] },
  scp: { writes: true, short: 'FoS', what: 'can run other programs' },
  dd: {
    custom: (args, ctx) => args.flatMap((w, i) => (/^of=/.test(w) && ctx.outside(w.slice(3)) ? [{ index: i, reason: `"dd ${w}" would write outside the workspace` }] : [])),
  },
  find: {
    words: ['-exec', '-execdir', '-ok', '-okdir', '-delete', '-fprint', '-fprint0', '-fprintf', '-fls'],
    what: 'runs commands, deletes or writes files',
  },
  sed: { short: 'f', long: ['file'], custom: sedFindings, what: 'runs a script from a file' },
  awk: { short: 'fEl', long: ['file', 'exec', 'load', 'include', 'source'], custom: awkFindings },
  tar: { short: 'IFP', long: ['to-command', 'checkpoint-action', 'use-compress-program', 'info-script', 'new-volume-script', 'rsh-command', 'rmt-command', 'absolute-names'], custom: tarFindings },
  rg: { long: ['pre'], abbrev: false, what: 'runs a program on every file' },
  man: { short: 'PHX', long: ['pager', 'html', 'browser', 'gxditview'], what: 'runs a pager or browser' },
  less: { short: 'o', long: ['log-file', 'LOG-FILE'], custom: (args) => args.flatMap((w, i) => (w.startsWith('+') ? [{ index: i, reason: `"less ${w}" runs less commands` }] : [])) },
  vim: { short: 'cSsuUwW', long: ['cmd'], custom: (args) => args.flatMap((w, i) => (w.startsWith('+') ? [{ index: i, reason: `"${w}" runs editor commands` }] : [])) },
  emacs: { short: 'lf', long: ['eval', 'load', 'funcall', 'script', 'batch'] },
  node: { short: 'epr', long: ['eval', 'print', 'require', 'import', 'loader', 'experimental-loader', 'input-type', 'env-file', 'run'], abbrev: false, runsOperand: true, what: INTERPRETER_WHAT },
  tsx: { short: 'epr', long: ['eval', 'print', 'require', 'import'], abbrev: false, runsOperand: true, what: INTERPRETER_WHAT },
  'ts-node': { short: 'epr', long: ['eval', 'print', 'require'], abbrev: false, runsOperand: true, what: INTERPRETER_WHAT },
  deno: { short: '', long: ['eval'], abbrev: false, custom: (args) => (args[0] === 'eval' || args.some((a) => /^https?:/.test(a)) ? [{ index: 0, reason: '"deno" would run code given on the command line or from the network' }] : []) },
  bun: { short: 'epr', long: ['eval', 'print', 'preload', 'require'], abbrev: false, runsOperand: true, what: INTERPRETER_WHAT },
  python: { short: 'cm', runsOperand: true, what: INTERPRETER_WHAT },
  ruby: { short: 'erI', runsOperand: true, what: INTERPRETER_WHAT },
  perl: { short: 'eEMmixI', runsOperand: true, what: INTERPRETER_WHAT },
  php: { short: 'rRBEFa', runsOperand: true, what: INTERPRETER_WHAT },
  lua: { short: 'el', runsOperand: true, what: INTERPRETER_WHAT },
  rscript: { short: 'e', runsOperand: true, what: INTERPRETER_WHAT },
  osascript: { short: 'e', runsOperand: true, what: INTERPRETER_WHAT },
  jq: { short: 'fL', long: ['from-file', 'rawfile', 'slurpfile'], abbrev: false, what: 'reads a program or files named on the command line' },
  make: { short: 'fEICW', long: ['file', 'makefile', 'eval', 'include-dir', 'directory', 'what-if', 'new-file', 'assume-new'], custom: makeFindings, what: 'runs or reads another makefile' },
  curl: {
    short: 'oOKTc',
    long: ['output', 'remote-name', 'config', 'upload-file', 'cookie-jar', 'dump-header', 'trace', 'trace-ascii', 'output-dir', 'libcurl', 'stderr', 'etag-save', 'hsts', 'alt-svc'],
    what: 'writes or uploads files',
    // `-d @file`, `-F x=@file` / `x=<file`, `--data-binary @file`: a file's contents go to the server.
    custom: (args) => args.flatMap((w, i) => (/^@|=@|=<|^-[A-Za-z]*[dF]@/.test(w) ? [{ index: i, reason: `"curl ${w}" uploads a file` }] : [])),
  },
  ssh: { short: 'oFSJLRDWw', what: 'can run a local command or open tunnels' },
  zip: { writes: true, short: 'T', long: ['unzip-command', 'test'], abbrev: false, what: 'runs a program to test the archive' },
  wget: { short: 'oOaPie', long: ['output-file', 'output-document', 'append-output', 'directory-prefix', 'input-file', 'execute', 'config', 'post-file', 'body-file'], what: 'writes or uploads files, or runs wgetrc commands' },
  sort: { short: 'o', long: ['output', 'compress-program'], what: 'writes a file or runs a program' },
  uniq: { custom: (args, ctx) => operands(args).slice(1).flatMap(([w, i]) => (ctx.outside(w) ? [{ index: i, reason: `"uniq" would write ${w}, outside the workspace` }] : [])) },
  tree: { short: 'o', what: 'writes a file' },
  printf: { short: 'v', what: 'sets a shell variable' },
  git: { custom: gitFindings },
  npm: { custom: (args) => scriptRunnerFindings('npm', args) },
  pnpm: { custom: (args) => scriptRunnerFindings('pnpm', args) },
  yarn: { custom: (args) => scriptRunnerFindings('yarn', args) },
  // npx's own options stand before the package, where an entry (`npx tsc`) cannot match; what follows is the package's.
  mocha: { short: 'rn', long: ['require', 'import', 'loader', 'node-option', 'config', 'reporter', 'ui', 'file', 'package', 'opts'], abbrev: false, what: 'loads code' },
  jest: { short: 'c', long: [] },
  vitest: { short: 'cr', long: ['config', 'root', 'dir', 'environment', 'reporter', 'globalsetup', 'api', 'ui', 'browser'], abbrev: false },
  pytest: { short: 'pco', long: ['override-ini', 'rootdir', 'confcutdir', 'basetemp', 'pdbcls', 'pyargs', 'junitxml', 'junit-xml', 'resultlog', 'debug', 'trace-config'], abbrev: false },
  go: { custom: goOutput, words: ['-exec', '-toolexec', '-vettool', '-overlay', '-modfile', '-pkgdir', '-ldflags', '-gcflags', '-asmflags', '-gccgoflags', '-coverprofile', '-cpuprofile', '-memprofile', '-blockprofile', '-mutexprofile', '-trace', '-outputdir', '-c'], what: 'runs another program or writes files' },
  cargo: { short: 'Z', long: ['config', 'manifest-path', 'target-dir', 'artifact-dir', 'out-dir', 'runner'], what: 'changes what cargo runs' },
  tsc: { long: ['outdir', 'outfile', 'declarationdir', 'tsbuildinfofile', 'plugins'], abbrev: false, custom: (args, ctx) => operands(args).flatMap(([w, i]) => (ctx.outside(w) ? [{ index: i, reason: `"tsc" reads a project outside the workspace (${w})` }] : [])) },
  eslint: { short: 'cf', long: ['config', 'plugin', 'rulesdir', 'resolve-plugins-relative-to', 'output-file', 'format', 'parser', 'stdin-filename'], abbrev: false, what: 'loads code' },
  prettier: { long: ['config', 'plugin', 'plugin-search-dir'], abbrev: false, what: 'loads code' },
};

const ALIASES: Record<string, string> = {
  python2: 'python', python3: 'python', py: 'python', pypy: 'python', pypy3: 'python', nodejs: 'node', gawk: 'awk', mawk: 'awk', nawk: 'awk', busyboxawk: 'awk',
  gsed: 'sed', gtar: 'tar', bsdtar: 'tar', gmake: 'make', vi: 'vim', nvim: 'vim', view: 'vim', ex: 'vim', vimdiff: 'vim', rview: 'vim', ggrep: 'grep', 'ruby3': 'ruby', perl5: 'perl',
  pip3: 'pip',
};

/** The rule name for a program word: `python3.12` -> python, `gawk` -> awk. */
export function ruleName(program: string): string {
  const p = program.toLowerCase();
  if (/^python[0-9.]*$/.test(p)) return 'python';
  return ALIASES[p] ?? p;
}

/**
 * Reasons to ask about a program's arguments (indexes into `args`): program-specific rules first, then the generic
 * ones. The caller drops the findings for words an allow entry spelled out.
 */
export function argumentFindings(program: string, args: string[], ctx: ArgContext): Finding[] {
  const name = ruleName(program);
  // `npx eslint -c x`: eslint's rules apply to eslint's arguments.
  if ((name === 'npx' || name === 'bunx') && args[0] !== undefined && !args[0].startsWith('-')) {
    return [...genericFindings(name, args, ctx), ...argumentFindings(args[0], args.slice(1), ctx).map((f) => ({ ...f, index: f.index + 1 }))];
  }
  const spec = SPECS[name];
  return [...(spec ? specFindings(name, spec, args, ctx) : []), ...(name === 'git' ? [] : genericFindings(name, args, ctx))];
}

/** `go build -o bin/x` is fine; `-o` outside the workspace asks. */
function goOutput(args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  args.forEach((w, i) => {
    const bare = w.replace(/^--?/, '-').split('=')[0];
    if (bare !== '-o') return;
    const v = w.includes('=') ? w.slice(w.indexOf('=') + 1) : args[i + 1];
    if (v === undefined || ctx.outside(v)) out.push({ index: i, reason: '"go -o" would write outside the workspace' });
  });
  return out;
}

// ---- npm, pnpm, yarn ----

const NPM_SAFE_OPTIONS = new Set(['--silent', '-s', '--quiet', '-q', '--if-present', '--ignore-scripts', '--no-color', '--color', '--loglevel', '--json', '--parseable', '--long', '-l', '--workspaces', '--ws', '--include-workspace-root', '--recursive', '-r', '--frozen-lockfile', '--prefer-offline', '--offline']);

/** npm's options before `--` are configuration (`--script-shell`, `--node-options`); after `--` they go to the script. */
function scriptRunnerFindings(program: string, args: string[]): Finding[] {
  const out: Finding[] = [];
  let i = 0;
  for (; i < args.length && args[i] !== '--'; i++) {
    const w = args[i];
    if (!isOption(w)) continue;
    const bare = w.split('=')[0];
    if (NPM_SAFE_OPTIONS.has(bare) || /^--(workspace|filter)$/.test(bare) || bare === '-w') continue;
    out.push({ index: i, reason: `"${program} ${w}" is ${program} configuration (it can choose the shell or code that runs)` });
  }
  // Arguments after `--` go to the script (a test runner, usually): the generic code-loading options ask.
  const tail = args.slice(i + 1);
  for (const f of genericFindings(`${program} script`, tail, { outside: () => false })) out.push({ index: f.index + i + 1, reason: f.reason });
  for (const f of specFindings('script', { short: 'rcn', what: 'may load code in the test runner' }, tail, { outside: () => false })) out.push({ index: f.index + i + 1, reason: f.reason });
  return out;
}

// ---- make ----

function makeFindings(args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  args.forEach((w, i) => {
    if (!isOption(w) && /^[A-Za-z_][A-Za-z0-9_.-]*\+?:?=/.test(w)) out.push({ index: i, reason: `"make ${w}" overrides a variable (SHELL, CC…), which can run any program` });
  });
  const c = args.findIndex((w) => w === '-C' || w.startsWith('--directory'));
  if (c >= 0) {
    const dir = args[c].includes('=') ? args[c].slice(args[c].indexOf('=') + 1) : args[c + 1];
    if (dir === undefined || ctx.outside(dir)) out.push({ index: c, reason: '"make -C" runs a makefile outside the workspace' });
  }
  return out;
}

// ---- tar ----

function tarFindings(args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  // Old-style first word (`tar xzf a.tar`) is a cluster of short options.
  if (args[0] && !args[0].startsWith('-') && /^[A-Za-z]+$/.test(args[0]) && /[IFP]/.test(args[0])) out.push({ index: 0, reason: `"tar ${args[0]}" can run programs or write outside the workspace` });
  const creates = args.some((w, i) => (i === 0 && /^[A-Za-z]+$/.test(w) && /[xcru]/.test(w)) || /^-[A-Za-z]*[xcru]/.test(w) || /^--(extract|get|create|append|update)/.test(w));
  args.forEach((w, i) => {
    // `-f host:archive` talks to a remote host through rsh.
    if (/^-[A-Za-z]*f$/.test(w) && args[i + 1]?.includes(':')) out.push({ index: i, reason: '"tar -f host:file" runs a remote shell' });
    if (/^-[A-Za-z]*C$/.test(w) || w === '--directory') {
      const dir = args[i + 1];
      if (dir !== undefined && ctx.outside(dir)) out.push({ index: i, reason: `"tar -C ${dir}" works outside the workspace` });
    }
    if (w.startsWith('--directory=') && ctx.outside(w.slice(12))) out.push({ index: i, reason: `"tar ${w}" works outside the workspace` });
  });
  if (creates) {
    for (const [w, i] of operands(args)) if (i > 0 && ctx.outside(w)) out.push({ index: i, reason: `"tar" would write or read ${w}, outside the workspace` });
  }
  return out;
}
