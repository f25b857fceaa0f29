// How Iceberg values look in memory once decoded (rows, bounds and partition values alike):
//   boolean → boolean · int, date (days since epoch), float, double → number
//   long, time (µs), timestamp/timestamptz (µs since epoch), timestamp_ns (ns) → bigint
//   decimal → string with the column's scale ("-5.00") · string → string · uuid → canonical text
//   fixed, binary → Uint8Array · null → null
//   struct → object keyed by field name · list → array · map → Map (see nested-column.ts)
import type { SchemaElement } from "hyparquet";
import { CorruptArchiveError } from "./errors.ts";
import type { ParsedPrimitive } from "./schema.ts";
import { bigEndianTwosComplement, type IcebergValue } from "./single-value.ts";

/** A struct's value: its fields by name. */
export interface StructValue {
  [field: string]: ArchiveValue;
}

/** Any column's value: a primitive, or a struct, list or map of values. */
export type ArchiveValue = IcebergValue | StructValue | ArchiveValue[] | Map<IcebergValue, ArchiveValue>;

export type ColumnValues = ArrayLike<ArchiveValue>;

/**
 * A value of a primitive column as the primitive it is. Order columns, equality-delete columns and
 * the values predicates test are primitive (Iceberg and bindPredicate allow no others), so nothing is converted.
 */
export function primitiveValue(value: ArchiveValue | undefined): IcebergValue {
  return (value ?? null) as IcebergValue;
}

/**
 * The value under `key` of a map (a `Map`) or struct (an object) value: null when the map lacks the
 * key, the struct the field or the value is null itself, as a column a file lacks reads as null.
 */
export function valueAtKey(value: ArchiveValue | undefined, key: string): ArchiveValue {
  if (value instanceof Map) return value.get(key) ?? null;
  if (
    value === null ||
    value === undefined ||
    typeof value !== "object" ||
    value instanceof Uint8Array ||
    Array.isArray(value)
  )
    return null;
  return Object.hasOwn(value, key) ? (value[key] ?? null) : null;
}

/** Turns a column as hyparquet decoded it (logical types stripped) into Iceberg values. */
export function convertColumn(
  raw: ArrayLike<unknown>,
  element: SchemaElement,
  type: ParsedPrimitive,
  location: string,
  column: string,
): ColumnValues {
  switch (type.kind) {
    case "boolean":
    case "int":
    case "date":
    case "float":
    case "double":
    case "string":
      return nullsInPlace(raw);
    case "long":
      if (element.type === "INT32") return mapValues(raw, (value) => BigInt(value as number));
      return nullsInPlace(raw);
    case "time":
      return element.type === "INT32"
        ? mapValues(raw, (value) => BigInt(value as number) * 1000n)
        : mapValues(raw, (value) => value as bigint);
    case "timestamp":
    case "timestamptz":
      return convertTimestamps(raw, element, "micros");
    case "timestamp_ns":
    case "timestamptz_ns":
      return convertTimestamps(raw, element, "nanos");
    case "decimal":
      return mapValues(raw, (value) => formatDecimal(unscaledOf(value), type.scale));
    case "uuid":
      return mapValues(raw, (value) => formatUuid(value as Uint8Array));
    case "fixed":
    case "binary":
      return mapValues(raw, (value) => toBytes(value, location, column));
  }
}

/** Values that need no conversion: typed arrays as they are, arrays with missing values set to null (no copy). */
function nullsInPlace(raw: ArrayLike<unknown>): ColumnValues {
  if (ArrayBuffer.isView(raw)) return raw as ColumnValues;
  const values = raw as unknown[];
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
  return values as IcebergValue[];
}

/** Maps non-null values; missing (undefined) values become null. */
function mapValues(raw: ArrayLike<unknown>, convert: (value: unknown) => IcebergValue): IcebergValue[] {
  const values = new Array<IcebergValue>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i];
    values[i] = value === undefined || value === null ? null : convert(value);
  }
  return values;
}

function convertTimestamps(raw: ArrayLike<unknown>, element: SchemaElement, target: "micros" | "nanos"): ColumnValues {
  // INT96 arrives already as microseconds (see TIMESTAMP_PARSERS in parquet-file.ts).
  const unit =
    element.type === "INT96"
      ? "MICROS"
      : element.logical_type?.type === "TIMESTAMP"
        ? element.logical_type.unit
        : element.converted_type === "TIMESTAMP_MILLIS"
          ? "MILLIS"
          : "MICROS";
  const toMicros =
    unit === "MILLIS" ? (v: bigint) => v * 1000n : unit === "NANOS" ? (v: bigint) => v / 1000n : (v: bigint) => v;
  const toNanos =
    unit === "MILLIS" ? (v: bigint) => v * 1_000_000n : unit === "MICROS" ? (v: bigint) => v * 1000n : (v: bigint) => v;
  // Already in the target unit: the bigints as they are (a typed array stays one).
  if (unit === (target === "micros" ? "MICROS" : "NANOS")) return nullsInPlace(raw);
  const convert = target === "micros" ? toMicros : toNanos;
  return mapValues(raw, (value) => convert(BigInt(value as bigint)));
}

function unscaledOf(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  return bigEndianTwosComplement(value as Uint8Array);
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toBytes(value: unknown, location: string, column: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return new TextEncoder().encode(value);
  throw new CorruptArchiveError(location, `column "${column}" holds ${typeof value} where binary data was expected`);
}
