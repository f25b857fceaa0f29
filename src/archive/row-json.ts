// Rows as JSON (the CLI's `archive rows` and the fixtures' expected.json): longs beyond 2^53 and
// decimals as strings, dates YYYY-MM-DD, timestamps ISO-8601 (with Z when zoned), bytes as hex,
// NaN and infinities as the strings "NaN", "Infinity" and "-Infinity" (JSON has no such numbers).
import { formatIsoDate, formatIsoDateTime, formatIsoTime } from "./civil-time.ts";
import { isPrimitive, parsePrimitive, type NestedField } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";

export function valueToJson(field: NestedField, value: IcebergValue): unknown {
  if (value === null || value === undefined) return null;
  if (!isPrimitive(field.type)) return value;
  const kind = parsePrimitive(field.type).kind;
  switch (kind) {
    case "long":
      return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    case "float":
      return Number.isFinite(value) ? shortestFloat32(value as number) : String(value);
    case "double":
      return Number.isFinite(value) ? value : String(value);
    case "date":
      return formatIsoDate(value as number);
    case "time":
      return formatIsoTime(value as bigint);
    case "timestamp":
      return formatIsoDateTime(value as bigint, 6, false);
    case "timestamptz":
      return formatIsoDateTime(value as bigint, 6, true);
    case "timestamp_ns":
      return formatIsoDateTime(value as bigint, 9, false);
    case "timestamptz_ns":
      return formatIsoDateTime(value as bigint, 9, true);
    case "fixed":
    case "binary":
      return Buffer.from(value as Uint8Array).toString("hex");
    default:
      return value;
  }
}

export function rowToJson(fields: readonly NestedField[], row: readonly IcebergValue[]): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  fields.forEach((field, index) => (json[field.name] = valueToJson(field, row[index] ?? null)));
  return json;
}

/** The shortest decimal that reads back as the same 32-bit float (0.1, not 0.10000000149011612), as Java and DuckDB print floats. */
function shortestFloat32(value: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}
