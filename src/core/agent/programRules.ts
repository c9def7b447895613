/**
 * What an allow-list entry covers beyond its own words. An entry names a program and, for programs with
 * subcommands, the subcommand (`git status`, `npm test`, `npm run build`); further arguments are accepted only when
 * they cannot run code, write outside the workspace or change configuration. This file is the per-program table of
 * options and operands that always ask, the rule that writing programs ask for operands outside the workspace, and
 * the flag normalization deny entries use (`rm -fr` = `rm -r -f` = `rm --recursive --force`).
 *
 * It is a table of known classes, not a proof: a program not listed here is judged only by the generic rules
 * (code-loading option names, output options and operands outside the workspace for writers). Entries ending in
 * `*` skip this file on purpose (`git *`, `npm run *`).
 */
import * as path from 'node:path';

export interface ArgContext {
  /** Whether a path operand lies outside the workspace: absolute elsewhere, `..` past the root, `~`, or via a symlink. */
  outside(p: string): boolean;
}

/** A reason to ask, at the index (into the program's arguments) of the word that causes it. */
export interface Finding {
  index: number;
  reason: string;
}

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

// ---- option helpers ----

const isOption = (w: string): boolean => w.startsWith('-') && w !== '-' && w !== '--';

/** `--name=value` -> name (without dashes); undefined for anything else. */
function longName(w: string): string | undefined {
  if (!w.startsWith('--') || w === '--') return undefined;
  const eq = w.indexOf('=');
  return (eq < 0 ? w.slice(2) : w.slice(2, eq)).toLowerCase();
}

/** Whether `given` (as typed after `--`) names `name`, GNU-style abbreviations included (at least 3 characters). */
function namesLong(given: string, name: string, abbrev: boolean): boolean {
  return given === name || (abbrev && given.length >= 3 && name.startsWith(given));
}

function valueOf(w: string): string | undefined {
  const eq = w.indexOf('=');
  return eq < 0 ? undefined : w.slice(eq + 1);
}

/** Option words before `--`, with their indexes. */
function options(args: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    if (isOption(args[i])) out.push([args[i], i]);
  }
  return out;
}

/** Non-option words (everything after `--` too), with their indexes. */
function operands(args: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  let ended = false;
  for (let i = 0; i < args.length; i++) {
    if (!ended && args[i] === '--') {
      ended = true;
      continue;
    }
    if (ended || !isOption(args[i])) out.push([args[i], i]);
  }
  return out;
}

interface Spec {
  /** Short option letters that ask, in any cluster (`-xvf`). */
  short?: string;
  /** Long options that ask (also abbreviated, unless `abbrev` is false). */
  long?: string[];
  /** Single-dash words that ask, exactly or with `=value` (find's `-exec`, go's `-toolexec`, also as `--toolexec`). */
  words?: string[];
  /** Operands (and `--opt=value` values) outside the workspace ask: the program writes or deletes them. */
  writes?: boolean;
  abbrev?: boolean;
  /** Operands that are code to run (`perl script.pl`): outside the workspace they ask. */
  runsOperand?: boolean;
  custom?: (args: string[], ctx: ArgContext) => Finding[];
  /** Why the options ask, for the reason text. */
  what?: string;
}

function specFindings(program: string, spec: Spec, args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  const what = spec.what ?? 'can run other programs or write files';
  for (const [w, i] of options(args)) {
    const name = longName(w);
    if (name !== undefined) {
      if (spec.long?.some((l) => namesLong(name, l, spec.abbrev ?? true))) out.push({ index: i, reason: `"${program} ${w}" ${what}` });
      if (spec.words?.some((l) => name === l.replace(/^-+/, ''))) out.push({ index: i, reason: `"${program} ${w}" ${what}` });
    } else {
      const bare = w.split('=')[0];
      if (spec.words?.includes(bare)) out.push({ index: i, reason: `"${program} ${w}" ${what}` });
      else if (spec.short) {
        const letters = w.slice(1);
        for (const ch of letters) {
          if (spec.short.includes(ch)) {
            out.push({ index: i, reason: `"${program} -${ch}" ${what}` });
            break;
          }
          if (!/[A-Za-z]/.test(ch)) break; // `-n5`: the rest is a value
        }
      }
    }
    if (spec.writes) {
      const v = valueOf(w);
      if (v !== undefined && v !== '' && ctx.outside(v)) out.push({ index: i, reason: `"${program}" would write outside the workspace (${v})` });
    }
  }
  if (spec.writes || spec.runsOperand) {
    for (const [w, i] of operands(args)) {
      if (ctx.outside(w)) out.push({ index: i, reason: spec.writes ? `"${program}" would change ${w}, outside the workspace` : `"${program}" would run ${w}, outside the workspace` });
    }
  }
  if (spec.custom) out.push(...spec.custom(args, ctx));
  return out;
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

// ---- git ----

const GIT_SAFE_GLOBALS = new Set(['--no-pager', '-P', '--no-optional-locks', '--literal-pathspecs', '--glob-pathspecs', '--noglob-pathspecs', '--icase-pathspecs', '--no-replace-objects', '--no-lazy-fetch', '--no-advice']);
const GIT_GLOBALS_WITH_VALUE = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix', '--list-cmds', '--attr-source']);

/**
 * Git's global options before the subcommand: the index of the subcommand, and reasons for options that change
 * configuration, the repository, or what git runs (`-c`, `--exec-path`, `--git-dir`, `-p`). `-C` inside the
 * workspace and the options in GIT_SAFE_GLOBALS are fine.
 */
export function gitGlobals(args: string[], ctx?: ArgContext): { sub: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) {
    const w = args[i];
    const bare = w.split('=')[0];
    if (GIT_SAFE_GLOBALS.has(w)) {
      i++;
      continue;
    }
    const takesValue = GIT_GLOBALS_WITH_VALUE.has(bare) && !w.includes('=') && !(/^-[Cc]./.test(w));
    const value = takesValue ? args[i + 1] : w.includes('=') ? w.slice(w.indexOf('=') + 1) : /^-[Cc]./.test(w) ? w.slice(2) : undefined;
    if ((bare === '-C' || w.startsWith('-C')) && ctx && value !== undefined && !ctx.outside(value)) {
      // stays in the workspace
    } else {
      findings.push({ index: i, reason: `git's global option "${w}" can change configuration, the repository or what git runs` });
    }
    i += takesValue ? 2 : 1;
  }
  return { sub: i, findings };
}

const GIT_ALWAYS_ASK = new Set(['config', 'submodule', 'filter-branch', 'filter-repo', 'bisect', 'difftool', 'mergetool', 'instaweb', 'daemon', 'send-email', 'credential', 'web--browse', 'p4', 'svn', 'cvsimport', 'archimport', 'quiltimport', 'upload-pack', 'receive-pack', 'shell', 'remote-ext', 'remote-fd', 'run-command', 'hook', 'var', 'fsmonitor--daemon', 'maintenance']);
const GIT_WRITES_OUTSIDE = new Set(['clone', 'init', 'worktree', 'archive', 'format-patch', 'bundle', 'diff', 'apply', 'am']);
const GIT_SUB_SHORT: Record<string, string> = { clone: 'uc', fetch: 'u', pull: 'u', 'ls-remote': 'u', 'format-patch': 'o', archive: 'o', grep: 'O', rebase: 'x', help: 'wim', commit: '', am: '', };
const GIT_ASK_LONG = ['output', 'output-directory', 'ext-diff', 'exec', 'upload-pack', 'receive-pack', 'config', 'template', 'separate-git-dir', 'extcmd', 'tool', 'open-files-in-pager', 'remote', 'sendmail-cmd', 'smtp-server', 'unsafe-paths', 'textconv', 'web', 'info', 'man', 'reference', 'reference-if-able', 'shared', 'git-dir', 'work-tree'];

function gitFindings(args: string[], ctx: ArgContext): Finding[] {
  const { sub, findings } = gitGlobals(args, ctx);
  const name = args[sub];
  if (name === undefined) return findings;
  if (GIT_ALWAYS_ASK.has(name)) findings.push({ index: sub, reason: `"git ${name}" can change configuration or run other programs` });
  const rest = args.slice(sub + 1);
  const spec: Spec = { short: GIT_SUB_SHORT[name] ?? '', long: GIT_ASK_LONG, writes: GIT_WRITES_OUTSIDE.has(name) && name !== 'diff', what: 'can write files or run other programs' };
  for (const f of specFindings(`git ${name}`, spec, rest, ctx)) findings.push({ index: f.index + sub + 1, reason: f.reason });
  rest.forEach((w, j) => {
    // Transport helpers (`ext::sh -c …`, `fd::`) run commands.
    if (/::/.test(w) || /^--?[a-z-]*=.*::/.test(w)) findings.push({ index: sub + 1 + j, reason: `"${w}" names a git transport helper, which can run commands` });
  });
  return findings;
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

// ---- awk ----

/** The program text of an awk command line (the first operand unless -f), or undefined. */
function awkFindings(args: string[]): Finding[] {
  const out: Finding[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i];
    if (w === '--') {
      i++;
      break;
    }
    if (!isOption(w)) break;
    if (/^-[vF]$/.test(w)) i++; // value follows
    if (w === '-f' || w.startsWith('--file')) return out; // the option itself asks
  }
  const program = args[i];
  if (program !== undefined && /system|\||>|getline|@|close|fflush|ENVIRON|PROCINFO/.test(program)) {
    out.push({ index: i, reason: 'the awk program runs commands, uses pipes or writes files (system, |, >)' });
  }
  return out;
}

// ---- sed ----

/**
 * sed scripts: the `e` command, `w`/`W` (write a file), `r`/`R` (read one), and the `e`/`w` flags of `s` ask. Parsed
 * command by command; anything this small parser does not understand asks.
 */
function sedFindings(args: string[], ctx: ArgContext): Finding[] {
  const out: Finding[] = [];
  const scripts: Array<[string, number]> = [];
  let inPlace = false;
  let sandbox = false;
  let explicit = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w === '--') break;
    if (w === '-e' || w === '--expression') {
      explicit = true;
      if (args[i + 1] !== undefined) scripts.push([args[i + 1], i + 1]);
      i++;
    } else if (w.startsWith('--expression=')) {
      explicit = true;
      scripts.push([w.slice(13), i]);
    } else if (/^-[a-zA-Z]*e./.test(w) && !w.startsWith('--')) {
      explicit = true;
      scripts.push([w.slice(w.indexOf('e') + 1), i]);
    } else if (/^-[A-Za-z]*i/.test(w) || w.startsWith('--in-place')) inPlace = true;
    else if (w === '--sandbox') sandbox = true;
    else if (/^-[A-Za-z]*[l]$/.test(w)) i++;
  }
  const files = operands(args);
  if (!explicit && files.length > 0) {
    // The first operand is the script.
    const [script, idx] = files.shift()!;
    scripts.push([script, idx]);
  }
  if (!sandbox) for (const [s, i] of scripts) {
    const bad = sedScriptProblem(s);
    if (bad) out.push({ index: i, reason: `the sed script ${bad}` });
  }
  if (inPlace) for (const [w, i] of files) if (ctx.outside(w)) out.push({ index: i, reason: `"sed -i" would change ${w}, outside the workspace` });
  return out;
}

/** Why a sed script asks, or undefined when it only edits the stream. */
export function sedScriptProblem(script: string): string | undefined {
  const s = script;
  let i = 0;
  const n = s.length;
  const skipSpace = () => {
    while (i < n && /[ \t;\n]/.test(s[i])) i++;
  };
  const readDelimited = (delim: string): boolean => {
    // reads up to and including the closing delimiter, honouring backslash escapes
    while (i < n) {
      if (s[i] === '\\') i += 2;
      else if (s[i] === delim) {
        i++;
        return true;
      } else if (s[i] === '\n') return false;
      else i++;
    }
    return false;
  };
  const readAddress = (): boolean => {
    if (i >= n) return true;
    if (/[0-9]/.test(s[i])) {
      while (i < n && /[0-9~]/.test(s[i])) i++;
    } else if (s[i] === '$') i++;
    else if (s[i] === '/') {
      i++;
      if (!readDelimited('/')) return false;
      while (i < n && /[IM]/.test(s[i])) i++;
    } else if (s[i] === '\\') {
      const d = s[i + 1];
      i += 2;
      if (d === undefined || !readDelimited(d)) return false;
    }
    return true;
  };
  let guard = 0;
  while (i < n && guard++ < 10_000) {
    skipSpace();
    if (i >= n) break;
    if (!readAddress()) return 'cannot be read';
    if (s[i] === ',') {
      i++;
      if (s[i] === '+' || s[i] === '~') i++;
      if (!readAddress()) return 'cannot be read';
    }
    while (i < n && /[ \t!]/.test(s[i])) i++;
    const cmd = s[i++];
    if (cmd === undefined) return 'cannot be read';
    if (cmd === '{' || cmd === '}' || cmd === '=' || /[dDgGhHlnNpPqQxzF]/.test(cmd)) {
      // q and Q may take an exit code
      while (i < n && /[0-9 ]/.test(s[i])) i++;
      continue;
    }
    if (cmd === '#') {
      while (i < n && s[i] !== '\n') i++;
      continue;
    }
    if (cmd === ':' || cmd === 'b' || cmd === 't' || cmd === 'T') {
      while (i < n && s[i] !== ';' && s[i] !== '\n') i++;
      continue;
    }
    if (cmd === 'a' || cmd === 'i' || cmd === 'c') {
      while (i < n && s[i] !== '\n') {
        if (s[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (cmd === 's' || cmd === 'y') {
      const d = s[i++];
      if (d === undefined || d === '\n' || d === '\\') return 'cannot be read';
      if (!readDelimited(d) || !readDelimited(d)) return 'cannot be read';
      if (cmd === 'y') continue;
      const flagsStart = i;
      while (i < n && /[gpiImMe0-9w]/.test(s[i])) {
        if (s[i] === 'w') return 'writes a file (s///w)';
        i++;
      }
      if (s.slice(flagsStart, i).includes('e')) return 'runs the pattern space as a command (s///e)';
      continue;
    }
    if (cmd === 'e') return 'runs a command (e)';
    if (cmd === 'w' || cmd === 'W') return 'writes a file (w)';
    if (cmd === 'r' || cmd === 'R') return 'reads a file (r)';
    if (cmd === 'v') {
      while (i < n && s[i] !== ';' && s[i] !== '\n') i++;
      continue;
    }
    return `uses "${cmd}", which this check does not know`;
  }
  return undefined;
}

// ---- deny matching ----

/** Per-program spellings of the same flag, for deny entries: `--recursive` = `-R` = `-r`. */
const FLAG_ALIASES: Record<string, Record<string, string>> = {
  rm: { R: 'r', recursive: 'r', force: 'f', dir: 'd', interactive: 'i', verbose: 'v' },
  cp: { R: 'r', recursive: 'r', force: 'f', archive: 'a' },
  mv: { force: 'f' },
  chmod: { recursive: 'R' },
  chown: { recursive: 'R' },
  chgrp: { recursive: 'R' },
  'git push': { force: 'f', 'force-with-lease': 'f', 'force-if-includes': 'f', delete: 'd', mirror: 'mirror' },
  'git clean': { force: 'f' },
  'git reset': {},
  'git branch': { D: 'D', delete: 'd', force: 'f' },
  'git checkout': { force: 'f' },
};

export interface Canonical {
  program: string;
  /** Operands in order (subcommand first where there is one), paths normalized. */
  operands: string[];
  flags: Set<string>;
}

function normalizeOperand(w: string): string {
  if (w.includes('/') || w === '.' || w === '..') {
    const n = path.posix.normalize(w.replace(/\\/g, '/'));
    return n.length > 1 ? n.replace(/\/+$/, '') : n;
  }
  return w;
}

/**
 * A command's words as program, operands and flag set, with git's global options dropped and each flag in one
 * spelling. The program is compared by name (`/bin/rm`, `RM`, `rm.exe` are rm).
 */
export function canonicalize(words: string[], programName: (w: string) => string): Canonical | undefined {
  if (words.length === 0) return undefined;
  const program = programName(words[0]);
  let args = words.slice(1);
  if (program === 'git') args = args.slice(gitGlobals(args).sub);
  const sub = program === 'git' && args[0] !== undefined ? `git ${args[0]}` : program;
  const aliases = FLAG_ALIASES[sub] ?? FLAG_ALIASES[program] ?? {};
  const longs = Object.keys(aliases).filter((k) => k.length > 1);
  const flags = new Set<string>();
  const ops: string[] = [];
  let ended = false;
  for (const w of args) {
    if (!ended && w === '--') {
      ended = true;
      continue;
    }
    if (ended || !isOption(w)) {
      ops.push(normalizeOperand(w));
      // `git push origin +main` forces as much as --force does.
      if (sub === 'git push' && w.startsWith('+')) flags.add('f');
      continue;
    }
    const name = longName(w);
    if (name !== undefined) {
      const full = longs.find((l) => l === name) ?? (name.length >= 3 ? longs.find((l) => l.startsWith(name)) : undefined);
      flags.add(full !== undefined ? aliases[full] : `--${name}`);
    } else {
      for (const ch of w.slice(1)) {
        if (!/[A-Za-z0-9]/.test(ch)) break;
        flags.add(aliases[ch] ?? ch);
      }
    }
  }
  return { program, operands: ops, flags };
}

/** Whether a command matches a deny entry: same program (and subcommand), the entry's flags and operands all present. */
export function denyMatches(command: Canonical, entry: Canonical): boolean {
  if (command.program !== entry.program) return false;
  const hasSub = selectorLength(entry.program, entry.operands) > 0;
  if (hasSub && entry.operands.length > 0 && command.operands[0] !== entry.operands[0]) return false;
  for (const f of entry.flags) if (!command.flags.has(f)) return false;
  const rest = hasSub ? entry.operands.slice(1) : entry.operands;
  const have = new Set(hasSub ? command.operands.slice(1) : command.operands);
  return rest.every((o) => have.has(o));
}
