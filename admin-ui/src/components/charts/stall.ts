// A running rebuild whose samples show no progress for longer than STALL_AFTER_MS is stalled: no batch
// committed (a chunk stuck, retrying or never started). Between the watchdog's rounds it is decided in
// the browser, from the samples' timestamps and the browser's clock, since queries have no clock.
export const STALL_AFTER_MS = 60_000;

export interface Sample {
  at: number;
  processed: number;
  eventsPerSecond: number;
}

/** When the rebuild last made progress: the first sample at the latest count (the latest sample follows each batch). */
export function lastProgressAt(samples: readonly Sample[]): number | null {
  const latest = samples.at(-1);
  if (!latest) return null;
  return samples.find((sample) => sample.processed === latest.processed)!.at;
}

/**
 * Since when a running rebuild has made no progress, or null when it is not stalled: the engine's
 * watchdog's verdict (`stalled`, `stall.lastProgressAt`) when it has one, else the samples'.
 */
export function stalledSince(
  samples: readonly Sample[],
  {
    state,
    startedAt,
    stalled,
    stall,
  }: { state: string; startedAt: number; stalled?: boolean; stall?: { lastProgressAt: number } | null },
  now: number,
): number | null {
  if (state !== "running") return null;
  if (stalled && stall) return stall.lastProgressAt;
  const since = lastProgressAt(samples) ?? startedAt;
  return now - since > STALL_AFTER_MS ? since : null;
}
