// The Arrow schema a Parquet data file is written from. Every field carries its Iceberg field id
// under `PARQUET:field_id`, which arrow-rs (inside parquet-wasm) copies into the Parquet schema:
// readers match columns by that id, never by name.
import * as arrow from "apache-arrow";
import { UnsupportedArchiveFeatureError } from "../errors.ts";
import { isPrimitive, type IcebergSchema, type NestedField, type PrimitiveTypeName } from "../schema.ts";

export const PARQUET_FIELD_ID_KEY = "PARQUET:field_id";

/** The Iceberg types the writer can put in a data file. */
export type WritableType = Extract<
  PrimitiveTypeName,
  "boolean" | "int" | "long" | "float" | "double" | "date" | "timestamp" | "timestamptz" | "string" | "binary"
>;

const ARROW_TYPES: Record<WritableType, () => arrow.DataType> = {
  boolean: () => new arrow.Bool(),
  int: () => new arrow.Int32(),
  long: () => new arrow.Int64(),
  float: () => new arrow.Float32(),
  double: () => new arrow.Float64(),
  date: () => new arrow.DateDay(),
  timestamp: () => new arrow.TimestampMicrosecond(null),
  timestamptz: () => new arrow.TimestampMicrosecond("UTC"),
  string: () => new arrow.Utf8(),
  binary: () => new arrow.Binary(),
};

/** The field's type if the writer supports it; UnsupportedArchiveFeatureError naming the column otherwise. */
export function writableType(field: NestedField): WritableType {
  if (isPrimitive(field.type) && Object.hasOwn(ARROW_TYPES, field.type)) return field.type as WritableType;
  const shown = typeof field.type === "string" ? field.type : field.type.type;
  throw new UnsupportedArchiveFeatureError(
    undefined,
    `column "${field.name}" has type ${shown}; the archive writer writes ${Object.keys(ARROW_TYPES).join(", ")}`,
  );
}

export function arrowFieldFor(field: NestedField): arrow.Field {
  const type = ARROW_TYPES[writableType(field)]();
  return new arrow.Field(field.name, type, !field.required, new Map([[PARQUET_FIELD_ID_KEY, String(field.id)]]));
}

export function arrowSchemaFor(schema: IcebergSchema): arrow.Schema {
  return new arrow.Schema(schema.fields.map(arrowFieldFor));
}
