// The app's schema: its own tables beside the ones Reproject needs (events, the event log and a
// read-model table per projection).
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { reprojectTables } from "reproject/server";
import { registry } from "./events.ts";

export default defineSchema({
  ...reprojectTables(registry),
  orders: defineTable({ customer: v.string(), region: v.string() }),
});
