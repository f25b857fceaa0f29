// What the app's archiver and archive maintenance must keep for rebuilds that can still go on: the
// events after their pinned high-water marks, and the snapshots they read.
import { v } from "convex/values";
import { query } from "./_generated/server.js";
import { vPinnedSnapshots, type PinnedSnapshots } from "./validators.ts";

/**
 * Rebuild states whose pinned snapshot must survive: running and paused rebuilds read it, and a
 * failed one keeps its generation to be resumed from its checkpoint, on the same snapshot.
 */
const PINNING_STATES = ["running", "paused", "failed"] as const;

export const pinnedSnapshots = query({
  args: {},
  returns: vPinnedSnapshots,
  handler: async (ctx): Promise<PinnedSnapshots> => {
    const rebuilds: PinnedSnapshots["rebuilds"] = [];
    for (const state of PINNING_STATES) {
      for (const rebuild of await ctx.db.query("rebuilds").withIndex("by_state", (q) => q.eq("state", state)).collect()) {
        rebuilds.push({ rebuildId: rebuild._id, projection: rebuild.projection, state, phase: rebuild.phase, snapshotId: rebuild.archive.snapshotId ?? null });
      }
    }
    return {
      snapshotIds: [...new Set(rebuilds.flatMap((rebuild) => (rebuild.snapshotId === null ? [] : [rebuild.snapshotId])))],
      // A failed rebuild that never planned plans again on resume, from whatever is current then.
      planning: rebuilds.filter((rebuild) => rebuild.phase === "planning" && rebuild.state !== "failed").map((rebuild) => rebuild.rebuildId),
      rebuilds,
    };
  },
});

/** The highest position the archiver may delete from the events table: 0 while a rebuild is still planning. */
export const oldestPinnedHighWaterMark = query({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    let oldest = Number.MAX_SAFE_INTEGER;
    for (const state of ["running", "paused"] as const) {
      for (const rebuild of await ctx.db.query("rebuilds").withIndex("by_state", (q) => q.eq("state", state)).collect()) {
        if (rebuild.phase === "planning" || rebuild.archiveHighWaterMark === undefined) return 0;
        oldest = Math.min(oldest, rebuild.archiveHighWaterMark);
      }
    }
    return oldest;
  },
});
