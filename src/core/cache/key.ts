import { createHash } from 'node:crypto';

/**
 * A fixed-length key from any number of parts: sha256 over the JSON of the parts, so `('a,b')` and `('a', 'b')` differ
 * and arbitrary text (prompts, paths) becomes a safe, bounded string. Parts must be JSON-serializable.
 */
export function cacheKey(...parts: unknown[]): string {
  const json = JSON.stringify(parts);
  return createHash('sha256').update(json).digest('hex');
}

/** sha256 hex of one key: the file tier's file name. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
