/**
 * A read resource as something a person can look at: text contents as text (with a file name whose extension lets an
 * editor pick the language), blobs as bytes with a file name whose extension matches their MIME type (so an image
 * opens in an image viewer). Used by the extension's "Open Server Resource…" and the CLI's `read --out`.
 */
import { createHash } from 'node:crypto';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';

export type ViewableContent =
  | { kind: 'text'; uri: string; mimeType?: string; fileName: string; text: string }
  | { kind: 'binary'; uri: string; mimeType?: string; fileName: string; bytes: Buffer };

/** Extensions for the MIME types servers commonly send, where the URI has none. */
const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/html': 'html',
  'text/css': 'css',
  'text/csv': 'csv',
  'text/xml': 'xml',
  'text/javascript': 'js',
  'text/x-python': 'py',
  'application/json': 'json',
  'application/xml': 'xml',
  'application/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'application/javascript': 'js',
  'application/typescript': 'ts',
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/gzip': 'gz',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'image/bmp': 'bmp',
  'image/x-icon': 'ico',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'video/mp4': 'mp4',
};

/** The contents of a read resource, each as text or bytes with a file name to show it under. */
export function viewableContents(contents: ReadResourceResult['contents']): ViewableContent[] {
  return contents.flatMap((c): ViewableContent[] => {
    const mime = c.mimeType ? { mimeType: c.mimeType } : {};
    if ('text' in c && typeof c.text === 'string') return [{ kind: 'text', uri: c.uri, ...mime, fileName: fileNameFor(c.uri, c.mimeType, 'txt'), text: c.text }];
    if ('blob' in c && typeof c.blob === 'string') return [{ kind: 'binary', uri: c.uri, ...mime, fileName: fileNameFor(c.uri, c.mimeType, 'bin'), bytes: Buffer.from(c.blob, 'base64') }];
    return [];
  });
}

/**
 * A safe file name for a resource: the last segment of its URI (only letters, digits, `.`, `-`, `_` kept), with an
 * extension from the MIME type when the segment has none (or has one that disagrees with an image/audio/video type).
 */
export function fileNameFor(uri: string, mimeType: string | undefined, fallbackExt: string): string {
  let last = '';
  try {
    const u = new URL(uri);
    last = decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() ?? u.hostname);
  } catch {
    last = uri.split(/[/\\]/).filter(Boolean).pop() ?? '';
  }
  let base = last.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '').slice(0, 80);
  if (!base) base = `resource-${createHash('sha256').update(uri).digest('hex').slice(0, 8)}`;
  const type = mimeType?.split(';')[0].trim().toLowerCase();
  const wanted = type ? EXTENSIONS[type] : undefined;
  const has = /\.([A-Za-z0-9]{1,8})$/.exec(base)?.[1]?.toLowerCase();
  const media = type !== undefined && /^(image|audio|video)\//.test(type);
  if (has && (!wanted || !media || has === wanted || (wanted === 'jpg' && has === 'jpeg'))) return base;
  return `${base}.${wanted ?? (media ? type.split('/')[1].replace(/\W/g, '') : fallbackExt)}`;
}
