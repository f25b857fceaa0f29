import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { reprojectTables } from "reproject/server";
import { registry } from "./projections";

export default defineSchema({
  // Reproject's tables in the app: the event log and one read-model table per projection.
  ...reprojectTables(registry),
  // The app's own tables stay as they are.
  customers: defineTable({ name: v.string(), region: v.string() }).index("by_name", ["name"]),
  outbox: defineTable({ kind: v.string(), orderId: v.string(), carrier: v.string(), queuedAt: v.number() }),
});
