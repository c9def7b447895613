/** Small statistics and timing helpers shared by the scenarios. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export const p50 = (samples: readonly number[]): number => percentile(samples, 50);

/** Milliseconds from a high-resolution clock. */
export function nowMs(): number {
  return performance.now();
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs the contenders `rounds` times, interleaved: every round runs each contender once, and the order rotates
 * from round to round, so background load from other processes on the machine falls on all of them alike.
 * Returns each contender's samples (milliseconds), in contender order.
 */
export async function interleaved(rounds: number, contenders: ReadonlyArray<(round: number) => Promise<number>>): Promise<number[][]> {
  const out = contenders.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (r + k) % contenders.length;
      out[i].push(await contenders[i](r));
    }
  }
  return out;
}

export function ratio(ours: number, reference: number): number {
  return reference > 0 ? ours / reference : Number.NaN;
}

/** Rounds for the JSON: 3 significant decimals for ratios, enough to compare runs, not noise. */
export function round(value: number | null, digits = 3): number | null {
  if (value === null || !Number.isFinite(value)) return value === null ? null : value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Median over rounds of ours[r] / reference[r]. The two samples of a round ran back to back, so a burst of load from
 * other processes lands on both; the median of these paired ratios drifts far less than p50(ours) / p50(reference).
 */
export function pairedRatio(ours: readonly number[], reference: readonly number[]): number {
  const n = Math.min(ours.length, reference.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) if (reference[i] > 0) ratios.push(ours[i] / reference[i]);
  return p50(ratios);
}
