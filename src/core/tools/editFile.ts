/**
 * The edit tools: `edit_file` (exact-match replacements) and `write_file` (whole content). Both go through the
 * Workspace port, so VS Code applies them as editor edits and the CLI as atomic writes. `planFileChange` computes the
 * change without making it: the approval shows that diff, and the tool makes the same computation when it runs.
 */
import * as path from 'node:path';
import type { FileChange, Workspace } from '../ports';
import { applyEdits, conformText, unifiedDiff, type TextEdit } from './textEdits';
import { textResult, type BuiltinTool } from './types';
import { resolveInsideWorkspace } from './workspacePath';

export const EDIT_TOOL_NAMES: ReadonlySet<string> = new Set(['edit_file', 'write_file']);

export type ChangePlan = ({ ok: true } & FileChange) | { ok: false; error: string };

function relPath(root: string, file: string): string {
  return path.relative(path.resolve(root), resolveInsideWorkspace(root, file, 'file')).split(path.sep).join('/');
}

async function currentText(workspace: Workspace, file: string): Promise<string | undefined> {
  try {
    return await workspace.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseEdits(value: unknown): TextEdit[] | string {
  if (!Array.isArray(value) || value.length === 0) return '"edits" must be a non-empty array of {oldText, newText}.';
  const out: TextEdit[] = [];
  for (const [i, e] of value.entries()) {
    const item = e as Record<string, unknown> | null;
    if (!item || typeof item.oldText !== 'string' || typeof item.newText !== 'string') return `edits[${i}] must be an object with string "oldText" and "newText".`;
    out.push({ oldText: item.oldText, newText: item.newText });
  }
  return out;
}

/** What `name` (edit_file or write_file) would do with `args`, or why it cannot. Never writes. */
export async function planFileChange(workspace: Workspace, name: string, args: Record<string, unknown>): Promise<ChangePlan> {
  if (typeof args.path !== 'string' || args.path.trim() === '') return { ok: false, error: `${name} needs a "path" string (relative to the workspace root).` };
  let rel: string;
  try {
    rel = relPath(workspace.root, args.path);
  } catch (err) {
    return { ok: false, error: `${(err as Error).message} Only files inside the workspace can be changed.` };
  }
  if (rel === '') return { ok: false, error: '"path" names the workspace root, not a file.' };
  let before: string | undefined;
  try {
    before = await currentText(workspace, rel);
  } catch (err) {
    return { ok: false, error: `${rel} cannot be read: ${(err as Error).message}` };
  }
  let after: string;
  if (name === 'write_file') {
    if (typeof args.content !== 'string') return { ok: false, error: 'write_file needs a "content" string: the whole new file.' };
    after = conformText(before, args.content);
  } else {
    const edits = parseEdits(args.edits);
    if (typeof edits === 'string') return { ok: false, error: edits };
    if (before === undefined) return { ok: false, error: `${rel} does not exist; create it with write_file.` };
    const applied = applyEdits(before, edits);
    if (!applied.ok) return { ok: false, error: `${rel}: ${applied.error}` };
    after = applied.text;
  }
  return { ok: true, path: rel, before, after, diff: unifiedDiff(rel, before, after) };
}

function changeSummary(change: FileChange): string {
  let added = 0;
  let removed = 0;
  for (const line of change.diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  return `${change.before === undefined ? 'Created' : 'Edited'} ${change.path} (+${added} -${removed} lines).`;
}

export function createEditTools(deps: { workspace: Workspace }): BuiltinTool[] {
  const run = async (name: string, args: Record<string, unknown>) => {
    const plan = await planFileChange(deps.workspace, name, args);
    if (!plan.ok) return textResult(plan.error, true);
    if (plan.before === plan.after) return textResult(`${plan.path} already has this content; nothing was changed.`);
    try {
      await deps.workspace.writeFile(plan.path, plan.after);
    } catch (err) {
      return textResult(`${plan.path} could not be written: ${(err as Error).message}`, true);
    }
    const change: FileChange = { path: plan.path, before: plan.before, after: plan.after, diff: plan.diff };
    return { content: [{ type: 'text' as const, text: `${changeSummary(change)}\n\n${plan.diff}` }], structuredContent: { path: plan.path, created: plan.before === undefined, diff: plan.diff } };
  };
  return [
    {
      spec: {
        name: 'edit_file',
        description:
          'Change an existing text file in the workspace by exact replacements. Each edit\'s oldText must match the ' +
          'file exactly once (whitespace included; quote enough surrounding lines to make it unique) and is replaced ' +
          'by newText; edits apply in order. On a mismatch the error quotes the closest text in the file. Line ' +
          'endings and encoding are kept. The user may review the diff and approve or reject it.',
        inputSchema: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'File path relative to the workspace root.' },
            edits: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                properties: { oldText: { type: 'string', description: 'Exact text to replace; must occur once.' }, newText: { type: 'string', description: 'Replacement text.' } },
                required: ['oldText', 'newText'],
                additionalProperties: false,
              },
            },
          },
          required: ['path', 'edits'],
          additionalProperties: false,
        },
        annotations: { title: 'Edit file', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
      },
      run: (args) => run('edit_file', args),
    },
    {
      spec: {
        name: 'write_file',
        description:
          'Create a text file in the workspace, or replace all of an existing one, with the given content (parent ' +
          'directories are created). Prefer edit_file for changes to existing files. The user may review the diff.',
        inputSchema: {
          type: 'object',
          properties: {
            path: { type: 'string', description: 'File path relative to the workspace root.' },
            content: { type: 'string', description: 'The complete new content of the file.' },
          },
          required: ['path', 'content'],
          additionalProperties: false,
        },
        annotations: { title: 'Write file', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      run: (args) => run('write_file', args),
    },
  ];
}
