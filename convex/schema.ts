import { defineSchema, defineTable } from "convex/server";
import { reprojectTables, vRebuildNotification } from "reproject/server";
import { registry } from "./projections";

export default defineSchema({
  ...reprojectTables(registry),
  /** What Reproject told the app about its rebuilds (convex/rebuildNotifications.ts). */
  rebuildNotifications: defineTable(vRebuildNotification.fields).index("by_rebuild", ["rebuildId"]),
});
