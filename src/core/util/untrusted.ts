/**
 * Text from outside (models, tools, servers, files) is data. Two helpers keep it so: one for terminals, where
 * control and format characters can move the cursor, recolor, hide or reorder what a person reads; one for the
 * delimiters the model reads, where look-alike spellings of a closing tag must not end an envelope early.
 */

/**
 * Every control character except tab and newline (C0 with ESC and CR, DEL, C1), every format character (Unicode
 * Cf: zero-width, bidi embeddings, overrides and isolates, the BOM, tag characters) and the line and paragraph
 * separators, written as visible escapes (`\x1b`, `\u202e`). For everything a CLI prints that it did not write.
 */
export function visibleControls(text: string): string {
  return text.replace(HIDDEN, (c) => {
    const code = c.codePointAt(0) ?? 0;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

const FORMAT = /\p{Cf}/u;

/**
 * `text` with every `<` that would start an opening or closing tag of one of `names` written as `&lt;`. A tag is
 * recognized the way a reader would see it: after NFKC (full-width `＜`, compatibility letters) and with format
 * characters (zero-width, bidi) ignored, in any case, with whitespace around the slash. Only that `<` changes; the
 * rest of the text is left as it was.
 */
export function neutralizeTags(text: string, names: readonly string[]): string {
  // The folded view, and for each of its UTF-16 units the index of the code point it came from in `text`.
  let folded = '';
  const origin: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const f = FORMAT.test(ch) ? '' : ch.normalize('NFKC');
    for (let k = 0; k < f.length; k++) origin.push(i);
    starts.push(i);
    folded += f;
    i += ch.length;
  }
  const pattern = new RegExp(`<\\s*/?\\s*(?:${names.map(escapeRegExp).join('|')})`, 'gi');
  const hits = new Set<number>();
  for (const m of folded.matchAll(pattern)) hits.add(origin[m.index]);
  if (hits.size === 0) return text;
  let out = '';
  let last = 0;
  for (const at of [...hits].sort((a, b) => a - b)) {
    const len = String.fromCodePoint(text.codePointAt(at) ?? 0).length;
    out += `${text.slice(last, at)}&lt;`;
    last = at + len;
  }
  return out + text.slice(last);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The tags of the envelopes untrusted text reaches the model in: tool results and resources. */
export const ENVELOPE_TAGS = ['tool_result', 'resource'] as const;

/** `text` with any spelling of an envelope tag defused, for the inside of any envelope. */
export function neutralizeEnvelopeTags(text: string): string {
  return neutralizeTags(text, ENVELOPE_TAGS);
}
