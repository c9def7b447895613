/** .gitignore and .ignore rules of a directory tree, read lazily, answering "is this path ignored?". */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Ignore files honoured in every directory, as ripgrep does (it also reads .rgignore). */
export const IGNORE_FILE_NAMES = ['.gitignore', '.ignore', '.rgignore'];

export class IgnoreRules {
  private readonly matchers = new Map<string, Promise<Ignore | undefined>>();
  private readonly dirVerdicts = new Map<string, Promise<boolean>>();

  constructor(private readonly root: string) {}

  /**
   * Whether `rel` (a `/`-separated path relative to the root) is ignored by the rules of its own
   * directory or any directory above it, up to the root. Parent directories are not checked: callers
   * walking the tree never enter ignored ones (use `isIgnoredDeep` otherwise).
   */
  async isIgnored(rel: string, isDir: boolean): Promise<boolean> {
    const dirs = ancestorsOf(rel);
    // The nearest file with a verdict wins, so a deeper `!pattern` can re-include what a higher one excluded.
    for (let i = dirs.length - 1; i >= 0; i--) {
      const matcher = await this.matcher(dirs[i]);
      if (!matcher) continue;
      const sub = dirs[i] === '' ? rel : rel.slice(dirs[i].length + 1);
      const verdict = matcher.test(isDir ? `${sub}/` : sub);
      if (verdict.unignored) return false;
      if (verdict.ignored) return true;
    }
    return false;
  }

  /** Like `isIgnored`, but a path inside an ignored directory is ignored too, as git has it. */
  async isIgnoredDeep(rel: string, isDir: boolean): Promise<boolean> {
    const dirs = ancestorsOf(rel);
    for (let i = 1; i < dirs.length; i++) {
      if (await this.dirIgnored(dirs[i])) return true;
    }
    return this.isIgnored(rel, isDir);
  }

  private dirIgnored(rel: string): Promise<boolean> {
    let verdict = this.dirVerdicts.get(rel);
    if (!verdict) {
      verdict = this.isIgnored(rel, true);
      this.dirVerdicts.set(rel, verdict);
    }
    return verdict;
  }

  private matcher(relDir: string): Promise<Ignore | undefined> {
    let loaded = this.matchers.get(relDir);
    if (!loaded) {
      loaded = this.load(relDir);
      this.matchers.set(relDir, loaded);
    }
    return loaded;
  }

  private async load(relDir: string): Promise<Ignore | undefined> {
    const texts = await Promise.all(
      IGNORE_FILE_NAMES.map((name) => fs.promises.readFile(path.join(this.root, relDir, name), 'utf8').catch(() => '')),
    );
    const rules = texts.join('\n');
    return rules.trim() === '' ? undefined : ignore({ allowRelativePaths: true }).add(rules);
  }
}

/** `a/b/c` → ['', 'a', 'a/b']: the directories whose rules can apply to it, root first. */
function ancestorsOf(rel: string): string[] {
  const dirs = [''];
  for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) dirs.push(rel.slice(0, i));
  return dirs;
}
