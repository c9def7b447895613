/**
 * Which pictures travel: the raster formats every model that takes images accepts and a browser shows without scripts
 * (never SVG). One rule for the core (what the model is sent), the host (what it posts to the webview) and the
 * webview (what it draws).
 */
export const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];

const TYPES: ReadonlySet<string> = new Set(IMAGE_MIME_TYPES);
const BASE64 = /^[A-Za-z0-9+/]+=*$/;

/** A MIME type (any case) of a picture that travels. */
export function isImageMimeType(mimeType: string | undefined): boolean {
  return mimeType !== undefined && TYPES.has(mimeType.toLowerCase());
}

/** A picture a webview may draw as a data: URL: a known type and plain base64 (nothing that could end the URL). */
export function isDrawableImage(image: { mimeType: string; data: string }): boolean {
  return isImageMimeType(image.mimeType) && image.data.length > 0 && BASE64.test(image.data);
}
