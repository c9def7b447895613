/** Tool results as text: in full for people, capped head and tail for the model. */
import type { ToolResult } from '../tools/types';

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
