/**
 * Exact-match text edits as the edit tools apply them, and the unified diff people review. Pure functions: the file's
 * own line endings and byte-order mark are kept, so a CRLF file stays CRLF whatever newlines the model writes.
 */
import { visibleControls } from '../util/untrusted';
import { createTwoFilesPatch } from 'diff';

export interface TextEdit {
  oldText: string;
  newText: string;
}

export type EditOutcome = { ok: true; text: string } | { ok: false; error: string };

const BOM = '\uFEFF';

/** The file's dominant line ending: CRLF when most of its line breaks are CRLF. */
export function detectEol(text: string): '\n' | '\r\n' {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

/**
 * `text` with each edit applied in order. Matching ignores the difference between CRLF and LF (the model sees and
 * writes LF); the result uses the file's own line ending and keeps its BOM. Each `oldText` must occur exactly once.
 */
export function applyEdits(text: string, edits: TextEdit[]): EditOutcome {
  const bom = text.startsWith(BOM);
  const eol = detectEol(text);
  let body = toLf(bom ? text.slice(1) : text);
  for (const [i, edit] of edits.entries()) {
    const label = edits.length > 1 ? `edits[${i}]` : 'the edit';
    const oldText = toLf(edit.oldText.startsWith(BOM) ? edit.oldText.slice(1) : edit.oldText);
    const newText = toLf(edit.newText);
    if (oldText === '') return { ok: false, error: `${label}: oldText is empty; quote the exact text to replace (use write_file to create a file).` };
    const first = body.indexOf(oldText);
    if (first < 0) return { ok: false, error: `${label}: oldText was not found in the file.${closestHint(body, oldText)}` };
    const second = body.indexOf(oldText, first + 1);
    if (second >= 0) {
      const lines = [first, second].map((at) => lineOf(body, at));
      return { ok: false, error: `${label}: oldText occurs ${countOf(body, oldText)} times (first at lines ${lines.join(' and ')}); include more surrounding lines so it matches exactly once.` };
    }
    body = body.slice(0, first) + newText + body.slice(first + oldText.length);
  }
  return { ok: true, text: (bom ? BOM : '') + (eol === '\r\n' ? body.replace(/\n/g, '\r\n') : body) };
}

/** New content for a whole file: the model's LF text in the line ending and BOM of what it replaces. */
export function conformText(previous: string | undefined, content: string): string {
  if (previous === undefined) return content;
  const bom = previous.startsWith(BOM);
  const body = toLf(content.startsWith(BOM) ? content.slice(1) : content);
  return (bom ? BOM : '') + (detectEol(previous) === '\r\n' ? body.replace(/\n/g, '\r\n') : body);
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

/**
 * Where the file comes closest to `oldText`: the window of as many lines as `oldText` has whose lines agree with it
 * most (whitespace-insensitive first, then by shared characters), quoted with line numbers so the model can retry.
 */
function closestHint(body: string, oldText: string): string {
  const fileLines = body.split('\n');
  const want = oldText.split('\n');
  const n = Math.min(want.length, fileLines.length);
  if (n === 0) return '';
  let best = { at: -1, score: 0 };
  for (let start = 0; start + n <= fileLines.length; start++) {
    let score = 0;
    for (let k = 0; k < n; k++) score += lineSimilarity(fileLines[start + k], want[k]);
    if (score > best.score) best = { at: start, score };
  }
  if (best.at < 0 || best.score / n < 0.3) return ' Nothing in the file resembles it; read the file again before editing.';
  const quoted = fileLines.slice(best.at, best.at + n).map((l, k) => `${best.at + k + 1}: ${l}`).join('\n');
  const whitespaceOnly = fileLines.slice(best.at, best.at + n).join('\n').replace(/\s+/g, '') === oldText.replace(/\s+/g, '');
  return ` The closest match (lines ${best.at + 1}-${best.at + n})${whitespaceOnly ? ' differs only in whitespace' : ''}:\n${quoted}`;
}

/** 1 for lines equal up to whitespace, else the share of characters in common (a cheap bigram Dice coefficient). */
function lineSimilarity(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) grams.set(x.slice(i, i + 2), (grams.get(x.slice(i, i + 2)) ?? 0) + 1);
  let shared = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const g = y.slice(i, i + 2);
    const c = grams.get(g) ?? 0;
    if (c > 0) {
      shared++;
      grams.set(g, c - 1);
    }
  }
  return (2 * shared) / (x.length + y.length - 2);
}

/**
 * A unified diff of `before` -> `after` for people to review. Control characters (other than tab and newline) are
 * shown as `\x1b`-style escapes, so a diff cannot hide text or move the terminal's cursor; a CR at a line end is
 * dropped from the display (the file keeps it) and a line-ending change is named instead.
 */
export function unifiedDiff(file: string, before: string | undefined, after: string): string {
  const a = before === undefined ? '' : before;
  const patch = createTwoFilesPatch(before === undefined ? '/dev/null' : `a/${file}`, `b/${file}`, visibleEol(a), visibleEol(after), undefined, undefined, { context: 3 });
  // The first line is jsdiff's "Index:"/"===" header: the ---/+++ lines already name the file.
  const body = patch.split('\n').filter((l) => !l.startsWith('=====') && !l.startsWith('Index:')).join('\n');
  const notes: string[] = [];
  if (before !== undefined && detectEol(before) !== detectEol(after)) notes.push(`(line endings change from ${eolName(before)} to ${eolName(after)})`);
  if (before !== undefined && before.startsWith(BOM) !== after.startsWith(BOM)) notes.push(after.startsWith(BOM) ? '(a byte-order mark is added)' : '(the byte-order mark is removed)');
  return visibleControls(body) + (notes.length ? `\n${notes.join('\n')}` : '');
}

function eolName(text: string): string {
  return detectEol(text) === '\r\n' ? 'CRLF' : 'LF';
}

function visibleEol(text: string): string {
  return toLf(text.startsWith(BOM) ? text.slice(1) : text);
}

/** Control and format characters made visible; kept here for the callers that import it from the edit tools. */
export { visibleControls } from '../util/untrusted';
