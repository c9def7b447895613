/**
 * Resources and prompts as chat input: resource contents become text for the model (text inline between
 * delimiters naming the URI, binary summarized), and a prompt's messages become the conversation's messages.
 */
import type { ContentBlock, GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { base64Bytes } from './sampling';
import { neutralizeEnvelopeTags } from '../util/untrusted';

type ResourceContents = ReadResourceResult['contents'][number];

export interface ResourceContextOptions {
  /** Cap on the text of all contents together (the rest is cut with a note). Default 32,000 characters. */
  maxChars?: number;
  /** The server it came from, named in the delimiter. */
  server?: string;
}

/**
 * Contents of a read resource (or an embedded one) as text for the model. Text contents (and blobs with a
 * textual MIME type that decode as UTF-8) are inlined between `<resource uri=...>` delimiters; other blobs
 * (images included: the model service here takes text) are summarized by URI, MIME type and size.
 */
export function resourceToContext(contents: ResourceContents[], opts: ResourceContextOptions = {}): string {
  let budget = opts.maxChars ?? 32_000;
  const from = opts.server ? ` server="${attr(opts.server)}"` : '';
  const parts: string[] = [];
  for (const c of contents) {
    const mime = c.mimeType ? ` mimeType="${attr(c.mimeType)}"` : '';
    const inline = 'text' in c && typeof c.text === 'string' ? c.text : 'blob' in c && typeof c.blob === 'string' && isTextual(c.mimeType) ? decodeText(c.blob) : undefined;
    if (inline !== undefined) {
      // The delimiter stays unambiguous: any spelling of an envelope tag inside the text is defused.
      let text = neutralizeEnvelopeTags(inline);
      if (text.length > budget) text = `${text.slice(0, Math.max(0, budget))}\n[… ${inline.length - Math.max(0, budget)} more characters not included]`;
      budget -= Math.min(inline.length, Math.max(0, budget));
      parts.push(`<resource uri="${attr(c.uri)}"${from}${mime}>\n${text}\n</resource>`);
    } else if ('blob' in c && typeof c.blob === 'string') {
      const kind = c.mimeType?.startsWith('image/') ? 'image' : 'binary';
      parts.push(`<resource uri="${attr(c.uri)}"${from}${mime} size="${base64Bytes(c.blob)}">[${kind} content, ${formatBytes(base64Bytes(c.blob))}, not included as text]</resource>`);
    }
  }
  return parts.join('\n');
}

/** A message for the conversation (the shape `Agent.chat({ messages })` takes). */
export interface PromptChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * A prompt's messages as chat messages: content blocks of one message joined, consecutive messages of the
 * same role merged, embedded resources through `resourceToContext`, images and audio as a note. The result
 * always ends with a user message (a prompt that ends with the assistant gets a short "Continue." turn), so
 * it can be sent as is.
 */
export function promptToChat(result: Pick<GetPromptResult, 'messages'>, opts: ResourceContextOptions = {}): PromptChatMessage[] {
  const out: PromptChatMessage[] = [];
  for (const m of result.messages) {
    const text = blockText(m.content, opts);
    const last = out[out.length - 1];
    if (last && last.role === m.role) last.content = `${last.content}\n\n${text}`;
    else out.push({ role: m.role, content: text });
  }
  if (out.length === 0 || out[out.length - 1].role !== 'user') out.push({ role: 'user', content: 'Continue.' });
  return out;
}

/** One content block (tool results, prompt messages) as text for the model. */
export function blockText(b: ContentBlock, opts: ResourceContextOptions = {}): string {
  switch (b.type) {
    case 'text':
      return b.text;
    case 'image':
    case 'audio':
      return `[${b.type} ${b.mimeType}, ${formatBytes(base64Bytes(b.data))}, not included: the model service here takes text only]`;
    case 'resource':
      return resourceToContext([b.resource], opts);
    case 'resource_link':
      return `[resource link: ${b.uri}${b.name ? ` (${b.name})` : ''}]`;
    default:
      return '';
  }
}

/** A blob's text when its MIME type is textual (e.g. `text/plain`, JSON) and it decodes as UTF-8. */
export function blobText(c: { blob: string; mimeType?: string }): string | undefined {
  return isTextual(c.mimeType) ? decodeText(c.blob) : undefined;
}

/** Blobs that are text in disguise (e.g. `text/plain`, JSON) are inlined like text. */
function isTextual(mime: string | undefined): boolean {
  return !!mime && (/^text\//.test(mime) || /[/+](json|xml|yaml|x-yaml|javascript|typescript|csv|markdown)$/.test(mime));
}

function decodeText(blob: string): string | undefined {
  const text = Buffer.from(blob, 'base64').toString('utf8');
  return text.includes('\uFFFD') ? undefined : text;
}

/** A value for a delimiter attribute: quotes and angle brackets escaped. */
export function attr(s: string): string {
  return s.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] ?? c);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
