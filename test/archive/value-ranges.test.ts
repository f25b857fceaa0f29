// Every Iceberg primitive over its whole range (dates and timestamps from year 1 to 9999, the long
// extremes in µs and ns, NaN and infinities, 38-digit decimals) written through the archive writer,
// read back through the reader, and compared value by value with what DuckDB reads from the file.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimeValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from "@duckdb/node-api";
import fc from "fast-check";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringifyJsonLossless } from "../../src/archive/json.ts";
import { rowToJson } from "../../src/archive/row-json.ts";
import { batchRows } from "../../src/archive/scan.ts";
import { parsePrimitive, type IcebergSchema, type NestedField, type PrimitiveType } from "../../src/archive/schema.ts";
import type { IcebergValue } from "../../src/archive/single-value.ts";
import type { ArchiveValue } from "../../src/archive/values.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import { formatDecimal } from "../../src/archive/values.ts";
import { duckDbRows } from "../support/duckdb-rows.ts";
import { writeOneFileTable } from "../support/write-table.ts";

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const FIRST_DAY_OF_YEAR_1 = -719_162;
const LAST_DAY_OF_YEAR_9999 = 2_932_896;
const MICROS_PER_DAY = 86_400_000_000n;

const TYPES: PrimitiveType[] = [
  "boolean", "int", "long", "float", "double", "date", "time", "timestamp", "timestamptz",
  "timestamp_ns", "timestamptz_ns", "string", "uuid", "fixed[5]", "binary",
  "decimal(38, 9)", "decimal(9, 2)", "decimal(18, 4)", "decimal(38, 0)",
];
const SCHEMA: IcebergSchema = {
  "schema-id": 0,
  fields: TYPES.map((type, index) => ({ id: index + 1, name: `c_${type.replace(/\W+/g, "_")}`, required: false, type })),
};

const decimal = (precision: number, scale: number) => {
  const limit = 10n ** BigInt(precision) - 1n;
  return fc.oneof(fc.constantFrom(-limit, limit, 0n), fc.bigInt({ min: -limit, max: limit })).map((unscaled) => formatDecimal(unscaled, scale));
};
const yearsOneToNineThousand = (perDay: bigint) =>
  fc.bigInt({ min: BigInt(FIRST_DAY_OF_YEAR_1) * perDay, max: BigInt(LAST_DAY_OF_YEAR_9999 + 1) * perDay - 1n });
const longRange = fc.oneof(fc.constantFrom(LONG_MIN, LONG_MAX, LONG_MIN + 1n, 0n, -1n), fc.bigInt({ min: LONG_MIN, max: LONG_MAX }));

const VALUES: Record<PrimitiveType, fc.Arbitrary<unknown>> = {
  boolean: fc.boolean(),
  int: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  long: longRange,
  float: fc.float(),
  double: fc.double(),
  date: fc.oneof(fc.constantFrom(FIRST_DAY_OF_YEAR_1, LAST_DAY_OF_YEAR_9999, 0, -1), fc.integer({ min: FIRST_DAY_OF_YEAR_1, max: LAST_DAY_OF_YEAR_9999 })),
  time: fc.oneof(fc.constantFrom(0n, MICROS_PER_DAY - 1n), fc.bigInt({ min: 0n, max: MICROS_PER_DAY - 1n })),
  timestamp: fc.oneof(yearsOneToNineThousand(MICROS_PER_DAY), longRange),
  timestamptz: fc.oneof(yearsOneToNineThousand(MICROS_PER_DAY), longRange),
  timestamp_ns: longRange,
  timestamptz_ns: longRange,
  string: fc.string({ unit: "grapheme", maxLength: 20 }),
  uuid: fc.oneof(fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"), fc.uuid()),
  "fixed[5]": fc.uint8Array({ minLength: 5, maxLength: 5 }),
  binary: fc.uint8Array({ maxLength: 40 }),
  "decimal(38, 9)": decimal(38, 9),
  "decimal(9, 2)": decimal(9, 2),
  "decimal(18, 4)": decimal(18, 4),
  "decimal(38, 0)": decimal(38, 0),
} as Record<PrimitiveType, fc.Arbitrary<unknown>>;

const rowArbitrary = fc.record(
  Object.fromEntries(SCHEMA.fields.map((field) => [field.name, fc.option(VALUES[field.type as PrimitiveType]!, { freq: 8 })])),
);

/** DuckDB's value in the reader's in-memory representation (see src/archive/values.ts). */
function fromDuckDb(field: NestedField, value: DuckDBValue): unknown {
  if (value === null) return null;
  const type = parsePrimitive(field.type as string);
  if (value instanceof DuckDBDateValue) return value.days;
  if (value instanceof DuckDBTimeValue || value instanceof DuckDBTimestampValue) return value.micros;
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.nanos;
  if (value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBDecimalValue) return formatDecimal(value.value, value.scale);
  if (value instanceof DuckDBBlobValue) {
    if (type.kind !== "uuid") return Uint8Array.from(value.bytes);
    const hex = Buffer.from(value.bytes).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  if (type.kind === "long") return BigInt(value as number | bigint);
  return value;
}

/** DuckDB reads timestamptz_ns as µs, truncating toward zero, and the long maximum as its infinity (the same number). */
function comparable(field: NestedField, value: unknown): unknown {
  if (field.type === "timestamptz_ns" && typeof value === "bigint") return value === LONG_MAX || value === -LONG_MAX ? value : value / 1000n;
  return value;
}

/** DuckDB's text for a value, where it writes one in the fixtures' encoding (years 1-9999 only). */
function duckDbText(field: NestedField, value: DuckDBValue): string | undefined {
  if (value === null || field.type === "timestamptz_ns") return undefined;
  if (value instanceof DuckDBDateValue || value instanceof DuckDBTimeValue || value instanceof DuckDBTimestampValue ||
      value instanceof DuckDBTimestampNanosecondsValue || value instanceof DuckDBTimestampTZValue) {
    const text = String(value);
    if (!/^(\d{4}-\d\d-\d\d)?[ ]?(\d\d:\d\d:\d\d(\.\d+)?)?(\+00)?$/.test(text)) return undefined; // BC, beyond 9999, infinity
    return text.replace(" ", "T").replace(/\+00$/, "Z");
  }
  if (value instanceof DuckDBDecimalValue) return String(value);
  return undefined;
}

/** Fractions printed without trailing zeros, as DuckDB prints them. */
const trimFraction = (text: string) => text.replace(/(\.\d*?)0+(Z?)$/, "$1$2").replace(/\.(Z?)$/, "$1");

async function readBack(table: string) {
  const archive = await ArchiveTable.open(table);
  const plan = (await archive.plan())!;
  const values: ArchiveValue[][] = [];
  const json: Array<Record<string, unknown>> = [];
  for await (const batch of archive.scan(plan)) {
    for (const row of batchRows(batch, plan.fields)) {
      values.push(row);
      // Printing must work for every value: JSON text, parsed back as the CLI's reader would.
      json.push(JSON.parse(stringifyJsonLossless(rowToJson(plan.fields, row))) as Record<string, unknown>);
    }
  }
  return { values, json };
}

async function checkRows(rows: Array<Record<string, unknown>>): Promise<void> {
  const { table, dataFile } = await writeOneFileTable(SCHEMA, rows);
  const { values, json } = await readBack(table);
  const duck = await duckDbRows(dataFile, SCHEMA.fields.map((field) => field.name));
  expect(values).toHaveLength(rows.length);
  expect(duck).toHaveLength(rows.length);
  rows.forEach((row, index) => {
    SCHEMA.fields.forEach((field, column) => {
      const where = `row ${index}, ${field.name}`;
      const ours = values[index]![column]!;
      expect(ours, where).toEqual(row[field.name] ?? null);
      expect(comparable(field, ours), where).toEqual(fromDuckDb(field, duck[index]![column]!));
      const printed = json[index]![field.name];
      const text = duckDbText(field, duck[index]![column]!);
      if (text !== undefined) expect(trimFraction(String(printed)), where).toBe(trimFraction(text));
      if (field.type === "float" || field.type === "double") {
        const number = typeof printed === "string" ? Number(printed) : (printed as number | null);
        // JSON text loses the sign of a zero (-0 prints as 0); the value read keeps it (checked above).
        if (ours !== null) expect(field.type === "float" ? Math.fround(number!) : number, where).toBe(ours === 0 ? 0 : ours);
      }
    });
  });
}

describe("every value's whole range, through the writer, the reader and DuckDB", () => {
  it("the extremes of every type read back and print as DuckDB reads them", async () => {
    const extremes = [
      { c_long: LONG_MIN, c_timestamp: LONG_MIN, c_timestamptz: LONG_MAX, c_timestamp_ns: LONG_MIN, c_timestamptz_ns: LONG_MAX,
        c_date: FIRST_DAY_OF_YEAR_1, c_time: 0n, c_float: NaN, c_double: -Infinity, c_uuid: "00000000-0000-0000-0000-000000000000",
        c_decimal_38_9: formatDecimal(-(10n ** 38n - 1n), 9), c_decimal_38_0: formatDecimal(10n ** 38n - 1n, 0), c_binary: new Uint8Array() },
      { c_long: LONG_MAX, c_timestamp: LONG_MAX, c_timestamptz: LONG_MIN, c_timestamp_ns: LONG_MAX, c_timestamptz_ns: LONG_MIN,
        c_date: LAST_DAY_OF_YEAR_9999, c_time: MICROS_PER_DAY - 1n, c_float: Infinity, c_double: NaN,
        c_decimal_9_2: "-9999999.99", c_decimal_18_4: "99999999999999.9999" },
      { c_timestamp: BigInt(FIRST_DAY_OF_YEAR_1) * MICROS_PER_DAY, c_timestamptz: BigInt(LAST_DAY_OF_YEAR_9999 + 1) * MICROS_PER_DAY - 1n,
        c_float: -Infinity, c_double: Infinity, c_int: -(2 ** 31) },
    ];
    await checkRows(extremes);
    const { json } = await readBack((await writeOneFileTable(SCHEMA, extremes)).table);
    expect(json[0]).toMatchObject({
      c_long: "-9223372036854775808",
      c_timestamp: "-290308-12-21T19:59:05.224192",
      c_timestamptz: "+294247-01-10T04:00:54.775807Z",
      c_timestamp_ns: "1677-09-21T00:12:43.145224192",
      c_date: "0001-01-01",
      c_time: "00:00:00",
      c_float: "NaN",
      c_double: "-Infinity",
    });
    expect(json[1]).toMatchObject({ c_date: "9999-12-31", c_time: "23:59:59.999999", c_float: "Infinity", c_double: "NaN" });
    expect(json[2]).toMatchObject({ c_timestamp: "0001-01-01T00:00:00", c_timestamptz: "9999-12-31T23:59:59.999999Z" });
  });

  it("random rows of every type read back as written and as DuckDB reads them", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }), (rows) => checkRows(rows)),
      { numRuns: 15 },
    );
  });
});

/**
 * A one-row table (column `id`) whose current schema then adds `addedFieldsJson` (a JSON array of
 * fields, as a writer would put them in the metadata) without rewriting the file.
 */
async function tableWithAddedColumns(addedFieldsJson: string, lastColumnId: number): Promise<string> {
  const before: IcebergSchema = { "schema-id": 0, fields: [{ id: 1, name: "id", required: true, type: "long" }] };
  const { table } = await writeOneFileTable(before, [{ id: 1n }]);
  const evolved = readFileSync(join(table, "metadata", "v2.metadata.json"), "utf8")
    .replace(/"current-schema-id"\s*:\s*0/, '"current-schema-id": 1')
    .replace(/"last-column-id"\s*:\s*1/, `"last-column-id": ${lastColumnId}`)
    .replace(
      /"schemas"\s*:\s*\[/,
      `"schemas": [{"type": "struct", "schema-id": 1, "fields": [{"id": 1, "name": "id", "required": true, "type": "long"}, ${addedFieldsJson.slice(1, -1)}]}, `,
    );
  writeFileSync(join(table, "metadata", "v3.metadata.json"), evolved);
  writeFileSync(join(table, "metadata", "version-hint.text"), "3");
  return table;
}

describe("initial defaults of added columns, over their whole range", () => {
  it("a file written before the columns were added reads each column's initial-default (spec Appendix C JSON)", async () => {
    const defaults: Array<[PrimitiveType, unknown, unknown]> = [
      // type, initial-default as the metadata holds it, as `archive rows` prints it
      ["date", "0001-01-01", "0001-01-01"],
      ["timestamp", "9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999"],
      ["timestamptz", "0001-01-01T00:00:00.000000+00:00", "0001-01-01T00:00:00Z"],
      ["timestamp_ns", "2262-04-11T23:47:16.854775807", "2262-04-11T23:47:16.854775807"],
      ["timestamptz_ns", "1677-09-21T00:12:43.145224192+00:00", "1677-09-21T00:12:43.145224192Z"],
      ["time", "23:59:59.999999", "23:59:59.999999"],
      ["long", "-9223372036854775808", "-9223372036854775808"],
      ["decimal(38, 2)", "-999999999999999999999999999999999999.99", "-999999999999999999999999999999999999.99"],
      ["uuid", "F79C3E09-677C-4BBD-A479-3F349CB785E7", "f79c3e09-677c-4bbd-a479-3f349cb785e7"],
      ["fixed[3]", "00ff10", "00ff10"],
      ["binary", "", ""],
      ["double", "NaN", "NaN"],
      ["float", -0.5, -0.5],
    ];
    const added = defaults.map(([type, json], index) => ({ id: index + 2, name: `added_${index}`, required: false, type, "initial-default": json }));
    // The long default is a JSON number beyond 2^53: written as its digits, as Java writers do.
    const addedJson = JSON.stringify(added).replace('"-9223372036854775808"', "-9223372036854775808");
    const { json } = await readBack(await tableWithAddedColumns(addedJson, added.length + 1));
    expect(json).toEqual([Object.fromEntries([["id", 1], ...defaults.map(([, , printed], index) => [`added_${index}`, printed])])]);
  });

  it("an initial-default that is not a value of its column's type is an error naming the column", async () => {
    const table = await tableWithAddedColumns('[{"id": 2, "name": "day", "required": false, "type": "date", "initial-default": "2024-02-30"}]', 2);
    await expect(readBack(table)).rejects.toThrow(/initial-default of column "day".*"2024-02-30" is not a date value/);
  });
});
