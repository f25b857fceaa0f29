// Conditions on a key of a map or struct column, and whether a table's attributes column carries
// the envelope's attributes: what each binds to and the errors that name what is wrong.
import { describe, expect, it } from "vitest";
import { checkArchiveCarriesEnvelope } from "../../src/archive/archive-envelope.ts";
import { EnvelopeMismatchError } from "../../src/archive/errors.ts";
import { bindPredicate, statisticsConditions } from "../../src/archive/predicate.ts";
import type { IcebergSchema, NestedField } from "../../src/archive/schema.ts";
import { eventArchiveSchema } from "../../src/archive/writer/event-archive.ts";
import { defineEnvelope } from "../../src/registry/index.ts";

const tags: NestedField = {
  id: 1,
  name: "tags",
  required: false,
  type: { type: "map", "key-id": 4, key: "string", "value-id": 5, value: "string", "value-required": false },
};
const info: NestedField = {
  id: 2,
  name: "info",
  required: false,
  type: { type: "struct", fields: [{ id: 6, name: "score", required: false, type: "long" }] },
};
const items: NestedField = {
  id: 3,
  name: "items",
  required: false,
  type: { type: "list", "element-id": 7, element: "string", "element-required": false },
};
const schema: IcebergSchema = { "schema-id": 0, fields: [tags, info, items] };

describe("conditions on a key inside a column", () => {
  it("tests a map key's value row by row: no statistics to prune with", () => {
    const [bound] = bindPredicate(schema, [{ column: "tags", key: "region", op: "in", values: ["EU"] }]);
    expect(bound!.statisticsField).toBeUndefined();
    expect(bound!.valueOf(new Map([["region", "EU"]]))).toBe("EU");
    expect(bound!.valueOf(new Map([["tier", "gold"]]))).toBeNull();
    expect(bound!.valueOf(null)).toBeNull();
    expect(statisticsConditions([bound!])).toEqual([]);
  });

  it("tests a struct field with the field's type and prunes by the field's own statistics", () => {
    const [bound] = bindPredicate(schema, [{ column: "info", key: "score", op: "in", values: ["3"] }]);
    expect(bound!.condition).toMatchObject({ values: [3n] });
    expect(bound!.valueOf({ score: 3n })).toBe(3n);
    expect(statisticsConditions([bound!]).map(({ field }) => field.id)).toEqual([6]);
  });

  it.each([
    [
      { column: "tags", op: "in" as const, values: ["x"] },
      /cannot filter on nested column "tags" \(map<string, string>\) itself: name a map key or struct field inside it/,
    ],
    [
      { column: "info", key: "rank", op: "in" as const, values: [1] },
      /struct column "info" has no field "rank"; its fields are "score"/,
    ],
    [
      { column: "items", key: "0", op: "in" as const, values: ["x"] },
      /column "items" is list<string>; a key is looked up in a map with string keys and primitive values or a struct/,
    ],
    [
      { column: "info", key: "score", op: "in" as const, values: ["high"] },
      /filter value high does not fit column "info.score" of type long/,
    ],
  ])("refuses %o", (condition, message) => {
    expect(() => bindPredicate(schema, [condition])).toThrow(message);
  });
});

describe("a table's attributes column against the envelope", () => {
  const mapped = defineEnvelope({
    attributesColumn: { name: "attributes", type: "map" },
    attributes: { region: "string" },
  });
  const structured = defineEnvelope({
    attributesColumn: { name: "attributes", type: "struct" },
    attributes: { region: "string", priority: "number" },
  });

  it("carries what the writer writes for either layout", () => {
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(mapped), mapped)).not.toThrow();
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(structured), structured)).not.toThrow();
  });

  it("names a struct column where the envelope declares a map, and the fix", () => {
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(structured), mapped)).toThrow(EnvelopeMismatchError);
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(structured), mapped)).toThrow(
      /its column "attributes" for the attributes "region" is struct, not the map<string, string> the envelope declares/,
    );
  });

  it("names a struct field missing or of another type", () => {
    const regionOnly = defineEnvelope({
      attributesColumn: { name: "attributes", type: "struct" },
      attributes: { region: "number" },
    });
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(structured), regionOnly)).toThrow(
      /its field "attributes.region" for the number attribute "region" is string, which does not read as that/,
    );
    const more = defineEnvelope({
      attributesColumn: { name: "attributes", type: "struct" },
      attributes: { region: "string", channel: "string" },
    });
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(structured), more)).toThrow(
      /its struct column "attributes" has no field "channel" for the string attribute "channel"/,
    );
  });

  it("names a missing attributes column", () => {
    const columns = defineEnvelope({ attributes: { region: "string" } });
    expect(() => checkArchiveCarriesEnvelope(eventArchiveSchema(columns), mapped)).toThrow(
      /it has no column "attributes" for the attributes "region" \(map column\)/,
    );
  });
});
