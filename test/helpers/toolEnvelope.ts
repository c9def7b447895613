/**
 * Reads a tool message as the model received it: exactly one `<tool_result …>` envelope around the result, with no
 * closing tag left inside. Written apart from src/core/agent/results.ts so the tests check the format, not reuse it.
 */
import * as assert from 'node:assert/strict';

export interface Envelope {
  body: string;
  tool?: string;
  server?: string;
}

const ENVELOPE = /^<tool_result((?: [a-z]+="[^"]*")*)>\n([\s\S]*)\n<\/tool_result>$/;

export function openEnvelope(content: unknown): Envelope {
  assert.equal(typeof content, 'string', `a tool message's content is not a string: ${JSON.stringify(content)}`);
  const text = content as string;
  const m = ENVELOPE.exec(text);
  assert.ok(m, `not one <tool_result> envelope: ${text.slice(0, 200)}`);
  const body = m[2];
  assert.doesNotMatch(body, /<\s*\/?\s*tool_result/i, 'an envelope tag survived inside the result');
  // As a reader sees it: compatibility forms folded, zero-width and bidi characters unseen.
  assert.doesNotMatch(body.normalize('NFKC').replace(/\p{Cf}/gu, ''), /<\s*\/?\s*(tool_result|resource)/i, 'a disguised envelope tag survived inside the result');
  const attrs = Object.fromEntries([...m[1].matchAll(/ ([a-z]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
  return { body, tool: attrs.tool, server: attrs.server };
}

/** The tool messages of a request, each with its content taken out of its envelope. */
export function unwrapToolMessages<M extends { role: string; content?: unknown }>(msgs: M[] | undefined): M[] {
  return (msgs ?? []).filter((m) => m.role === 'tool').map((m) => ({ ...m, content: openEnvelope(m.content).body }));
}
