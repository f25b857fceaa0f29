import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { readModelTables } from "./readModelTables";
import { eventFields } from "./replay/eventValidator";

export default defineSchema({
  /** Recent events, continuing the archive's global positions; older ones move to the archive. */
  events: defineTable({ position: v.number(), ...eventFields })
    .index("by_position", ["position"])
    .index("by_event_id", ["eventId"]),

  /** One document: the last position handed out, and how far the archive holds the log. */
  eventLog: defineTable({ lastPosition: v.number(), archivedThrough: v.number() }),

  ...readModelTables,
});
