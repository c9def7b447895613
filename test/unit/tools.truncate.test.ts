import assert from 'node:assert/strict';
import { capHeadTail, HeadTailBuffer } from '../../src/core/tools/truncate';

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('capHeadTail', () => {
  it('returns text that fits unchanged', () => {
    assert.equal(capHeadTail('hello', 5), 'hello');
    assert.equal(capHeadTail('', 0), '');
  });

  it('keeps the start and the end, says how much was left out, and stays within the limit', () => {
    const text = 'HEAD-' + 'x'.repeat(10_000) + '-TAIL';
    const capped = capHeadTail(text, 200);
    assert.ok(capped.length <= 200, String(capped.length));
    assert.ok(capped.startsWith('HEAD-x'));
    assert.ok(capped.endsWith('x-TAIL'));
    const m = /\.\.\. (\d+) characters omitted \.\.\./.exec(capped);
    assert.ok(m, capped);
    // What is kept plus what is said to be omitted is the whole text.
    const kept = capped.length - m[0].length - 4; // the marker sits between two blank lines
    assert.equal(kept + Number(m[1]), text.length);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(1000);
    for (const max of [100, 101, 102, 103]) {
      const capped = capHeadTail(text, max);
      assert.ok(capped.length <= max);
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(capped), `lone surrogate at max=${max}`);
    }
  });

  it('cuts hard when the limit is smaller than the marker', () => {
    assert.equal(capHeadTail('abcdefghijklmnopqrstuvwxyz'.repeat(4), 10), 'abcdefghij');
  });
});

describe('HeadTailBuffer', () => {
  it('gives exactly what capHeadTail gives for the whole text, however it arrives', () => {
    const random = rng(42);
    for (let round = 0; round < 300; round++) {
      const max = Math.floor(random() * 300);
      const chunks: string[] = [];
      const count = Math.floor(random() * 40);
      for (let i = 0; i < count; i++) {
        const len = Math.floor(random() * (random() < 0.1 ? 2000 : 50));
        chunks.push(Array.from({ length: len }, (_, j) => String.fromCharCode(97 + ((round + i + j) % 26))).join(''));
      }
      const buffer = new HeadTailBuffer(max);
      for (const c of chunks) buffer.push(c);
      const whole = chunks.join('');
      assert.equal(buffer.length, whole.length);
      assert.equal(buffer.text(), capHeadTail(whole, max), `round ${round}, max ${max}, length ${whole.length}`);
    }
  });

  it('holds a bounded amount however much is pushed', () => {
    const buffer = new HeadTailBuffer(1000);
    const chunk = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) buffer.push(chunk); // 13 MB in total
    // Private state is inspected on purpose: the point is what stays referenced.
    const state = buffer as unknown as { head: string; tailChunks: string[] };
    const held = state.head.length + state.tailChunks.reduce((n, c) => n + c.length, 0);
    assert.ok(held < 4096, `holds ${held} characters`);
    const text = buffer.text();
    const m = /\.\.\. (\d+) characters omitted \.\.\./.exec(text);
    assert.ok(m, text);
    assert.equal(text.length - m[0].length - 4 + Number(m[1]), 200 * chunk.length);
  });
});
