// How far a frozen projection's active generation is behind the event log: after a deploy changed its
// version, it holds the events up to `frozenAfter` and none of the later ones until the rebuild at the
// new version swaps in. Live projections apply appends inline, so they are never behind.
import type { GenericDatabaseReader } from "convex/server";

export interface Lag {
  /** Events appended after the last one the active generation holds. */
  events: number;
  /** When the first of them was appended (the deployment's clock): the panel shows the seconds since. */
  since: number | null;
}

export async function lagBehind(
  ctx: { db: GenericDatabaseReader<any> },
  frozenAfter: number,
  logPosition: number,
): Promise<Lag> {
  const firstMissing = await ctx.db
    .query("events")
    .withIndex("by_position", (q) => q.gt("position", frozenAfter))
    .first();
  return { events: Math.max(0, logPosition - frozenAfter), since: firstMissing?._creationTime ?? null };
}
