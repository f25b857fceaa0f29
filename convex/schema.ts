import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  /** Results of `selfCheck:start`: proves a deployment runs Node actions through the replay pool. */
  selfChecks: defineTable({
    startedAt: v.number(),
    finishedAt: v.optional(v.number()),
    outcome: v.union(v.literal("pending"), v.literal("success"), v.literal("failed"), v.literal("canceled")),
    nodeVersion: v.optional(v.string()),
    error: v.optional(v.string()),
  }),
});
