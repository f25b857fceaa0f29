// The Arrow schema a Parquet data file is written from. Every field carries its Iceberg field id
// under `PARQUET:field_id`, which arrow-rs (inside parquet-wasm) copies into the Parquet schema:
// readers match columns by that id, never by name.
import * as arrow from "apache-arrow";
import { UnsupportedArchiveFeatureError } from "../errors.ts";
import { isPrimitive, parsePrimitive, type IcebergSchema, type NestedField, type PrimitiveTypeName } from "../schema.ts";

export const PARQUET_FIELD_ID_KEY = "PARQUET:field_id";

/** The Iceberg types without parameters the writer can put in a data file. */
export type WritableType = Exclude<PrimitiveTypeName, never>;

/** A writable column's type: a plain one, or `fixed[L]` / `decimal(P, S)` with their parameters. */
export type WritableColumn =
  | { kind: WritableType }
  | { kind: "fixed"; length: number }
  | { kind: "decimal"; precision: number; scale: number };

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
  if (isPrimitive(field.type)) {
    const parsed = parsePrimitive(field.type);
    if (parsed.kind !== "decimal" || parsed.precision <= MAX_DECIMAL_PRECISION) return parsed;
  }
  const shown = typeof field.type === "string" ? field.type : field.type.type;
  throw new UnsupportedArchiveFeatureError(
    undefined,
    `column "${field.name}" has type ${shown}; the archive writer writes ${Object.keys(ARROW_TYPES).join(", ")}, fixed[L] and decimal(P, S) up to P = ${MAX_DECIMAL_PRECISION}`,
  );
}

function arrowTypeOf(column: WritableColumn): arrow.DataType {
  if (column.kind === "fixed") return new arrow.FixedSizeBinary(column.length);
  if (column.kind === "decimal") return new arrow.Decimal(column.scale, column.precision, 128);
  return ARROW_TYPES[column.kind]();
}

export function arrowFieldFor(field: NestedField): arrow.Field {
  const type = arrowTypeOf(writableColumn(field));
  return new arrow.Field(field.name, type, !field.required, new Map([[PARQUET_FIELD_ID_KEY, String(field.id)]]));
}

export function arrowSchemaFor(schema: IcebergSchema): arrow.Schema {
  return new arrow.Schema(schema.fields.map(arrowFieldFor));
}
