// The Arrow schema a Parquet data file is written from. Every field, nested ones too (a struct's
// fields, a map's key and value), carries its Iceberg field id under `PARQUET:field_id`, which
// arrow-rs (inside parquet-wasm) copies into the Parquet schema: readers match columns by that id,
// never by name.
import * as arrow from "apache-arrow";
import { UnsupportedArchiveFeatureError } from "../errors.ts";
import {
  isPrimitive,
  parsePrimitive,
  type IcebergSchema,
  type IcebergType,
  type MapType,
  type NestedField,
  type PrimitiveTypeName,
  type StructType,
  typeText,
} from "../schema.ts";

export const PARQUET_FIELD_ID_KEY = "PARQUET:field_id";

/** The Iceberg types without parameters the writer can put in a data file. */
export type WritableType = Exclude<PrimitiveTypeName, never>;

/**
 * A writable column's type: a plain one, `fixed[L]` / `decimal(P, S)` with their parameters, a
 * struct of writable fields, or a `map<string, string>` (the event envelope's attributes map).
 */
export type WritableColumn =
  | { kind: WritableType }
  | { kind: "fixed"; length: number }
  | { kind: "decimal"; precision: number; scale: number }
  | { kind: "struct"; fields: NestedField[] }
  | { kind: "map"; keyId: number; valueId: number; valueRequired: boolean };

/** Decimal128 holds 38 digits; Iceberg allows no more. */
const MAX_DECIMAL_PRECISION = 38;

const ARROW_TYPES: Record<WritableType, () => arrow.DataType> = {
  boolean: () => new arrow.Bool(),
  int: () => new arrow.Int32(),
  long: () => new arrow.Int64(),
  float: () => new arrow.Float32(),
  double: () => new arrow.Float64(),
  date: () => new arrow.DateDay(),
  time: () => new arrow.TimeMicrosecond(),
  timestamp: () => new arrow.TimestampMicrosecond(null),
  timestamptz: () => new arrow.TimestampMicrosecond("UTC"),
  timestamp_ns: () => new arrow.TimestampNanosecond(null),
  timestamptz_ns: () => new arrow.TimestampNanosecond("UTC"),
  string: () => new arrow.Utf8(),
  uuid: () => new arrow.FixedSizeBinary(16),
  binary: () => new arrow.Binary(),
};

/** The field's type if the writer supports it; UnsupportedArchiveFeatureError naming the column otherwise. */
export function writableColumn(field: NestedField): WritableColumn {
  const type = field.type;
  if (isPrimitive(type)) {
    const parsed = parsePrimitive(type);
    if (parsed.kind !== "decimal" || parsed.precision <= MAX_DECIMAL_PRECISION) return parsed;
  } else if (type.type === "struct") {
    for (const member of type.fields) writableColumn({ ...member, name: `${field.name}.${member.name}` });
    return { kind: "struct", fields: type.fields };
  } else if (isStringMap(type)) {
    return { kind: "map", keyId: type["key-id"], valueId: type["value-id"], valueRequired: type["value-required"] };
  }
  throw new UnsupportedArchiveFeatureError(
    undefined,
    `column "${field.name}" has type ${typeText(type)}; the archive writer writes ${Object.keys(ARROW_TYPES).join(", ")}, fixed[L], ` +
      `decimal(P, S) up to P = ${MAX_DECIMAL_PRECISION}, structs of those and map<string, string>`,
  );
}

function isStringMap(type: StructType | MapType | IcebergType): type is MapType {
  return !isPrimitive(type) && type.type === "map" && type.key === "string" && type.value === "string";
}

function arrowTypeOf(column: WritableColumn): arrow.DataType {
  switch (column.kind) {
    case "fixed":
      return new arrow.FixedSizeBinary(column.length);
    case "decimal":
      return new arrow.Decimal(column.scale, column.precision, 128);
    case "struct":
      return new arrow.Struct(column.fields.map(arrowFieldFor));
    case "map": {
      const key = new arrow.Field("key", new arrow.Utf8(), false, fieldIdMetadata(column.keyId));
      const value = new arrow.Field("value", new arrow.Utf8(), !column.valueRequired, fieldIdMetadata(column.valueId));
      const entries = new arrow.Struct<{ key: arrow.Utf8; value: arrow.Utf8 }>([key, value]);
      return new arrow.Map_(new arrow.Field("key_value", entries, false), false);
    }
    default:
      return ARROW_TYPES[column.kind]();
  }
}

function fieldIdMetadata(id: number): Map<string, string> {
  return new Map([[PARQUET_FIELD_ID_KEY, String(id)]]);
}

export function arrowFieldFor(field: NestedField): arrow.Field {
  return new arrow.Field(field.name, arrowTypeOf(writableColumn(field)), !field.required, fieldIdMetadata(field.id));
}

export function arrowSchemaFor(schema: IcebergSchema): arrow.Schema {
  return new arrow.Schema(schema.fields.map(arrowFieldFor));
}
