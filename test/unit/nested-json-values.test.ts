import { describe, expect, it } from "vitest";
import { CorruptArchiveError } from "../../src/archive/errors.ts";
import { parseJsonValue } from "../../src/archive/json-single-value.ts";
import { valueToJson } from "../../src/archive/row-json.ts";
import type { IcebergType, NestedField } from "../../src/archive/schema.ts";

const STRUCT: IcebergType = {
  type: "struct",
  fields: [
    { id: 1, name: "when", required: false, type: "date" },
    { id: 2, name: "count", required: false, type: "long", "initial-default": 3 },
    { id: 3, name: "tags", required: false, type: { type: "list", "element-id": 4, "element-required": false, element: "string" } },
    {
      id: 5,
      name: "sizes",
      required: false,
      type: { type: "map", "key-id": 6, key: "int", "value-id": 7, value: "decimal(5, 2)", "value-required": false },
    },
  ],
};
const field = (type: IcebergType): NestedField => ({ id: 100, name: "c", required: false, type });

describe("nested initial defaults in Iceberg's JSON encoding", () => {
  it("reads a struct default keyed by field id, a field it omits taking its own initial default", () => {
    const value = parseJsonValue(STRUCT, { "1": "2024-02-29", "3": ["a", null], "5": { keys: [1, 2], values: ["1.50", null] } }, "t");
    expect(value).toEqual({ when: 19782, count: 3n, tags: ["a", null], sizes: new Map([[1, "1.50"], [2, null]]) });
    expect(valueToJson(field(STRUCT), value)).toEqual({ when: "2024-02-29", count: 3, tags: ["a", null], sizes: { 1: "1.50", 2: null } });
  });

  it("refuses a default of the wrong shape, naming where it is", () => {
    expect(() => parseJsonValue(STRUCT, [1], "file.parquet (initial-default of column \"c\")")).toThrow(CorruptArchiveError);
    expect(() => parseJsonValue(STRUCT, [1], "file.parquet (initial-default of column \"c\")")).toThrow(/initial-default of column "c".*object keyed by field id/);
    const map: IcebergType = { type: "map", "key-id": 1, key: "string", "value-id": 2, value: "int", "value-required": false };
    expect(() => parseJsonValue(map, { a: 1 }, "t")).toThrow(/"keys": \[\.\.\.\], "values": \[\.\.\.\]/);
    expect(() => parseJsonValue({ type: "list", "element-id": 1, "element-required": false, element: "int" }, ["x"], "t")).toThrow(/"x" is not a int value/);
  });
});
