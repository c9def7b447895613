/**
 * Images the user sends with a message (the panel's paste/drop, `mcp-agent chat --image`, the HTTP API's image
 * parts): the types vision endpoints take, bounded in size and number, checked before anything is sent.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isImageMimeType } from '../../shared/images';
import type { ImagePart } from './types';

export const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };
export const MAX_USER_IMAGES = 8;
/** Bytes of one image (OpenAI takes up to 20 MB; most local servers much less). */
export const MAX_USER_IMAGE_BYTES = 5 * 1024 * 1024;

/** A user's image that cannot be sent; the message says what to do. */
export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

/** Checks type, size and count; `where` names the input in the message (a file name, `messages[2].content[1]`). */
export function checkImages(images: Array<ImagePart & { where?: string }>): ImagePart[] {
  if (images.length > MAX_USER_IMAGES) throw new ImageInputError(`at most ${MAX_USER_IMAGES} images go with one message, not ${images.length}`);
  return images.map((i, n) => {
    const where = i.where ?? `image ${n + 1}`;
    if (!isImageMimeType(i.mimeType)) throw new ImageInputError(`${where}: ${i.mimeType || 'an unknown type'} is not an image type models take; use PNG, JPEG, GIF or WebP`);
    if (!/^[A-Za-z0-9+/]+=*$/.test(i.data)) throw new ImageInputError(`${where}: the image data is not base64`);
    const bytes = Math.floor((i.data.length * 3) / 4);
    if (bytes > MAX_USER_IMAGE_BYTES) throw new ImageInputError(`${where}: ${(bytes / 1024 / 1024).toFixed(1)} MB is over the ${MAX_USER_IMAGE_BYTES / 1024 / 1024} MB limit for an image; scale it down`);
    return { mimeType: i.mimeType.toLowerCase(), data: i.data };
  });
}

/** `data:image/png;base64,...` as an image part (the HTTP API's and the webview's form). */
export function imageFromDataUrl(url: string, where: string): ImagePart & { where: string } {
  const m = /^data:([\w/+.-]+);base64,(.*)$/s.exec(url);
  if (!m) throw new ImageInputError(`${where}: only data: URLs with base64 image data are taken (data:image/png;base64,...), not a link to fetch`);
  return { mimeType: m[1].toLowerCase(), data: m[2].replace(/\s+/g, ''), where };
}

/** An image file (the CLI's `--image`), its type from the extension. */
export async function imageFromFile(file: string): Promise<ImagePart & { where: string }> {
  const mimeType = IMAGE_TYPES[path.extname(file).toLowerCase()];
  if (!mimeType) throw new ImageInputError(`${file}: not a PNG, JPEG, GIF or WebP file (by its extension)`);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new ImageInputError(`${file}: no such file`);
  }
  if (size > MAX_USER_IMAGE_BYTES) throw new ImageInputError(`${file}: ${(size / 1024 / 1024).toFixed(1)} MB is over the ${MAX_USER_IMAGE_BYTES / 1024 / 1024} MB limit for an image; scale it down`);
  return { mimeType, data: (await readFile(file)).toString('base64'), where: file };
}
