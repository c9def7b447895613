/**
 * `mcp-agent checkpoints list|diff ID|restore ID`, and the interactive chat's `/checkpoints` and `/undo`: the
 * workspace's checkpoints (src/core/checkpoints), taken before each turn's first change.
 */
import * as path from 'node:path';
import { Checkpoints, CheckpointError, GIT_MISSING, type CheckpointInfo, type FileStatus } from '../../core/checkpoints/Checkpoints';
import { visibleControls } from '../../core/util/untrusted';
import { resolveDataDir } from '../../core/util/paths';
import { CliError, EXIT, type CommonOptions } from '../context';
import { printTable } from '../format';
import { askLine, terminalIO } from '../interaction';

/** The CLI's checkpoints for `workspace`, in the data directory (`MCP_AGENT_DATA_DIR` honoured). */
export async function cliCheckpoints(workspace: string): Promise<Checkpoints> {
  if (await Checkpoints.unavailable()) throw new CliError(GIT_MISSING, EXIT.usage);
  return new Checkpoints({ workspace, dir: path.join(resolveDataDir(), 'checkpoints') });
}

const STATUS_WORD: Record<FileStatus['status'], string> = { A: 'restored', D: 'deleted', M: 'reverted' };

/** One line per file a restore changes: what happens to it. */
export function formatChanges(files: FileStatus[]): string {
  return files.map((f) => `  ${STATUS_WORD[f.status].padEnd(8)} ${visibleControls(f.path)}`).join('\n');
}

function printList(list: CheckpointInfo[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return;
  }
  if (list.length === 0) {
    process.stdout.write('No checkpoints for this workspace yet: one is taken before the first change of each chat turn.\n');
    return;
  }
  printTable(
    ['ID', 'TAKEN', 'KIND', 'BEFORE'],
    list.map((c) => [c.id.slice(0, 10), c.time.replace('T', ' ').slice(0, 19), c.kind, visibleControls(c.kind === 'restore' ? `restoring ${c.target?.slice(0, 10) ?? ''}` : c.label).slice(0, 70)]),
  );
}

async function confirm(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new CliError('restoring changes files: confirm on a terminal, or pass --yes', EXIT.usage);
  const answer = (await askLine(terminalIO(), `${question} [y]es, [n]o: `)).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

/**
 * Restores `target` after showing what changes; returns false when nothing was done. Prints how to take it back.
 */
export async function restoreWithReview(cp: Checkpoints, target: CheckpointInfo, opts: { yes: boolean; what: string }): Promise<boolean> {
  const files = await cp.changes(target.id);
  if (files.length === 0) {
    process.stderr.write(`Nothing to restore: the workspace already matches checkpoint ${target.id.slice(0, 10)}.\n`);
    return false;
  }
  process.stderr.write(`${opts.what} (checkpoint ${target.id.slice(0, 10)}, before "${visibleControls(target.label)}") changes ${files.length} file${files.length === 1 ? '' : 's'}:\n${formatChanges(files)}\n`);
  if (!(await confirm('Restore?', opts.yes))) {
    process.stderr.write('Nothing was changed.\n');
    return false;
  }
  const { backup } = await cp.restore(target.id);
  process.stderr.write(`Restored ${files.length} file${files.length === 1 ? '' : 's'}. To take this back: mcp-agent checkpoints restore ${backup.id.slice(0, 10)}\n`);
  return true;
}

/** `/undo` in an interactive chat: back to before the last turn that changed something (again: one more back). */
export async function undoLastTurn(cp: Checkpoints): Promise<void> {
  const target = await cp.undoTarget();
  if (!target) {
    process.stderr.write('Nothing to undo: no turn has changed the workspace yet.\n');
    return;
  }
  await restoreWithReview(cp, target, { yes: false, what: 'Undoing the last turn' });
}

export async function listCheckpoints(cp: Checkpoints, json = false): Promise<void> {
  printList(await cp.list(), json);
}

export async function runCheckpoints(opts: CommonOptions, sub: string | undefined, id: string | undefined): Promise<number> {
  const cp = await cliCheckpoints(opts.workspace);
  try {
    switch (sub) {
      case undefined:
      case 'list':
        await listCheckpoints(cp, opts.json);
        return EXIT.ok;
      case 'diff': {
        if (!id) throw new CliError('checkpoints diff needs a checkpoint ID (see mcp-agent checkpoints list)', EXIT.usage);
        const target = await cp.resolve(id);
        const diff = await cp.diff(target.id);
        process.stdout.write(diff ? visibleControls(diff) : `No changes since checkpoint ${target.id.slice(0, 10)}.\n`);
        return EXIT.ok;
      }
      case 'restore': {
        if (!id) throw new CliError('checkpoints restore needs a checkpoint ID (see mcp-agent checkpoints list)', EXIT.usage);
        const target = await cp.resolve(id);
        await restoreWithReview(cp, target, { yes: opts.yes ?? false, what: 'Restoring' });
        return EXIT.ok;
      }
      default:
        throw new CliError(`unknown checkpoints command "${sub}": use list, diff ID or restore ID`, EXIT.usage);
    }
  } catch (err) {
    if (err instanceof CheckpointError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}
