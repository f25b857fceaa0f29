import { v } from "convex/values";

/** An attribute's value (of the type the app's event envelope declares); null where an event has none. */
const vAttributeValue = v.union(v.string(), v.number(), v.boolean(), v.null());

/** What an event is besides its position: the registry's EventRecord and the `events` table share it. */
export const eventFields = {
  eventId: v.string(),
  eventType: v.string(),
  eventVersion: v.number(),
  occurredAtMs: v.number(),
  streamId: v.string(),
  attributes: v.record(v.string(), vAttributeValue),
  /** JSON text. */
  payload: v.string(),
};

/** The registry's EventRecord, as queries over the events table return it. */
export const vEventRecord = v.object({ globalPosition: v.number(), ...eventFields });

/** A batch of EventRecords as columns (src/replay/event-columns.ts): what batch mutations take. */
export const vEventColumns = v.object({
  globalPositions: v.array(v.number()),
  eventIds: v.array(v.string()),
  eventTypes: v.array(v.string()),
  eventVersions: v.array(v.number()),
  occurredAtMs: v.array(v.number()),
  streamIds: v.array(v.string()),
  payloads: v.array(v.string()),
  attributes: v.record(v.string(), v.array(vAttributeValue)),
});
