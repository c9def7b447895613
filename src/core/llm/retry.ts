/**
 * When and how long to wait before retrying a request. We retry ourselves (the SDK's own retries are turned off)
 * because its waits cannot be cancelled and have no upper bound on what `Retry-After` asks for.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from 'openai';
import { setTimeout as delay } from 'node:timers/promises';
import { asApiError, causeCode, cancelledError, isBrokenConnection } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff step; doubles per retry, with up to 25 % jitter taken off. */
  baseDelayMs: number;
  /** Longest wait we accept; a server asking for more is not retried. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; retryAfterMs?: number };

/** `retry` with the wait, or not (out of retries, not retryable, or the server wants a longer wait than the cap). */
export function retryDecision(err: unknown, attempt: number, policy: RetryPolicy): RetryDecision {
  if (!isRetryable(err) || attempt >= policy.maxRetries) return { retry: false };
  const asked = retryAfterMs(asApiError(err)?.headers);
  if (asked !== undefined) {
    if (asked > policy.maxDelayMs) return { retry: false, retryAfterMs: asked };
    return { retry: true, delayMs: Math.max(0, asked) };
  }
  const backoff = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return { retry: true, delayMs: backoff * (1 - Math.random() * 0.25) };
}

function isRetryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  if (err instanceof APIConnectionTimeoutError) return true;
  if (err instanceof APIConnectionError) {
    // Nothing listens there, or the name does not resolve: waiting will not fix that, so report it at once.
    const code = causeCode(err);
    return !(code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH');
  }
  const apiErr = asApiError(err);
  if (apiErr) {
    const status = apiErr.status;
    if (status === undefined) return false; // an error event inside a stream
    if (status === 429) return apiErr.code !== 'insufficient_quota';
    return status === 408 || status === 409 || status >= 500;
  }
  return isBrokenConnection(err);
}

/** `retry-after-ms` (OpenAI's own) or `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Waits, or throws a cancelled LlmError as soon as the signal fires. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw cancelledError();
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw cancelledError();
  }
}
