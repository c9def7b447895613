/** The search fallback when no ripgrep is at hand: a sorted walk that honours ignore files and skips binaries. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IgnoreRules } from './ignoreRules';
import { displayLine, type LinesMatcher, type MatchCollector, type SearchMatch } from './lineMatch';

export interface NodeSearchOptions {
  root: string;
  matcher: LinesMatcher;
  collector: MatchCollector;
  /** Files that pass (relative `/` paths); all files when absent. */
  include?: (rel: string) => boolean;
  /** Directory names never entered (default `.git`, `node_modules`). */
  skipDirs: ReadonlySet<string>;
  signal?: AbortSignal;
  maxLineChars?: number;
  /** Larger files are skipped (and counted in a note) rather than read whole; default 16 MiB. */
  maxFileBytes?: number;
}

// ripgrep's own test: a NUL byte near the start means binary.
const BINARY_SNIFF_BYTES = 8192;
const READ_CONCURRENCY = 16;

export async function searchWithNode(options: NodeSearchOptions): Promise<{ notes: string[] }> {
  const rules = new IgnoreRules(options.root);
  const maxFileBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
  let skippedLarge = 0;

  const visitDir = async (relDir: string): Promise<void> => {
    options.signal?.throwIfAborted();
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(options.root, relDir), { withFileTypes: true });
    } catch {
      return; // unreadable directory: ripgrep also just reports and moves on
    }
    // Byte order of names, as `rg --sort path` lists them.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let batch: string[] = [];
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      // Symbolic links are not followed, as ripgrep does by default.
      if (entry.isDirectory()) {
        if (options.skipDirs.has(entry.name) || (await rules.isIgnored(rel, true))) continue;
        await searchFiles(batch); // keep path order: the files before this directory come first
        batch = [];
        if (options.collector.full) return;
        await visitDir(rel);
        if (options.collector.full) return;
      } else if (entry.isFile()) {
        if ((options.include && !options.include(rel)) || (await rules.isIgnored(rel, false))) continue;
        batch.push(rel);
        if (batch.length === READ_CONCURRENCY) {
          await searchFiles(batch);
          batch = [];
          if (options.collector.full) return;
        }
      }
    }
    await searchFiles(batch);
  };

  /** Reads a few files at once (the disk waits dominate), then records their matches in order. */
  const searchFiles = async (rels: string[]): Promise<void> => {
    options.signal?.throwIfAborted();
    const found = await Promise.all(rels.map(matchFile));
    for (const matches of found) {
      if (matches === 'too-large') {
        skippedLarge++;
        continue;
      }
      for (const match of matches) if (!options.collector.add(match)) return;
    }
  };

  const matchFile = async (rel: string): Promise<SearchMatch[] | 'too-large'> => {
    let data: Buffer;
    try {
      const handle = await fs.promises.open(path.join(options.root, rel), 'r');
      try {
        if ((await handle.stat()).size > maxFileBytes) return 'too-large';
        data = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch {
      return []; // vanished or unreadable: nothing to report
    }
    if (data.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return [];
    const lines = data.toString('utf8').split('\n');
    const matches: SearchMatch[] = [];
    for (const [i, index] of options.matcher(lines, options.collector.countLimit)) {
      const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
      matches.push({ path: rel, line: i + 1, text: displayLine(line, index, options.maxLineChars) });
    }
    return matches;
  };

  await visitDir('');
  const notes: string[] = [];
  if (skippedLarge) notes.push(`${skippedLarge} file(s) larger than ${Math.round(maxFileBytes / (1024 * 1024))} MiB were not searched.`);
  return { notes };
}
