// One table per projection of the registry, named after it: the projection's document fields (from
// its zod schema) plus the generation the document belongs to and its encoded key.
import { defineTable, type TableDefinition } from "convex/server";
import { v, type GenericValidator, type VObject } from "convex/values";
import { zodOutputToConvex } from "convex-helpers/server/zod4";
import type { Projection } from "../src/registry/index.ts";
import { registry } from "./projections";

export const GENERATION_KEY_INDEX = "by_generation_key";

type StoredFields = { generation: number; key: string };
type ReadModelTable<Doc> = TableDefinition<
  VObject<Doc & StoredFields, Record<string, GenericValidator>>,
  { by_generation_key: ["generation", "key", "_creationTime"] }
>;
type Projections = (typeof registry.projections)[number];
type DocumentOf<P> = P extends Projection<string, infer Doc, infer _Key> ? Doc : never;

function readModelTable(document: Parameters<typeof zodOutputToConvex>[0]) {
  const validator = zodOutputToConvex(document) as unknown as VObject<unknown, Record<string, GenericValidator>>;
  return defineTable({ ...validator.fields, generation: v.number(), key: v.string() }).index(GENERATION_KEY_INDEX, [
    "generation",
    "key",
  ]);
}

export const readModelTables = Object.fromEntries(
  registry.projections.map((projection) => [projection.name, readModelTable(projection.readModel.document)]),
) as unknown as { [P in Projections as P["name"]]: ReadModelTable<DocumentOf<P>> };
