// Rebuild speed and ETA. The rate is an exponentially weighted moving average over time (not over
// samples), so a burst of quick batches and one slow batch weigh by the time they took.

/** Seconds over which an old rate sample loses ~63% of its weight: smooth, yet reacts within a chunk. */
export const RATE_TIME_CONSTANT_SEC = 10;

export interface RateState {
  /** Smoothed events per second; 0 until the first interval has been measured. */
  eventsPerSecond: number;
  /** Events processed when the rate was last updated. */
  processed: number;
  /** Milliseconds since the epoch of the last update. */
  atMs: number;
}

export function startRate(processed: number, atMs: number): RateState {
  return { eventsPerSecond: 0, processed, atMs };
}

/** Folds the progress made since `previous` into the moving average. */
export function updateRate(previous: RateState, processed: number, atMs: number): RateState {
  const elapsedSec = (atMs - previous.atMs) / 1000;
  if (elapsedSec <= 0) return { ...previous, processed };
  const instantRate = Math.max(0, processed - previous.processed) / elapsedSec;
  const weight =
    previous.eventsPerSecond === 0 ? 1 : 1 - Math.exp(-elapsedSec / RATE_TIME_CONSTANT_SEC);
  return {
    eventsPerSecond: previous.eventsPerSecond + weight * (instantRate - previous.eventsPerSecond),
    processed,
    atMs,
  };
}

/** Seconds left at the current rate, or null while the rate is unknown. */
export function estimateSecondsLeft(processed: number, total: number, eventsPerSecond: number): number | null {
  const remaining = Math.max(0, total - processed);
  if (remaining === 0) return 0;
  if (eventsPerSecond <= 0) return null;
  return remaining / eventsPerSecond;
}

/** Percent done with two decimals; exactly 100 only when everything is processed. */
export function percentDone(processed: number, total: number): number {
  if (total <= 0) return 100;
  if (processed >= total) return 100;
  return Math.min(99.99, Math.floor((processed / total) * 10_000) / 100);
}
