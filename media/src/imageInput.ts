/**
 * Pictures the user pastes, drops or picks: read in the webview, scaled down when large (a canvas, so the host gets
 * a few hundred KB rather than a 12-megapixel screenshot), and made into composer attachments.
 */
import { isImageMimeType } from '../../src/shared/images';
import type { ImageAttachment } from '../../src/shared/protocol';

/** Longest side sent; vision models scale larger pictures down themselves (OpenAI to 2048, then 768 tiles). */
const MAX_SIDE = 2048;
/** Pictures at most this large (bytes) and sides go as they are. */
const KEEP_BYTES = 1_500_000;

export function imageFiles(list: FileList | DataTransferItemList | null | undefined): File[] {
  const out: File[] = [];
  if (!list) return out;
  for (const entry of Array.from(list as ArrayLike<File | DataTransferItem>)) {
    const file = entry instanceof File ? entry : entry.kind === 'file' ? entry.getAsFile() : null;
    if (file && file.type.startsWith('image/')) out.push(file);
  }
  return out;
}

/** The file as an attachment; a type models do not take, or a picture that cannot be decoded, is an error. */
export async function toImageAttachment(file: File, index: number): Promise<ImageAttachment> {
  const name = file.name && file.name !== 'image.png' ? file.name : `image-${index + 1}.${(file.type.split('/')[1] || 'png').replace('jpeg', 'jpg')}`;
  const bitmap = await createImageBitmap(file).catch(() => undefined);
  if (!bitmap) throw new Error(`${name}: not a picture this view can read`);
  const large = Math.max(bitmap.width, bitmap.height) > MAX_SIDE;
  if (isImageMimeType(file.type) && !large && file.size <= KEEP_BYTES) {
    bitmap.close();
    return { kind: 'image', name, mimeType: file.type as ImageAttachment['mimeType'], data: await base64(file) };
  }
  // Scaled to fit MAX_SIDE; PNG keeps sharp screenshots sharp, JPEG keeps photos small.
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  let blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob || blob.size > KEEP_BYTES) blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  if (!blob) throw new Error(`${name}: could not be scaled down`);
  return { kind: 'image', name, mimeType: blob.type as ImageAttachment['mimeType'], data: await base64(blob) };
}

async function base64(blob: Blob): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    // readAsDataURL gives a string; anything else is a failed read.
    reader.onload = () => (typeof reader.result === 'string' ? resolve(reader.result) : reject(new Error('could not read the picture')));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the picture'));
    reader.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}
