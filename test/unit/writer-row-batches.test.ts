import { describe, expect, it } from "vitest";
import { ArchiveError, UnsupportedArchiveFeatureError } from "../../src/archive/errors.ts";
import type { IcebergSchema } from "../../src/archive/schema.ts";
import { decodeSingleValue } from "../../src/archive/single-value.ts";
import { arrowSchemaFor, PARQUET_FIELD_ID_KEY } from "../../src/archive/writer/arrow-schema.ts";
import { ColumnStatistics } from "../../src/archive/writer/column-statistics.ts";
import { RowBatchBuilder, rowBatches } from "../../src/archive/writer/row-batch-builder.ts";

const ALL_TYPES: IcebergSchema = {
  "schema-id": 0,
  fields: [
    { id: 1, name: "flag", required: false, type: "boolean" },
    { id: 2, name: "small", required: true, type: "int" },
    { id: 3, name: "big", required: true, type: "long" },
    { id: 4, name: "ratio", required: false, type: "float" },
    { id: 5, name: "amount", required: false, type: "double" },
    { id: 6, name: "day", required: false, type: "date" },
    { id: 7, name: "local_time", required: false, type: "timestamp" },
    { id: 8, name: "at", required: true, type: "timestamptz" },
    { id: 9, name: "label", required: false, type: "string" },
    { id: 10, name: "blob", required: false, type: "binary" },
  ],
};

const ROWS = [
  { flag: true, small: -3, big: 2n ** 60n, ratio: 0.5, amount: Number.NaN, day: 20089, local_time: 5n, at: 1_735_689_600_000_000n, label: "zebra", blob: Uint8Array.of(9, 9) },
  { flag: false, small: 7, big: -4, ratio: null, amount: 2.25, day: null, local_time: null, at: 1_735_689_600_000_001n, label: "éclair", blob: null },
  { flag: null, small: 0, big: 12, ratio: -1.5, amount: -8, day: 19000, local_time: 9n, at: 1_735_000_000_000_000n, label: null, blob: Uint8Array.of(1) },
];

describe("the Arrow schema of a data file", () => {
  it("carries every Iceberg field id in the field metadata Parquet writers read", () => {
    const schema = arrowSchemaFor(ALL_TYPES);
    expect(schema.fields.map((field) => field.metadata.get(PARQUET_FIELD_ID_KEY))).toEqual(ALL_TYPES.fields.map((field) => String(field.id)));
    expect(schema.fields.map((field) => field.nullable)).toEqual(ALL_TYPES.fields.map((field) => !field.required));
    expect(String(schema.fields[7]!.type)).toBe("Timestamp<MICROSECOND, UTC>");
    expect(String(schema.fields[6]!.type)).toBe("Timestamp<MICROSECOND>");
  });

  it("refuses a column type the writer cannot write, naming the column", () => {
    const schema: IcebergSchema = {
      "schema-id": 0,
      fields: [{ id: 1, name: "prices", required: true, type: { type: "list", "element-id": 2, element: "long", "element-required": true } }],
    };
    expect(() => arrowSchemaFor(schema)).toThrow(UnsupportedArchiveFeatureError);
    expect(() => arrowSchemaFor(schema)).toThrow(/column "prices" has type list<long>; .* structs of those and map<string, string>/);
    const intMap: IcebergSchema = {
      "schema-id": 0,
      fields: [{ id: 1, name: "counts", required: false, type: { type: "map", "key-id": 2, key: "string", "value-id": 3, value: "int", "value-required": false } }],
    };
    expect(() => arrowSchemaFor(intMap)).toThrow(/column "counts" has type map<string, int>/);
  });

  it("writes map<string, string> and struct values, and refuses a map value that is not a string, naming the column", () => {
    const schema: IcebergSchema = {
      "schema-id": 0,
      fields: [
        { id: 1, name: "tags", required: false, type: { type: "map", "key-id": 3, key: "string", "value-id": 4, value: "string", "value-required": false } },
        { id: 2, name: "info", required: false, type: { type: "struct", fields: [{ id: 5, name: "score", required: false, type: "double" }] } },
      ],
    };
    const [batch] = [...rowBatches([{ tags: new Map([["a", "x"], ["b", null]]), info: { score: 1.5 } }, { tags: null, info: null }, { tags: {}, info: {} }], schema)];
    expect(batch!.toArray().map((row) => JSON.parse(JSON.stringify(row)))).toEqual([
      { tags: { a: "x", b: null }, info: { score: 1.5 } },
      { tags: null, info: null },
      { tags: {}, info: { score: null } },
    ]);
    expect(() => [...rowBatches([{ tags: new Map([["n", 2]]) }], schema)]).toThrow(/column "tags" .* cannot hold "\{ n: 2 \}"/);
  });
});

describe("building record batches from rows", () => {
  it("keeps every value and null of every supported type", () => {
    const [batch] = [...rowBatches(ROWS, ALL_TYPES)];
    expect(batch!.numRows).toBe(3);
    const column = (name: string) => batch!.getChild(name)!.toArray();
    expect([...batch!.getChild("flag")!]).toEqual([true, false, null]);
    expect([...column("small")]).toEqual([-3, 7, 0]);
    expect([...column("big")]).toEqual([2n ** 60n, -4n, 12n]);
    expect([...batch!.getChild("ratio")!]).toEqual([0.5, null, -1.5]);
    expect([...batch!.getChild("label")!]).toEqual(["zebra", "éclair", null]);
    expect([...batch!.getChild("blob")!].map((value) => (value ? [...value] : null))).toEqual([[9, 9], null, [1]]);
    expect(batch!.getChild("at")!.data[0]!.values).toEqual(BigInt64Array.of(1_735_689_600_000_000n, 1_735_689_600_000_001n, 1_735_000_000_000_000n));
    expect(batch!.getChild("day")!.nullCount).toBe(1);
  });

  it("splits rows into batches of the requested size", () => {
    const rows = Array.from({ length: 10 }, (_, index) => ({ ...ROWS[0]!, small: index }));
    const sizes = [...rowBatches(rows, ALL_TYPES, 4)].map((batch) => batch.numRows);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it("refuses a missing value in a required column", () => {
    expect(() => new RowBatchBuilder(ALL_TYPES, 4).append({ ...ROWS[0]!, small: undefined })).toThrow(ArchiveError);
    expect(() => new RowBatchBuilder(ALL_TYPES, 4).append({ ...ROWS[0]!, big: null })).toThrow(
      /column "big" is required but row 0 of the batch has no value/,
    );
  });

  it("refuses values of the wrong type instead of coercing them", () => {
    const refusal = (change: object) => () => new RowBatchBuilder(ALL_TYPES, 4).append({ ...ROWS[0]!, ...change });
    expect(refusal({ small: 1.5 })).toThrow(/column "small" \(int\) cannot hold 1\.5/);
    expect(refusal({ small: 2 ** 31 })).toThrow(/column "small"/);
    expect(refusal({ big: 2 ** 53 })).toThrow(/column "big" \(long\)/);
    expect(refusal({ big: 2n ** 63n })).toThrow(/column "big" \(long\)/);
    expect(refusal({ label: 42 })).toThrow(/column "label" \(string\) cannot hold 42 \(number\)/);
  });

  it("will not go on after refusing a row, which it holds only in part", () => {
    const builder = new RowBatchBuilder(ALL_TYPES, 4);
    builder.append(ROWS[0]!);
    expect(() => builder.append({ ...ROWS[1]!, blob: "not bytes" })).toThrow(/column "blob"/);
    expect(() => builder.append(ROWS[2]!)).toThrow(/refused a row earlier \(column "blob" \(binary\) cannot hold "not bytes"/);
    expect(() => builder.build()).toThrow(/start a new one/);
  });
});

describe("column statistics", () => {
  const metricsOf = (rows: object[], schema: IcebergSchema = ALL_TYPES) => {
    const statistics = new ColumnStatistics(schema);
    for (const batch of rowBatches(rows, schema, 2)) statistics.add(batch);
    return statistics.metrics();
  };

  it("counts values, nulls and NaNs per field id across batches", () => {
    const metrics = metricsOf(ROWS);
    expect(metrics.valueCounts.get(1)).toBe(3);
    expect(Object.fromEntries(metrics.nullValueCounts)).toEqual({ 1: 1, 2: 0, 3: 0, 4: 1, 5: 0, 6: 1, 7: 1, 8: 0, 9: 1, 10: 1 });
    expect(Object.fromEntries(metrics.nanValueCounts)).toEqual({ 4: 0, 5: 1 });
  });

  it("takes exact bounds in Iceberg's single-value form, NaN left out", () => {
    const metrics = metricsOf(ROWS);
    const bound = (map: Map<number, Uint8Array>, id: number) => {
      const field = ALL_TYPES.fields.find((candidate) => candidate.id === id)!;
      return decodeSingleValue(field.type as "int", map.get(id)!);
    };
    expect([bound(metrics.lowerBounds, 1), bound(metrics.upperBounds, 1)]).toEqual([false, true]);
    expect([bound(metrics.lowerBounds, 2), bound(metrics.upperBounds, 2)]).toEqual([-3, 7]);
    expect([bound(metrics.lowerBounds, 3), bound(metrics.upperBounds, 3)]).toEqual([-4n, 2n ** 60n]);
    expect([bound(metrics.lowerBounds, 4), bound(metrics.upperBounds, 4)]).toEqual([-1.5, 0.5]);
    expect([bound(metrics.lowerBounds, 5), bound(metrics.upperBounds, 5)]).toEqual([-8, 2.25]);
    expect([bound(metrics.lowerBounds, 6), bound(metrics.upperBounds, 6)]).toEqual([19000, 20089]);
    expect([bound(metrics.lowerBounds, 8), bound(metrics.upperBounds, 8)]).toEqual([1_735_000_000_000_000n, 1_735_689_600_000_001n]);
    expect([...metrics.lowerBounds.get(10)!]).toEqual([1]);
    expect([...metrics.upperBounds.get(10)!]).toEqual([9, 9]);
  });

  it("orders strings by their UTF-8 bytes, as Iceberg does", () => {
    const metrics = metricsOf(ROWS);
    // "é" (0xC3 0xA9) sorts after "z" (0x7A) in UTF-8.
    expect(new TextDecoder().decode(metrics.lowerBounds.get(9))).toBe("zebra");
    expect(new TextDecoder().decode(metrics.upperBounds.get(9))).toBe("éclair");
  });

  it("truncates long string bounds to 16 characters, rounding the upper bound up", () => {
    const schema: IcebergSchema = { "schema-id": 0, fields: [{ id: 1, name: "payload", required: true, type: "string" }] };
    const metrics = metricsOf([{ payload: '{"durationMs":923456789}' }, { payload: '{"durationMs":1}' }, { payload: "ab\u{10FFFF}" }], schema);
    expect(new TextDecoder().decode(metrics.lowerBounds.get(1))).toBe("ab\u{10FFFF}");
    expect(new TextDecoder().decode(metrics.upperBounds.get(1))).toBe('{"durationMs":93');
  });

  it("rounds a truncated upper bound up past a last character that is already the largest", () => {
    const schema: IcebergSchema = { "schema-id": 0, fields: [{ id: 1, name: "label", required: true, type: "string" }] };
    const metrics = metricsOf([{ label: `${"a".repeat(14)}\u00e9\u{10FFFF}tail` }], schema);
    expect(new TextDecoder().decode(metrics.upperBounds.get(1))).toBe(`${"a".repeat(14)}\u00ea`);
    expect(new TextDecoder().decode(metrics.lowerBounds.get(1))).toBe(`${"a".repeat(14)}\u00e9\u{10FFFF}`);
  });

  it("drops a truncated upper bound that cannot be rounded up", () => {
    const schema: IcebergSchema = { "schema-id": 0, fields: [{ id: 1, name: "raw", required: true, type: "binary" }] };
    const metrics = metricsOf([{ raw: new Uint8Array(20).fill(0xff) }], schema);
    expect(metrics.lowerBounds.get(1)).toEqual(new Uint8Array(16).fill(0xff));
    expect(metrics.upperBounds.has(1)).toBe(false);
  });

  it("has no bounds for a column that holds only nulls", () => {
    const metrics = metricsOf([{ ...ROWS[2]!, label: null }]);
    expect(metrics.nullValueCounts.get(9)).toBe(1);
    expect(metrics.lowerBounds.has(9)).toBe(false);
    expect(metrics.upperBounds.has(9)).toBe(false);
  });
});
