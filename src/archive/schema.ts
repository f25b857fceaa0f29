// Iceberg schemas (spec "Schemas and Data Types") in their JSON shape, and the few questions the
// reader asks of them. Columns are always matched by field id, never by name.
import { UnsupportedArchiveFeatureError } from "./errors.ts";

export type PrimitiveTypeName =
  | "boolean"
  | "int"
  | "long"
  | "float"
  | "double"
  | "date"
  | "time"
  | "timestamp"
  | "timestamptz"
  | "timestamp_ns"
  | "timestamptz_ns"
  | "string"
  | "uuid"
  | "binary";

/** `decimal(P, S)` and `fixed[L]` carry parameters in the string, as the spec writes them. */
export type PrimitiveType =
  PrimitiveTypeName | `decimal(${number}, ${number})` | `decimal(${number},${number})` | `fixed[${number}]`;

export interface StructType {
  type: "struct";
  fields: NestedField[];
}

export interface ListType {
  type: "list";
  "element-id": number;
  element: IcebergType;
  "element-required": boolean;
}

export interface MapType {
  type: "map";
  "key-id": number;
  key: IcebergType;
  "value-id": number;
  value: IcebergType;
  "value-required": boolean;
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  "initial-default"?: unknown;
  "write-default"?: unknown;
}

export interface IcebergSchema {
  type?: "struct";
  "schema-id": number;
  "identifier-field-ids"?: number[];
  fields: NestedField[];
}

export type ParsedPrimitive =
  | { kind: Exclude<PrimitiveTypeName, never> }
  | { kind: "decimal"; precision: number; scale: number }
  | { kind: "fixed"; length: number };

export function parsePrimitive(type: PrimitiveType | string): ParsedPrimitive {
  const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(type);
  if (decimal) return { kind: "decimal", precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const fixed = /^fixed\[(\d+)\]$/.exec(type);
  if (fixed) return { kind: "fixed", length: Number(fixed[1]) };
  if (KNOWN_PRIMITIVES.has(type)) return { kind: type as PrimitiveTypeName };
  throw new UnsupportedArchiveFeatureError(undefined, `unknown Iceberg type "${type}"`);
}

const KNOWN_PRIMITIVES = new Set<string>([
  "boolean",
  "int",
  "long",
  "float",
  "double",
  "date",
  "time",
  "timestamp",
  "timestamptz",
  "timestamp_ns",
  "timestamptz_ns",
  "string",
  "uuid",
  "binary",
]);

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return typeof type === "string";
}

/** A type as text: `long`, `struct`, `list<string>`, `map<string, int>`. */
export function typeText(type: IcebergType): string {
  if (isPrimitive(type)) return type;
  if (type.type === "map") return `map<${typeText(type.key)}, ${typeText(type.value)}>`;
  return type.type === "list" ? `list<${typeText(type.element)}>` : "struct";
}

/** The highest field id in the schema, nested ones (struct fields, list elements, map keys and values) included; 0 for none. */
export function highestFieldId(schema: IcebergSchema): number {
  const highestIn = (type: IcebergType): number => {
    if (isPrimitive(type)) return 0;
    if (type.type === "struct")
      return Math.max(0, ...type.fields.map((field) => Math.max(field.id, highestIn(field.type))));
    if (type.type === "list") return Math.max(type["element-id"], highestIn(type.element));
    return Math.max(type["key-id"], type["value-id"], highestIn(type.key), highestIn(type.value));
  };
  return highestIn({ type: "struct", fields: schema.fields });
}

/** Top-level field by name (exact), or undefined. */
export function fieldByName(schema: IcebergSchema, name: string): NestedField | undefined {
  return schema.fields.find((field) => field.name === name);
}

export function fieldById(schema: IcebergSchema, id: number): NestedField | undefined {
  return schema.fields.find((field) => field.id === id);
}

/** Selects top-level columns by name, keeping schema order; unknown names are an error listing the real ones. */
export function projectSchema(schema: IcebergSchema, columns: readonly string[] | undefined): NestedField[] {
  if (!columns) return schema.fields;
  const unknown = columns.filter((name) => !fieldByName(schema, name));
  if (unknown.length > 0) {
    throw new UnsupportedArchiveFeatureError(
      undefined,
      `unknown column(s) ${unknown.map((name) => `"${name}"`).join(", ")}; the table has ${schema.fields
        .map((field) => `"${field.name}"`)
        .join(", ")}`,
    );
  }
  return schema.fields.filter((field) => columns.includes(field.name));
}
