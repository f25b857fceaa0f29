// Dead letters: events a rebuild with the dead-letter policy could not apply, kept with the reason.
import { v } from "convex/values";
import { doc } from "convex-helpers/validators";
import { mutation, query } from "./_generated/server.js";
import schema from "./schema.ts";
import { vDeadLetter } from "./validators.ts";

/** Stores a batch's dead letters, in the transaction that commits the batch. */
export const record = mutation({
  args: { rebuildId: v.string(), projection: v.string(), letters: v.array(vDeadLetter) },
  returns: v.null(),
  handler: async (ctx, { rebuildId, projection, letters }) => {
    const at = Date.now();
    for (const letter of letters) await ctx.db.insert("deadLetters", { rebuildId, projection, ...letter, at });
    return null;
  },
});

/** The rebuild's first `limit` dead letters, in the order they were recorded. */
export const list = query({
  args: { rebuildId: v.string(), limit: v.number() },
  returns: v.array(doc(schema, "deadLetters")),
  handler: async (ctx, { rebuildId, limit }) =>
    ctx.db
      .query("deadLetters")
      .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId))
      .take(limit),
});
