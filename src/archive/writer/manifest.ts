// Iceberg v2 manifest files (spec "Manifests"): one `manifest_entry` per data file added by a
// snapshot. The Avro schema has the spec's v2 `data_file` fields with the ids and record names
// Iceberg Java writes, and a `partition` record built from the table's partition spec.
import { ArchiveError } from "../errors.ts";
import type { PartitionSpec } from "../metadata.ts";
import type { IcebergSchema } from "../schema.ts";
import { encodeSingleValue } from "../single-value.ts";
import { encodeAvroContainer } from "../avro.ts";
import type { DataFile } from "./parquet-data-file.ts";
import { PARTITION_VALUE_TYPE, partitionAvroFields, type PartitionValues } from "./partitioning.ts";

const ENTRY_STATUS_ADDED = 1;
const CONTENT_DATA = 0;

/** Iceberg's `map<int, V>` in Avro: an array of key/value records carrying the key and value field ids. */
function intMapField(name: string, fieldId: number, keyId: number, valueId: number, value: "long" | "bytes", doc: string) {
  return {
    name,
    type: [
      "null",
      {
        type: "array",
        items: {
          type: "record",
          name: `k${keyId}_v${valueId}`,
          fields: [
            { name: "key", type: "int", "field-id": keyId },
            { name: "value", type: value, "field-id": valueId },
          ],
        },
        logicalType: "map",
      },
    ],
    doc,
    default: null,
    "field-id": fieldId,
  };
}

function optionalListField(name: string, fieldId: number, elementId: number, element: "long" | "int", doc: string) {
  return { name, type: ["null", { type: "array", items: element, "element-id": elementId }], doc, default: null, "field-id": fieldId };
}

function optionalField(name: string, fieldId: number, type: string, doc: string) {
  return { name, type: ["null", type], doc, default: null, "field-id": fieldId };
}

function manifestEntryAvroSchema(spec: PartitionSpec, schema: IcebergSchema) {
  return {
    type: "record",
    name: "manifest_entry",
    fields: [
      { name: "status", type: "int", "field-id": 0 },
      { name: "snapshot_id", type: ["null", "long"], default: null, "field-id": 1 },
      { name: "sequence_number", type: ["null", "long"], default: null, "field-id": 3 },
      { name: "file_sequence_number", type: ["null", "long"], default: null, "field-id": 4 },
      {
        name: "data_file",
        type: {
          type: "record",
          name: "r2",
          fields: [
            { name: "content", type: "int", doc: "Contents of the file: 0=data, 1=position deletes, 2=equality deletes", "field-id": 134 },
            { name: "file_path", type: "string", doc: "Location URI with FS scheme", "field-id": 100 },
            { name: "file_format", type: "string", doc: "File format name: avro, orc, or parquet", "field-id": 101 },
            {
              name: "partition",
              type: { type: "record", name: "r102", fields: partitionAvroFields(spec, schema) },
              doc: "Partition data tuple, schema based on the partition spec",
              "field-id": 102,
            },
            { name: "record_count", type: "long", doc: "Number of records in the file", "field-id": 103 },
            { name: "file_size_in_bytes", type: "long", doc: "Total file size in bytes", "field-id": 104 },
            intMapField("column_sizes", 108, 117, 118, "long", "Map of column id to total size on disk"),
            intMapField("value_counts", 109, 119, 120, "long", "Map of column id to total count, including null and NaN"),
            intMapField("null_value_counts", 110, 121, 122, "long", "Map of column id to null value count"),
            intMapField("nan_value_counts", 137, 138, 139, "long", "Map of column id to number of NaN values in the column"),
            intMapField("lower_bounds", 125, 126, 127, "bytes", "Map of column id to lower bound"),
            intMapField("upper_bounds", 128, 129, 130, "bytes", "Map of column id to upper bound"),
            optionalField("key_metadata", 131, "bytes", "Encryption key metadata blob"),
            optionalListField("split_offsets", 132, 133, "long", "Splittable offsets"),
            optionalListField("equality_ids", 135, 136, "int", "Equality comparison field IDs"),
            optionalField("sort_order_id", 140, "int", "Sort order ID"),
          ],
        },
        "field-id": 2,
      },
    ],
  };
}

export interface ManifestInput {
  /** The table schema the files were written with. */
  schema: IcebergSchema;
  spec: PartitionSpec;
  snapshotId: bigint;
  dataFiles: readonly DataFile[];
  syncMarker: Uint8Array;
  /**
   * The files' data sequence number when it is not the snapshot's own: a rewrite keeps that of the
   * snapshot it read, so deletes committed after it still apply to the rewritten rows.
   */
  dataSequenceNumber?: number;
}

/** A manifest listing `dataFiles` as added by `snapshotId`; their sequence numbers are inherited from the manifest list unless given. */
export function encodeManifest(input: ManifestInput): Uint8Array {
  const partitionNames = input.spec.fields.map((field) => field.name).sort().join(",");
  const entries = input.dataFiles.map((file) => {
    const names = Object.keys(file.partition).sort().join(",");
    if (names !== partitionNames) {
      throw new ArchiveError(file.path, `has partition fields [${names}], but spec ${input.spec["spec-id"]} has [${partitionNames}]`);
    }
    return {
      status: ENTRY_STATUS_ADDED,
      snapshot_id: input.snapshotId,
      sequence_number: input.dataSequenceNumber ?? null,
      file_sequence_number: null,
      data_file: {
        content: CONTENT_DATA,
        file_path: file.path,
        file_format: "PARQUET",
        partition: file.partition,
        record_count: file.recordCount,
        file_size_in_bytes: file.fileSizeInBytes,
        column_sizes: mapEntries(file.columnSizes),
        value_counts: mapEntries(file.valueCounts),
        null_value_counts: mapEntries(file.nullValueCounts),
        nan_value_counts: mapEntries(file.nanValueCounts),
        lower_bounds: mapEntries(file.lowerBounds, Buffer.from),
        upper_bounds: mapEntries(file.upperBounds, Buffer.from),
        key_metadata: null,
        split_offsets: file.splitOffsets,
        equality_ids: null,
        sort_order_id: file.sortOrderId ?? null,
      },
    };
  });
  const metadata = {
    schema: JSON.stringify(input.schema),
    "schema-id": String(input.schema["schema-id"]),
    "partition-spec": JSON.stringify(input.spec.fields),
    "partition-spec-id": String(input.spec["spec-id"]),
    "format-version": "2",
    content: "data",
  };
  return encodeAvroContainer(manifestEntryAvroSchema(input.spec, input.schema), entries, metadata, input.syncMarker);
}

/** The manifest list's per-field partition summary over `dataFiles` (spec "Manifest Lists", field_summary). */
export function partitionSummaries(spec: PartitionSpec, dataFiles: ReadonlyArray<{ partition: PartitionValues }>): FieldSummary[] {
  return spec.fields.map((field) => {
    const values = dataFiles.map((file) => file.partition[field.name]);
    const present = values.filter((value): value is number => value !== null && value !== undefined);
    return {
      contains_null: present.length < values.length,
      contains_nan: false,
      lower_bound: present.length > 0 ? Buffer.from(encodeSingleValue(PARTITION_VALUE_TYPE, Math.min(...present))) : null,
      upper_bound: present.length > 0 ? Buffer.from(encodeSingleValue(PARTITION_VALUE_TYPE, Math.max(...present))) : null,
    };
  });
}

export interface FieldSummary {
  contains_null: boolean;
  contains_nan: boolean | null;
  lower_bound: Uint8Array | null;
  upper_bound: Uint8Array | null;
}

function mapEntries<V, W = V>(map: Map<number, V>, convert?: (value: V) => W): Array<{ key: number; value: V | W }> {
  return [...map].map(([key, value]) => ({ key, value: convert ? convert(value) : value }));
}
