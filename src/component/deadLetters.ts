// Dead letters: events a rebuild with a dead-letter policy could not apply, kept with the reason.
import { v } from "convex/values";
import { doc } from "convex-helpers/validators";
import { query } from "./_generated/server.js";
import schema from "./schema.ts";

/** The rebuild's first `limit` dead letters after position `after` (a page), in position order. */
export const list = query({
  args: { rebuildId: v.string(), limit: v.number(), after: v.optional(v.number()) },
  returns: v.array(doc(schema, "deadLetters")),
  handler: async (ctx, { rebuildId, limit, after }) =>
    ctx.db
      .query("deadLetters")
      .withIndex("by_rebuild_position", (q) =>
        after === undefined ? q.eq("rebuildId", rebuildId) : q.eq("rebuildId", rebuildId).gt("position", after),
      )
      .take(limit),
});
