// Rows as JSON (the CLI's `archive rows` and the fixtures' expected.json): longs beyond 2^53 and
// decimals as strings, dates YYYY-MM-DD, timestamps ISO-8601 (with Z when zoned), bytes as hex,
// NaN and infinities as the strings "NaN", "Infinity" and "-Infinity" (JSON has no such numbers);
// structs and maps as objects (a map's keys as their JSON text), lists as arrays, their values
// encoded the same way.
import { formatIsoDate, formatIsoDateTime, formatIsoTime } from "./civil-time.ts";
import { isPrimitive, parsePrimitive, type IcebergType, type NestedField, type PrimitiveType } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import type { ArchiveValue, StructValue } from "./values.ts";

export function valueToJson(field: NestedField, value: ArchiveValue): unknown {
  return typedValueToJson(field.type, value);
}

function typedValueToJson(type: IcebergType, value: ArchiveValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (isPrimitive(type)) return primitiveToJson(type, value as IcebergValue);
  switch (type.type) {
    case "struct": {
      const struct = value as StructValue;
      return Object.fromEntries(
        type.fields.map((field) => [field.name, typedValueToJson(field.type, struct[field.name])]),
      );
    }
    case "list":
      return (value as ArchiveValue[]).map((element) => typedValueToJson(type.element, element));
    case "map": {
      const entries = [...(value as Map<IcebergValue, ArchiveValue>)];
      return Object.fromEntries(
        entries.map(([key, item]) => [String(typedValueToJson(type.key, key)), typedValueToJson(type.value, item)]),
      );
    }
  }
}

function primitiveToJson(type: PrimitiveType, value: IcebergValue): unknown {
  if (value === null) return null;
  const kind = parsePrimitive(type).kind;
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

export function rowToJson(fields: readonly NestedField[], row: readonly ArchiveValue[]): Record<string, unknown> {
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
