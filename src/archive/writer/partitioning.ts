// Partition values of rows being written, their directory names and their Avro form in manifests.
// The writer implements the `day` transform, the one the event archive is partitioned by.
import { UnsupportedArchiveFeatureError } from "../errors.ts";
import type { PartitionField, PartitionSpec } from "../metadata.ts";
import { fieldById, type IcebergSchema, type NestedField, type PrimitiveType } from "../schema.ts";

/** Partition tuple of a data file: partition field name → transformed value (days since 1970-01-01 for `day`). */
export type PartitionValues = Record<string, number | null>;

const MICROS_PER_DAY = 86_400_000_000;
const MS_PER_DAY = 86_400_000;
const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A row's partition, prepared once per spec: the source columns are looked up here, not per row. */
export interface RowPartitioner<Row extends object> {
  valuesOf(row: Row): PartitionValues;
  /** True when `row` belongs to the partition `values`, without building its partition tuple. */
  matches(row: Row, values: PartitionValues): boolean;
}

export function rowPartitioner<Row extends object>(spec: PartitionSpec, schema: IcebergSchema): RowPartitioner<Row> {
  const transforms = spec.fields.map((field) => {
    const source = sourceField(spec, field, schema);
    return { name: field.name, source: source.name };
  });
  const dayOf = (row: Row, source: string): number | null => {
    const value = (row as Record<string, unknown>)[source];
    return value === null || value === undefined ? null : dayFromEpochMicros(value as bigint | number);
  };
  return {
    valuesOf: (row) => Object.fromEntries(transforms.map(({ name, source }) => [name, dayOf(row, source)])),
    matches: (row, values) => transforms.every(({ name, source }) => dayOf(row, source) === values[name]),
  };
}

/** Days since 1970-01-01 (UTC) of a timestamp in epoch microseconds: Iceberg's `day` transform. */
export function dayFromEpochMicros(micros: bigint | number): number {
  return Math.floor(Number(micros) / MICROS_PER_DAY);
}

/** The data directory of a partition, Hive style: `occurred_at_day=2025-01-31`. */
export function partitionPath(spec: PartitionSpec, values: PartitionValues): string {
  return spec.fields
    .map((field) => {
      const value = values[field.name];
      const shown = value === null || value === undefined ? "null" : new Date(value * MS_PER_DAY).toISOString().slice(0, 10);
      return `${field.name}=${shown}`;
    })
    .join("/");
}

/** Iceberg type of `day` partition values, for their single-value bounds. */
export const PARTITION_VALUE_TYPE: PrimitiveType = "int";

/** The Avro fields of the manifest's `partition` record (field ids from the spec). */
export function partitionAvroFields(spec: PartitionSpec, schema: IcebergSchema): object[] {
  return spec.fields.map((field) => {
    sourceField(spec, field, schema);
    if (!AVRO_NAME.test(field.name)) {
      throw new UnsupportedArchiveFeatureError(undefined, `partition field "${field.name}" is not a valid Avro name`);
    }
    // Java and PyIceberg type `day` results as Avro dates; the value is the same int.
    return { name: field.name, type: ["null", { type: "int", logicalType: "date" }], default: null, "field-id": field["field-id"] };
  });
}

function sourceField(spec: PartitionSpec, field: PartitionField, schema: IcebergSchema): NestedField {
  if (field.transform !== "day") {
    throw new UnsupportedArchiveFeatureError(
      undefined,
      `partition spec ${spec["spec-id"]} uses the "${field.transform}" transform on "${field.name}"; the archive writer partitions by day only`,
    );
  }
  const source = fieldById(schema, field["source-id"]);
  if (!source || (source.type !== "timestamp" && source.type !== "timestamptz")) {
    throw new UnsupportedArchiveFeatureError(
      undefined,
      `partition field "${field.name}" needs a timestamp source column, but field ${field["source-id"]} is ${source ? `"${source.name}" (${String(source.type)})` : "not in the schema"}`,
    );
  }
  return source;
}
