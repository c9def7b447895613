/** Restart with exponential backoff after a crash; a connection that stays up long enough resets the count. */
import type { RestartPolicy } from './agentTypes';

export const DEFAULT_RESTART: RestartPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 };

export class Backoff {
  readonly policy: RestartPolicy;
  failuresInRow = 0;
  private restartTimer?: NodeJS.Timeout;
  private stableTimer?: NodeJS.Timeout;

  constructor(policy?: Partial<RestartPolicy>) {
    this.policy = { ...DEFAULT_RESTART, ...policy };
  }

  get pending(): boolean {
    return this.restartTimer !== undefined;
  }

  /** Schedules `fire`; returns the delay, or undefined when the retries are used up. */
  schedule(fire: () => void): number | undefined {
    const p = this.policy;
    if (this.failuresInRow >= p.maxRetries) return undefined;
    const delay = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** this.failuresInRow);
    this.failuresInRow++;
    this.restartTimer = setTimeout(fire, delay);
    this.restartTimer.unref();
    return delay;
  }

  armStable(): void {
    this.clearStable();
    this.stableTimer = setTimeout(() => (this.failuresInRow = 0), this.policy.stableAfterMs);
    this.stableTimer.unref();
  }

  clearStable(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
  }

  clearRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}
