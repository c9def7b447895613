/** Tool results as text: in full for people, capped head and tail for the model. */
import type { ToolResult } from '../tools/types';
import { neutralizeEnvelopeTags } from '../util/untrusted';

/** Everything the result says, as text; binary content is described, not inlined. */
export function resultText(result: ToolResult): string {
  const parts: string[] = [];
  for (const c of result.content ?? []) {
    switch (c.type) {
      case 'text':
        parts.push(c.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${c.type}: ${c.mimeType}, about ${Math.round((c.data.length * 3) / 4)} bytes]`);
        break;
      case 'resource':
        parts.push('text' in c.resource ? c.resource.text : `[binary resource ${c.resource.uri}${c.resource.mimeType ? `, ${c.resource.mimeType}` : ''}]`);
        break;
      case 'resource_link':
        parts.push(`[resource ${c.uri}${c.description ? `: ${c.description}` : ''}]`);
        break;
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  if (parts.length === 0) parts.push(result.isError ? 'Error (no details given)' : '(no output)');
  return parts.join('\n');
}

/** What the model is sent: the same text, capped to `maxChars` keeping the start and the end. */
export function resultForModel(result: ToolResult, maxChars: number, cap: (text: string, max: number) => string): string {
  return cap(resultText(result), maxChars);
}

/**
 * The envelope a tool result reaches the model in: `<tool_result tool="…" server="…">` … `</tool_result>`, so the
 * model can tell data from instructions. Anything in the content that could open or close an envelope
 * (`<tool_result`, `</tool_result`, `<resource`, in any case and spacing, full-width or with zero-width or bidi
 * characters inside) has its `<` escaped as `&lt;`, so a hostile result
 * cannot end its envelope early and speak as someone else. The system prompt tells the model what this means.
 */
export function toolResultEnvelope(content: string, attrs: { tool?: string; server?: string }): string {
  let open = '<tool_result';
  if (attrs.tool) open += ` tool="${escapeAttr(attrs.tool)}"`;
  if (attrs.server) open += ` server="${escapeAttr(attrs.server)}"`;
  return `${open}>\n${neutralizeDelimiters(content)}\n</tool_result>`;
}

/**
 * `content` with every `<` that would start an envelope tag written as `&lt;`, the tag recognized after NFKC and
 * with zero-width and bidi characters ignored (`<\u200b/tool_result>`, `＜/tool_result>` are tags to a reader).
 */
export function neutralizeDelimiters(content: string): string {
  // Every request of a turn sends the same results again: keep the latest few, by content.
  const hit = recent.get(content);
  if (hit !== undefined) return hit;
  const out = neutralizeEnvelopeTags(content);
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
  recent.set(content, out);
  return out;
}

const RECENT_MAX = 64;
const recent = new Map<string, string>();

function escapeAttr(value: string): string {
  return value.replace(/[&"<>\n\r]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;', '\n': ' ', '\r': ' ' })[c] ?? c);
}
