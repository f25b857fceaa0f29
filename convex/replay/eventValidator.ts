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

/** A batch of EventRecords as columns (src/replay/event-columns.ts): what batch mutations take. */
export const vEventColumns = v.object({
  globalPositions: v.array(v.number()),
  eventIds: v.array(v.string()),
  eventTypes: v.array(v.string()),
  eventVersions: v.array(v.number()),
  occurredAtMs: v.array(v.number()),
  streamIds: v.array(v.string()),
  payloads: v.array(v.string()),
  attributes: v.record(v.string(), v.array(v.union(v.string(), v.null()))),
});
