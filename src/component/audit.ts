// The audit log: every trigger, control, automatic rebuild and maintenance run, with its outcome.
import { v } from "convex/values";
import { doc } from "convex-helpers/validators";
import { mutation, query } from "./_generated/server.js";
import schema from "./schema.ts";
import { vAuditEntry } from "./validators.ts";

export const record = mutation({
  args: vAuditEntry.fields,
  returns: v.null(),
  handler: async (ctx, entry) => {
    await ctx.db.insert("auditLog", { at: Date.now(), ...entry });
    return null;
  },
});

/** The latest `limit` entries, newest first. */
export const list = query({
  args: { limit: v.number() },
  returns: v.array(doc(schema, "auditLog")),
  handler: async (ctx, { limit }) =>
    ctx.db
      .query("auditLog")
      .withIndex("by_at")
      .order("desc")
      .take(limit),
});
