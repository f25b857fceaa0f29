// Dead letters: events a rebuild with the dead-letter policy could not apply, kept with the reason.
import { v } from "convex/values";
import { doc } from "convex-helpers/validators";
import { query } from "./_generated/server.js";
import schema from "./schema.ts";

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
