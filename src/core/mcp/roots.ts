/** Roots (`roots/list`): the folders the client exposes to servers, as `file://` URIs with names. */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Root } from '@modelcontextprotocol/sdk/types.js';

/** One root per folder path (made absolute), named by its last segment; duplicates dropped. */
export function rootsFromPaths(folders: Array<string | { path: string; name?: string }>): Root[] {
  const seen = new Set<string>();
  const out: Root[] = [];
  for (const f of folders) {
    const p = path.resolve(typeof f === 'string' ? f : f.path);
    const uri = pathToFileURL(p).href;
    if (seen.has(uri)) continue;
    seen.add(uri);
    out.push({ uri, name: (typeof f === 'string' ? undefined : f.name) ?? (path.basename(p) || p) });
  }
  return out;
}
