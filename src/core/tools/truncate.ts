/**
 * Head-and-tail capping for long texts: the start says what ran, the end usually says how it ended,
 * and the middle is what a model can most afford to lose.
 */

const marker = (omitted: number): string => `\n\n... ${omitted} characters omitted ...\n\n`;

/** Split points that do not cut a UTF-16 surrogate pair in half. */
function safeHeadEnd(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}
function safeTailStart(text: string, start: number): number {
  const code = text.charCodeAt(start);
  return code >= 0xdc00 && code <= 0xdfff ? start + 1 : start;
}

/** How much head and tail fit beside the marker in `maxChars` for a text of `length`. */
function budget(length: number, maxChars: number): { head: number; tail: number } {
  // The marker's length depends on the omitted count; sizing it for `length` is a safe upper bound.
  const room = Math.max(0, maxChars - marker(length).length);
  const head = Math.ceil(room / 2);
  return { head, tail: room - head };
}

/**
 * `text` if it fits in `maxChars`; otherwise its start and end with a
 * `... N characters omitted ...` line between, the whole no longer than `maxChars`.
 */
export function capHeadTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const { head, tail } = budget(text.length, maxChars);
  if (head === 0 && tail === 0) return text.slice(0, safeHeadEnd(text, maxChars));
  const headEnd = safeHeadEnd(text, head);
  const tailStart = safeTailStart(text, text.length - tail);
  return text.slice(0, headEnd) + marker(tailStart - headEnd) + text.slice(tailStart);
}

/**
 * Collects a stream of text in bounded memory and yields exactly what `capHeadTail` would give for the
 * whole text: the first half of the budget is kept as it arrives, the rest only as a rolling tail.
 */
export class HeadTailBuffer {
  private head = '';
  private tailChunks: string[] = [];
  private tailLength = 0;
  private total = 0;
  private readonly half: number;

  constructor(private readonly maxChars: number) {
    // Each side keeps at least what `budget` can ask for, and the head enough for the marker-less
    // hard cut that tiny limits get (a marker is under 64 characters).
    this.half = Math.ceil(maxChars / 2) + 64;
  }

  get length(): number {
    return this.total;
  }

  push(chunk: string): void {
    if (chunk === '') return;
    this.total += chunk.length;
    if (this.head.length < this.half) {
      const take = this.half - this.head.length;
      this.head += chunk.slice(0, take);
      chunk = chunk.slice(take);
      if (chunk === '') return;
    }
    this.tailChunks.push(chunk);
    this.tailLength += chunk.length;
    // Compact now and then, so memory stays near 2 × half however much arrives.
    if (this.tailLength > 2 * this.half) {
      const tail = this.tailChunks.join('').slice(-this.half);
      this.tailChunks = [tail];
      this.tailLength = tail.length;
    }
  }

  /** The capped text. */
  text(): string {
    const known = this.head + this.tailChunks.join('');
    if (known.length === this.total) return capHeadTail(known, this.maxChars); // nothing was dropped
    const { head, tail } = budget(this.total, this.maxChars);
    if (head === 0 && tail === 0) return known.slice(0, safeHeadEnd(known, this.maxChars));
    // `known` is the full text minus a middle stretch; both kept ends cover what the budget asks for.
    const headEnd = safeHeadEnd(known, head);
    const tailStart = safeTailStart(known, known.length - tail);
    const omitted = this.total - headEnd - (known.length - tailStart);
    return known.slice(0, headEnd) + marker(omitted) + known.slice(tailStart);
  }
}
