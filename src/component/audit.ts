// The audit log: every trigger, control, automatic rebuild and maintenance run, with its outcome.
import { doc } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";
import { mutation, query, type MutationCtx } from "./_generated/server.js";
import schema from "./schema.ts";
import { vAuditEntry } from "./validators.ts";

export async function recordAudit(ctx: MutationCtx, entry: Infer<typeof vAuditEntry>): Promise<void> {
  await ctx.db.insert("auditLog", { at: Date.now(), ...entry });
}

export const record = mutation({
  args: vAuditEntry.fields,
  returns: v.null(),
  handler: async (ctx, entry) => {
    await recordAudit(ctx, entry);
    return null;
  },
});

/** The latest `limit` entries, newest first. */
export const list = query({
  args: { limit: v.number() },
  returns: v.array(doc(schema, "auditLog")),
  handler: async (ctx, { limit }) => ctx.db.query("auditLog").withIndex("by_at").order("desc").take(limit),
});
