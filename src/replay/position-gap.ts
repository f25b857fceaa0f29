// The live events table hands out contiguous positions (each append takes the next one), so a
// rebuild's tail that finds one missing would replay an incomplete log: it must not swap.

/** Positions `from` to `to` (inclusive) that should be in the table and are not. */
export interface PositionGap {
  from: number;
  to: number;
}

/**
 * The first gap in `events`, read in position order after `after`: each must be the next position,
 * and when `through` (the log's last position) is given, they must reach it.
 */
export function positionGap(
  after: number,
  events: readonly { globalPosition: number }[],
  through?: number,
): PositionGap | null {
  let expected = after + 1;
  for (const event of events) {
    if (event.globalPosition !== expected) return { from: expected, to: event.globalPosition - 1 };
    expected++;
  }
  return through !== undefined && expected <= through ? { from: expected, to: through } : null;
}

export function describePositionGap(gap: PositionGap, after: number): string {
  return (
    `positions ${gap.from}–${gap.to} are missing from the events table: the tail after position ${after} ` +
    "cannot be replayed, so this rebuild's read model would be incomplete and it was not swapped in. " +
    "Trigger a new rebuild: it plans on the archive's current snapshot."
  );
}
