// The scan plan of each rebuild, stored once at trigger time and read by every chunk.
import { v } from "convex/values";
import { mutation, query, type QueryCtx } from "./_generated/server.js";

function planOf(ctx: QueryCtx, rebuildId: string) {
  return ctx.db
    .query("rebuildPlans")
    .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId))
    .unique();
}

/** Stores the rebuild's plan, replacing one a retried planning stored before. */
export const store = mutation({
  args: { rebuildId: v.string(), planJson: v.string() },
  returns: v.null(),
  handler: async (ctx, { rebuildId, planJson }) => {
    const existing = await planOf(ctx, rebuildId);
    if (existing) await ctx.db.delete(existing._id);
    await ctx.db.insert("rebuildPlans", { rebuildId, planJson });
    return null;
  },
});

/** The rebuild's plan as JSON, or null before it is planned. */
export const get = query({
  args: { rebuildId: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { rebuildId }) => (await planOf(ctx, rebuildId))?.planJson ?? null,
});
