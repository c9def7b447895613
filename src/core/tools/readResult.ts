/**
 * read_result: pages through, or searches, a tool result the model was given only part of. Read-only; results are
 * looked up by the handle the shortened result named.
 */
import type { ResultStore } from '../context/resultStore';
import { textResult, type BuiltinTool } from './types';

const DEFAULT_LENGTH = 8000;
const MAX_LENGTH = 50_000;
const MAX_MATCHES = 100;
const SEGMENT = 2000;

export function createReadResultTool(results: ResultStore): BuiltinTool {
  return {
    spec: {
      name: 'read_result',
      description:
        'Read part of a tool result that was too long to show whole (its note names the id, e.g. "r_3f2a…"). Give offset and length (characters) to page through it, or pattern (a regular expression) to get the matching lines with their line numbers.',
      inputSchema: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'The result id from the note, e.g. r_3f2a9c01b2d4' },
          offset: { type: 'number', description: 'First character to return (default 0)' },
          length: { type: 'number', description: `Characters to return (default ${DEFAULT_LENGTH}, at most ${MAX_LENGTH})` },
          pattern: { type: 'string', description: 'A regular expression; returns matching lines instead of a range' },
        },
        required: ['id'],
      },
      annotations: { title: 'Read a stored tool result', readOnlyHint: true, openWorldHint: false },
    },
    async run(args) {
      const id = typeof args.id === 'string' ? args.id.trim() : '';
      const text = id ? await results.get(id) : undefined;
      if (text === undefined) return textResult(`Error: no stored result "${id}". Use the id from the note of a shortened result, e.g. r_3f2a9c01b2d4.`, true);
      if (typeof args.pattern === 'string' && args.pattern) return search(id, text, args.pattern);
      const offset = clamp(Number(args.offset ?? 0), 0, text.length);
      const length = clamp(Number(args.length ?? DEFAULT_LENGTH), 1, MAX_LENGTH);
      const end = Math.min(text.length, offset + length);
      const more = end < text.length ? `; continue with offset ${end}` : '; this is the end';
      return textResult(`[${id}: characters ${offset}-${end} of ${text.length}${more}]\n${text.slice(offset, end)}`);
    },
  };
}

function search(id: string, text: string, pattern: string) {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'i');
  } catch (err) {
    return textResult(`Error: the pattern is not a valid regular expression (${(err as Error).message}).`, true);
  }
  const lines = text.split('\n');
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    // Long lines are searched in pieces (a match across a piece boundary is missed): a pathological pattern then
    // costs little per piece, and a match in a megabyte-long line shows where it is, not the whole line.
    for (let at = 0; at < Math.max(1, lines[i].length); at += SEGMENT) {
      const piece = lines[i].slice(at, at + SEGMENT);
      if (!re.test(piece)) continue;
      count++;
      if (out.length < MAX_MATCHES) out.push(lines[i].length > SEGMENT ? `${i + 1} (characters ${at}-${at + piece.length} of the line): ${piece}` : `${i + 1}: ${piece}`);
    }
  }
  const head = `[${id}: ${count} match${count === 1 ? '' : 'es'} in ${lines.length} line${lines.length === 1 ? '' : 's'}${count > MAX_MATCHES ? `, the first ${MAX_MATCHES} shown` : ''}]`;
  return textResult(count ? `${head}\n${out.join('\n')}` : head);
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.floor(n))) : lo;
}
