import { v } from "convex/values";

/** The registry's EventRecord, as it travels from a chunk action to its batch mutation. */
export const vEventRecord = v.object({
  globalPosition: v.number(),
  eventId: v.string(),
  eventType: v.string(),
  eventVersion: v.number(),
  occurredAtMs: v.number(),
  streamId: v.string(),
  attributes: v.record(v.string(), v.union(v.string(), v.null())),
  payload: v.string(),
});
