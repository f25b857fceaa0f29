// The app's scheduled archive maintenance run last started (its `_scheduled_functions` id), so
// that the app tells whether one is in flight by reading that one job, not the deployment's
// scheduled functions.
import { v } from "convex/values";
import { mutation, query } from "./_generated/server.js";

export const latest = query({
  args: {},
  returns: v.union(v.null(), v.object({ jobId: v.string(), startedAt: v.number() })),
  handler: async (ctx) => {
    const run = await ctx.db.query("maintenanceRuns").order("desc").first();
    return run ? { jobId: run.jobId, startedAt: run.startedAt } : null;
  },
});

/** Remembers the run just scheduled in place of the one before (one document). */
export const started = mutation({
  args: { jobId: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    const previous = await ctx.db.query("maintenanceRuns").first();
    if (previous) await ctx.db.patch(previous._id, { jobId, startedAt: Date.now() });
    else await ctx.db.insert("maintenanceRuns", { jobId, startedAt: Date.now() });
    return null;
  },
});
