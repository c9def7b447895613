/** Git's rules for allow-list entries: global options before the subcommand, subcommands and options that ask. */
import { specFindings, type ArgContext, type Finding, type Spec } from './commandArgs';

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

export function gitFindings(args: string[], ctx: ArgContext): Finding[] {
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
