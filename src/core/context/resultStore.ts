/**
 * Whole tool results, kept when the model is sent only part of one (a result larger than its share of the window,
 * or an older result stubbed to make room). The handle is a hash of the call and its text, so the same result
 * always gets the same handle (and the request prefix stays the same). Kept in the runtime's cache: memory and the
 * file tier (or Redis), 30 days, so another CLI process continuing the conversation can read them too.
 */
import { createHash } from 'node:crypto';
import type { Cache } from '../cache';

const TTL_SECONDS = 30 * 24 * 3600;

export class ResultStore {
  constructor(private readonly cache: Cache) {}

  static handle(callId: string, text: string): string {
    return `r_${createHash('sha256').update(callId).update('\0').update(text).digest('hex').slice(0, 12)}`;
  }

  /** Keeps `text` and returns its handle at once (the memory tier is written before this returns). */
  put(callId: string, text: string): string {
    const id = ResultStore.handle(callId, text);
    void this.cache.set(key(id), text, { ttlSeconds: TTL_SECONDS }).catch(() => undefined);
    return id;
  }

  get(id: string): Promise<string | undefined> {
    return this.cache.get<string>(key(id));
  }
}

const key = (id: string) => `result:${id}`;
