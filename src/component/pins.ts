// What the app's archiver and archive maintenance must keep for rebuilds that can still go on: the
// events table's rows they will read (after their pinned high-water marks or tail cursors), and the
// snapshots they read.
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
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
      for (const rebuild of await ctx.db
        .query("rebuilds")
        .withIndex("by_state", (q) => q.eq("state", state))
        .collect()) {
        rebuilds.push({
          rebuildId: rebuild._id,
          projection: rebuild.projection,
          state,
          phase: rebuild.phase,
          snapshotId: rebuild.archive.snapshotId ?? null,
        });
      }
    }
    return {
      snapshotIds: [
        ...new Set(rebuilds.flatMap((rebuild) => (rebuild.snapshotId === null ? [] : [rebuild.snapshotId]))),
      ],
      // A failed rebuild that never planned plans again on resume, from whatever is current then.
      planning: rebuilds
        .filter((rebuild) => rebuild.phase === "planning" && rebuild.state !== "failed")
        .map((rebuild) => rebuild.rebuildId),
      rebuilds,
    };
  },
});

/**
 * The highest position the archiver may delete from the events table: below what every rebuild that
 * can still continue will read from it. 0 while one is planning (it is about to pin a snapshot).
 */
export const deletableThrough = query({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    let through = Number.MAX_SAFE_INTEGER;
    for (const state of PINNING_STATES) {
      for (const rebuild of await ctx.db
        .query("rebuilds")
        .withIndex("by_state", (q) => q.eq("state", state))
        .collect()) {
        const readsAfter = tableReadsAfter(rebuild);
        if (readsAfter !== null) through = Math.min(through, readsAfter);
      }
    }
    return through;
  },
});

/** The position after which the rebuild reads the events table when it goes on; null when it reads none of it. */
function tableReadsAfter(rebuild: Doc<"rebuilds">): number | null {
  switch (rebuild.phase) {
    case "planning":
      // A failed one plans again on resume, from what the archive holds then; any other may pin now.
      return rebuild.state === "failed" ? null : 0;
    case "archive":
      return rebuild.archiveHighWaterMark ?? 0;
    case "tail":
      return rebuild.cursor ?? rebuild.archiveHighWaterMark ?? 0;
    // Diffing and finishing read no events: live appends keep a verify shadow current.
    case "diffing":
    case "finishing":
      return null;
  }
}
