// Iceberg v2 manifest lists (spec "Manifest Lists"): one `manifest_file` record per manifest of a
// snapshot. An append carries the parent's records forward unchanged and adds its own.
import { CorruptArchiveError, UnsupportedArchiveFeatureError } from "../errors.ts";
import { decodeAvroContainer, encodeAvroContainer } from "../avro.ts";
import type { FieldSummary } from "./manifest.ts";

export const MANIFEST_CONTENT_DATA = 0;

/** One manifest of a snapshot, in the manifest list's own field names. Longs read back as BigInt. */
export interface ManifestFileRecord {
  manifest_path: string;
  manifest_length: number | bigint;
  partition_spec_id: number;
  content: number;
  sequence_number: number | bigint;
  min_sequence_number: number | bigint;
  added_snapshot_id: bigint;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number | bigint;
  existing_rows_count: number | bigint;
  deleted_rows_count: number | bigint;
  partitions: FieldSummary[] | null;
  key_metadata: Uint8Array | null;
}

const MANIFEST_FILE_AVRO_SCHEMA = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", doc: "Location URI with FS scheme", "field-id": 500 },
    { name: "manifest_length", type: "long", doc: "Total file size in bytes", "field-id": 501 },
    { name: "partition_spec_id", type: "int", doc: "Spec ID used to write", "field-id": 502 },
    { name: "content", type: "int", doc: "Contents of the manifest: 0=data, 1=deletes", "field-id": 517 },
    { name: "sequence_number", type: "long", doc: "Sequence number when the manifest was added", "field-id": 515 },
    { name: "min_sequence_number", type: "long", doc: "Lowest sequence number in the manifest", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", doc: "Snapshot ID that added the manifest", "field-id": 503 },
    { name: "added_files_count", type: "int", doc: "Added entry count", "field-id": 504 },
    { name: "existing_files_count", type: "int", doc: "Existing entry count", "field-id": 505 },
    { name: "deleted_files_count", type: "int", doc: "Deleted entry count", "field-id": 506 },
    { name: "added_rows_count", type: "long", doc: "Added rows count", "field-id": 512 },
    { name: "existing_rows_count", type: "long", doc: "Existing rows count", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", doc: "Deleted rows count", "field-id": 514 },
    {
      name: "partitions",
      type: [
        "null",
        {
          type: "array",
          items: {
            type: "record",
            name: "r508",
            fields: [
              { name: "contains_null", type: "boolean", doc: "True if any file has a null partition value", "field-id": 509 },
              { name: "contains_nan", type: ["null", "boolean"], doc: "True if any file has a nan partition value", default: null, "field-id": 518 },
              { name: "lower_bound", type: ["null", "bytes"], doc: "Partition lower bound for all files", default: null, "field-id": 510 },
              { name: "upper_bound", type: ["null", "bytes"], doc: "Partition upper bound for all files", default: null, "field-id": 511 },
            ],
          },
          "element-id": 508,
        },
      ],
      doc: "Summary for each partition",
      default: null,
      "field-id": 507,
    },
    { name: "key_metadata", type: ["null", "bytes"], doc: "Encryption key metadata blob", default: null, "field-id": 519 },
  ],
};

export interface ManifestListInput {
  snapshotId: bigint;
  parentSnapshotId: bigint | undefined;
  sequenceNumber: number;
  manifests: readonly ManifestFileRecord[];
  syncMarker: Uint8Array;
}

export function encodeManifestList(input: ManifestListInput): Uint8Array {
  const metadata = {
    "snapshot-id": String(input.snapshotId),
    // Java writes the literal "null" for a first snapshot.
    "parent-snapshot-id": String(input.parentSnapshotId ?? null),
    "sequence-number": String(input.sequenceNumber),
    "format-version": "2",
  };
  const records = input.manifests.map((manifest) => ({
    ...manifest,
    partitions: manifest.partitions?.map((summary) => ({
      ...summary,
      lower_bound: summary.lower_bound && Buffer.from(summary.lower_bound),
      upper_bound: summary.upper_bound && Buffer.from(summary.upper_bound),
    })) ?? null,
    key_metadata: manifest.key_metadata && Buffer.from(manifest.key_metadata),
  }));
  return encodeAvroContainer(MANIFEST_FILE_AVRO_SCHEMA, records, metadata, input.syncMarker);
}

/** The manifests of a v2 manifest list, to carry them into the next snapshot. */
export function decodeManifestList(bytes: Uint8Array, file: string): ManifestFileRecord[] {
  return decodeAvroContainer(bytes, file).records.map((record, index) => {
    const manifest = record as Partial<ManifestFileRecord>;
    if (typeof manifest.manifest_path !== "string") {
      throw new CorruptArchiveError(file, `manifest list record ${index} has no manifest_path`);
    }
    if (manifest.sequence_number === undefined) {
      throw new UnsupportedArchiveFeatureError(
        file,
        "is a v1 manifest list (no sequence numbers); the writer appends only to tables whose current snapshot was written as v2",
      );
    }
    return manifest as ManifestFileRecord;
  });
}
