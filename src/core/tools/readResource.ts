/**
 * read_resource: reads an MCP resource a tool result linked to (`resource_link`), or any resource a connected server
 * offers. Read-only. Text comes back as text, pictures as images (which a vision model sees), other binary contents
 * as a note. A large result goes through the usual budget like any other tool's.
 */
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolResult, BuiltinTool } from './types';
import { textResult } from './types';

export interface ResourceReader {
  readResource(server: string, uri: string, opts?: { signal?: AbortSignal }): Promise<ReadResourceResult>;
  /** Names of the servers that are configured. */
  serverNames(): string[];
}

export function createReadResourceTool(reader: ResourceReader): BuiltinTool {
  return {
    spec: {
      name: 'read_resource',
      description:
        'Read an MCP resource: the uri of a resource link a tool returned (e.g. "[resource link: file:///logs/app.log …]"), or of a resource a server offers. Give the server that returned the link or offers the resource.',
      inputSchema: {
        type: 'object',
        properties: {
          server: { type: 'string', description: 'The MCP server, as named in the tool result (server="…") or the tool name before "__"' },
          uri: { type: 'string', description: 'The resource URI, exactly as given' },
        },
        required: ['server', 'uri'],
      },
      annotations: { title: 'Read an MCP resource', readOnlyHint: true, openWorldHint: false },
    },
    async run(args, ctx) {
      const server = typeof args.server === 'string' ? args.server.trim() : '';
      const uri = typeof args.uri === 'string' ? args.uri.trim() : '';
      if (!server || !uri) return textResult('Error: give both "server" and "uri".', true);
      const names = reader.serverNames();
      if (!names.includes(server)) return textResult(`Error: there is no MCP server "${server}"; the servers are: ${names.join(', ') || 'none'}.`, true);
      let read: ReadResourceResult;
      try {
        read = await reader.readResource(server, uri, { signal: ctx.signal });
      } catch (err) {
        return textResult(`Error: ${server} could not read ${uri}: ${err instanceof Error ? err.message : String(err)}`, true);
      }
      return contentsResult(read);
    },
  };
}

function contentsResult(read: ReadResourceResult): ToolResult {
  const content: ToolResult['content'] = [];
  for (const c of read.contents) {
    const head = `[${c.uri}${c.mimeType ? ` (${c.mimeType})` : ''}]`;
    if ('text' in c && typeof c.text === 'string') content.push({ type: 'text', text: `${head}\n${c.text}` });
    else if ('blob' in c && typeof c.blob === 'string' && c.mimeType?.startsWith('image/')) content.push({ type: 'text', text: head }, { type: 'image', mimeType: c.mimeType, data: c.blob });
    else content.push({ type: 'text', text: `${head} binary, about ${Math.round(((('blob' in c && typeof c.blob === 'string' ? c.blob.length : 0)) * 3) / 4)} bytes; not readable as text` });
  }
  if (content.length === 0) content.push({ type: 'text', text: '(the resource is empty)' });
  return { content };
}
