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
  const pattern = new RegExp(`^<\\s*/?\\s*(?:${names.map(escapeRegExp).join('|')})`, 'i');
  const need = Math.max(...names.map((n) => n.length)) + 2;
  let out = '';
  let last = 0;
  // Only a character that NFKC folds to "<" can start a tag; the text after each is folded just far enough to tell.
  for (const m of text.matchAll(LESS_THAN)) {
    const at = m.index;
    if (isTag(text, at, pattern, need)) {
      out += `${text.slice(last, at)}&lt;`;
      last = at + m[0].length;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** "<" and its compatibility forms (small and full-width). */
const LESS_THAN = /[<\ufe64\uff1c]/g;
/** How far past a "<" the fold looks (in code points) before it calls the text a tag to be safe. */
const MAX_SCAN = 4096;

function isTag(text: string, at: number, pattern: RegExp, need: number): boolean {
  let folded = '';
  let solid = 0;
  let i = at;
  for (let n = 0; i < text.length && solid < need; n++) {
    if (n > MAX_SCAN) return true;
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (FORMAT.test(ch)) continue;
    const f = ch.normalize('NFKC');
    folded += f;
    if (!/^\s*$/.test(f)) solid += f.length;
  }
  return pattern.test(folded);
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
