/**
 * Tool results as text and pictures: in full for people; for the model, what is meant for it (MCP's `audience`),
 * its structured content beside the text, images as pictures for models that see them, capped head and tail.
 */
import { isImageMimeType } from '../../shared/images';
import type { ImagePart } from '../llm/types';
import type { ToolResult } from '../tools/types';
import { neutralizeEnvelopeTags } from '../util/untrusted';

type Content = NonNullable<ToolResult['content']>[number];

/** Images a model is given from one result: at most this many, each at most this many base64 characters. */
export const MAX_RESULT_IMAGES = 4;
export const MAX_IMAGE_BASE64 = 1_500_000;
/** What vision endpoints take (OpenAI, and the open-weight servers that follow it). */

/**
 * Everything the result says, as text; binary content is described, not inlined. `for: 'model'` leaves out content
 * whose `audience` does not include the assistant (meant for the user only), adds `structuredContent` when the text
 * does not already say it, and notes which images go along as pictures.
 */
export function resultText(result: ToolResult, view: { for?: 'user' | 'model'; images?: boolean } = {}): string {
  const forModel = view.for === 'model';
  const parts: string[] = [];
  let attached = 0;
  for (const c of result.content ?? []) {
    if (forModel && !forAssistant(c)) continue;
    switch (c.type) {
      case 'text':
        parts.push(c.text);
        break;
      case 'image':
      case 'audio': {
        const sent = forModel && view.images && pictureOf(c) !== undefined && attached < MAX_RESULT_IMAGES;
        if (sent) attached++;
        parts.push(`[${c.type}: ${c.mimeType}, about ${Math.round((c.data.length * 3) / 4)} bytes${sent ? `; attached as image ${attached}` : ''}]`);
        break;
      }
      case 'resource': {
        if ('text' in c.resource) {
          parts.push(c.resource.text);
          break;
        }
        // An embedded picture goes as a picture, like an image content.
        const picture = pictureOf(c);
        const sent = forModel && view.images && picture !== undefined && attached < MAX_RESULT_IMAGES;
        if (sent) attached++;
        parts.push(`[binary resource ${c.resource.uri}${c.resource.mimeType ? `, ${c.resource.mimeType}` : ''}${sent ? `; attached as image ${attached}` : ''}]`);
        break;
      }
      case 'resource_link':
        // The model can follow it with read_resource (tools/readResource.ts).
        parts.push(`[resource link: ${c.uri}${c.name ? ` (${c.name})` : ''}${c.mimeType ? `, ${c.mimeType}` : ''}${c.description ? `: ${c.description}` : ''}]`);
        break;
    }
  }
  if (result.structuredContent !== undefined && (parts.length === 0 || (forModel && !saysTheSame(parts.join('\n'), result.structuredContent)))) {
    parts.push(parts.length === 0 ? JSON.stringify(result.structuredContent) : `[structured content] ${JSON.stringify(result.structuredContent)}`);
  }
  if (parts.length === 0) parts.push(result.isError ? 'Error (no details given)' : '(no output)');
  return parts.join('\n');
}

/** The pictures of a result that go to a vision model (the ones resultText notes as attached), in order. */
export function resultImages(result: ToolResult): ImagePart[] {
  const out: ImagePart[] = [];
  for (const c of result.content ?? []) {
    if (out.length >= MAX_RESULT_IMAGES) break;
    const picture = forAssistant(c) ? pictureOf(c) : undefined;
    if (picture) out.push(picture);
  }
  return out;
}

/** A content's picture, when it is one a vision model takes: an image, or an embedded resource's image blob. */
function pictureOf(c: Content): ImagePart | undefined {
  if (c.type === 'image') return sendable(c.mimeType, c.data) ? { mimeType: c.mimeType, data: c.data } : undefined;
  if (c.type === 'resource' && 'blob' in c.resource && typeof c.resource.blob === 'string' && c.resource.mimeType && sendable(c.resource.mimeType, c.resource.blob)) {
    return { mimeType: c.resource.mimeType, data: c.resource.blob };
  }
  return undefined;
}

function sendable(mimeType: string, data: string): boolean {
  return isImageMimeType(mimeType) && data.length > 0 && data.length <= MAX_IMAGE_BASE64;
}

function forAssistant(c: Content): boolean {
  const audience = (c as { annotations?: { audience?: string[] } }).annotations?.audience;
  return !Array.isArray(audience) || audience.length === 0 || audience.includes('assistant');
}

/** Whether the text is the structured content already (a built-in's JSON, or a server that repeats it). */
function saysTheSame(text: string, structured: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(structured);
  } catch {
    return false;
  }
}

/** What the model is sent: the same text, capped to `maxChars` keeping the start and the end. */
export function resultForModel(result: ToolResult, maxChars: number, cap: (text: string, max: number) => string, images = false): string {
  return cap(resultText(result, { for: 'model', images }), maxChars);
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
