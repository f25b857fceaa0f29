// The tables Reproject needs in the app's own schema: the live events (positions continuing the
// archive's), the log's high-water marks, and one read-model table per projection of the registry.
//
//   export default defineSchema({ ...reprojectTables(registry), orders: defineTable({ ... }) });
//
// A read-model document is stored as `{ generation, key, document }` with `document: v.any()`:
// Convex validates every existing document against the schema on each push, and a version bump
// that changes the read model's shape must deploy while the old generation still serves. The
// projection's zod schema validates each document when a handler writes it instead.
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { eventFields } from "../component/event-validators.ts";

export const GENERATION_KEY_INDEX = "by_generation_key";

/** The table every projection's read model lives in, whatever the shape of its documents. */
const readModelTable = defineTable({
  generation: v.number(),
  /** The projection's encoded key (`readModel.encodeKey`). */
  key: v.string(),
  /** The document as the handlers of the version that built this generation wrote it. */
  document: v.any(),
}).index(GENERATION_KEY_INDEX, ["generation", "key"]);

/** Recent events, continuing the archive's global positions; older ones move to the archive. */
const eventsTable = defineTable({ position: v.number(), ...eventFields })
  .index("by_position", ["position"])
  .index("by_event_id", ["eventId"]);

/** One document: the last position handed out, and how far the archive holds the log. */
const eventLogTable = defineTable({ lastPosition: v.number(), archivedThrough: v.number() });

export function reprojectTables<Name extends string>(registry: { projections: readonly { name: Name }[] }) {
  const readModels = Object.fromEntries(registry.projections.map(({ name }) => [name, readModelTable])) as {
    [Projection in Name]: typeof readModelTable;
  };
  return { events: eventsTable, eventLog: eventLogTable, ...readModels };
}
