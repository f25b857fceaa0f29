// One table per projection of the registry, named after it: the projection's document fields (from
// its zod schema) plus the generation the document belongs to and its encoded key.
import { defineTable } from "convex/server";
import { v, type GenericValidator, type VObject } from "convex/values";
import { zodOutputToConvex } from "convex-helpers/server/zod4";
import { registry } from "./projections";

export const GENERATION_KEY_INDEX = "by_generation_key";

function readModelTable(document: Parameters<typeof zodOutputToConvex>[0]) {
  const validator = zodOutputToConvex(document) as unknown as VObject<unknown, Record<string, GenericValidator>>;
  return defineTable({ ...validator.fields, generation: v.number(), key: v.string() }).index(GENERATION_KEY_INDEX, [
    "generation",
    "key",
  ]);
}

export const readModelTables = Object.fromEntries(
  registry.projections.map((projection) => [projection.name, readModelTable(projection.readModel.document)]),
) as Record<(typeof registry.projections)[number]["name"], ReturnType<typeof readModelTable>>;
