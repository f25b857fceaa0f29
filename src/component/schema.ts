import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { vAuditEntry, vDeadLetter } from "./validators.ts";

export default defineSchema({
  /** The scan a rebuild planned at trigger time: pinned snapshot and slices (JSON, BigInt-safe). */
  rebuildPlans: defineTable({ rebuildId: v.string(), planJson: v.string() }).index("by_rebuild", ["rebuildId"]),

  /** Events a rebuild with the dead-letter policy could not apply, with the reason; the rebuild went on. */
  deadLetters: defineTable({
    rebuildId: v.string(),
    projection: v.string(),
    ...vDeadLetter.fields,
    at: v.number(),
  }).index("by_rebuild", ["rebuildId"]),

  /** Who did what to which projection or rebuild, and how it ended (refusals included). */
  auditLog: defineTable({ at: v.number(), ...vAuditEntry.fields }).index("by_at", ["at"]),
});
