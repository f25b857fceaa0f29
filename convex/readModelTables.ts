// One table per projection of the registry, named after it. A document is stored as
// `{ generation, key, document }` with `document: v.any()`: Convex validates every existing
// document against the schema on each push, and a version bump that changes the read model's
// shape must deploy while the old generation still serves. The projection's zod schema validates
// each document when a handler writes it instead (src/registry/read-model.ts).
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { registry } from "./projections";

export const GENERATION_KEY_INDEX = "by_generation_key";

/** The table every projection's read model lives in, whatever the shape of its documents. */
export const readModelTable = defineTable({
  generation: v.number(),
  /** The projection's encoded key (`readModel.encodeKey`). */
  key: v.string(),
  /** The document as the handlers of the version that built this generation wrote it. */
  document: v.any(),
}).index(GENERATION_KEY_INDEX, ["generation", "key"]);

type ProjectionName = (typeof registry.projections)[number]["name"];

export const readModelTables = Object.fromEntries(
  registry.projections.map((projection) => [projection.name, readModelTable]),
) as { [Name in ProjectionName]: typeof readModelTable };
