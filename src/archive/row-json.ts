// Rows as JSON (the CLI's `archive rows` and the fixtures' expected.json): longs beyond 2^53 and
// decimals as strings, dates YYYY-MM-DD, timestamps ISO-8601 (with Z when zoned), bytes as hex.
import { isPrimitive, parsePrimitive, type NestedField } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";

export function valueToJson(field: NestedField, value: IcebergValue): unknown {
  if (value === null || value === undefined) return null;
  if (!isPrimitive(field.type)) return value;
  const kind = parsePrimitive(field.type).kind;
  switch (kind) {
    case "long":
      return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    case "date":
      return isoDate(value as number);
    case "time":
      return isoTime(value as bigint);
    case "timestamp":
      return isoDateTime(value as bigint, 6, false);
    case "timestamptz":
      return isoDateTime(value as bigint, 6, true);
    case "timestamp_ns":
      return isoDateTime(value as bigint, 9, false);
    case "timestamptz_ns":
      return isoDateTime(value as bigint, 9, true);
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

function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

function isoTime(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const text = new Date(Number(seconds) * 1000).toISOString().slice(11, 19);
  return fraction === 0n ? text : `${text}.${fraction.toString().padStart(6, "0")}`;
}

/** `digits` is 6 for microsecond, 9 for nanosecond values; a zero fraction is left out. */
function isoDateTime(value: bigint, digits: 6 | 9, zoned: boolean): string {
  const unitsPerSecond = digits === 6 ? 1_000_000n : 1_000_000_000n;
  let seconds = value / unitsPerSecond;
  let fraction = value % unitsPerSecond;
  if (fraction < 0n) {
    fraction += unitsPerSecond;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const fractionText = fraction === 0n ? "" : `.${fraction.toString().padStart(digits, "0")}`;
  return `${base}${fractionText}${zoned ? "Z" : ""}`;
}

