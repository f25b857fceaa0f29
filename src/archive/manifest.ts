// Manifest lists and manifests (spec "Manifests", "Manifest Lists"), v1 and v2, normalised to one
// shape. Data sequence numbers are inherited from the manifest where entries leave them null.
import { decodeAvroContainer } from "./avro.ts";
import { CorruptArchiveError } from "./errors.ts";
import type { Snapshot, TableMetadata } from "./metadata.ts";
import { tableKeyOf } from "./paths.ts";
import type { ObjectStore } from "./store/object-store.ts";

export const ManifestContent = { DATA: 0, DELETES: 1 } as const;
export const EntryStatus = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;
export const FileContent = { DATA: 0, POSITION_DELETES: 1, EQUALITY_DELETES: 2 } as const;

export interface PartitionFieldSummary {
  containsNull: boolean;
  containsNan: boolean | null;
  lowerBound: Uint8Array | null;
  upperBound: Uint8Array | null;
}

export interface ManifestFile {
  path: string;
  key: string;
  length: number;
  specId: number;
  content: number;
  sequenceNumber: number;
  minSequenceNumber: number;
  addedSnapshotId: bigint;
  partitions: PartitionFieldSummary[] | null;
  /** Live files and rows the manifest holds (added + existing), when the writer recorded them. */
  liveFiles: number | null;
  liveRows: number | null;
}

export interface ContentFile {
  content: number;
  /** Path as the writer recorded it. */
  path: string;
  /** Key relative to the table root. */
  key: string;
  format: string;
  specId: number;
  /** Partition values by partition field name, as stored (transform results). */
  partition: Record<string, unknown>;
  recordCount: number;
  fileSizeInBytes: number;
  valueCounts: Map<number, number>;
  nullValueCounts: Map<number, number>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
  equalityIds: number[] | null;
  splitOffsets: number[] | null;
  referencedDataFile: string | null;
  contentOffset: number | null;
  contentSizeInBytes: number | null;
}

export interface ManifestEntry {
  status: number;
  snapshotId: bigint | null;
  /** Data sequence number (inherited when null in the file). */
  sequenceNumber: number;
  fileSequenceNumber: number;
  file: ContentFile;
}

type AvroRecord = Record<string, unknown>;

export async function readManifestList(
  store: ObjectStore,
  metadata: TableMetadata,
  snapshot: Snapshot,
): Promise<ManifestFile[]> {
  const key = tableKeyOf(snapshot["manifest-list"], metadata.location);
  const file = `${store.root}/${key}`;
  const records = decodeAvroContainer(await store.read(key), file).records as AvroRecord[];
  return records.map((record) => {
    const path = requireField<string>(record, "manifest_path", file);
    const content = Number(record.content ?? ManifestContent.DATA);
    // v1 lists have no sequence numbers: everything is sequence 0.
    const sequenceNumber = Number(record.sequence_number ?? 0);
    return {
      path,
      key: tableKeyOf(path, metadata.location),
      length: Number(record.manifest_length ?? 0),
      specId: Number(record.partition_spec_id ?? 0),
      content,
      sequenceNumber,
      minSequenceNumber: Number(record.min_sequence_number ?? sequenceNumber),
      addedSnapshotId: BigInt((record.added_snapshot_id as bigint | undefined) ?? snapshot["snapshot-id"]),
      liveFiles: sumOrNull(
        record.added_files_count ?? record.added_data_files_count,
        record.existing_files_count ?? record.existing_data_files_count,
      ),
      liveRows: sumOrNull(record.added_rows_count, record.existing_rows_count),
      partitions:
        ((record.partitions as AvroRecord[] | null | undefined) ?? null)?.map((summary) => ({
          containsNull: Boolean(summary.contains_null),
          containsNan: (summary.contains_nan as boolean | null | undefined) ?? null,
          lowerBound: bytesOrNull(summary.lower_bound),
          upperBound: bytesOrNull(summary.upper_bound),
        })) ?? null,
    };
  });
}

/** All entries of a manifest, DELETED ones included (callers decide what is live). */
export async function readManifest(
  store: ObjectStore,
  metadata: TableMetadata,
  manifest: ManifestFile,
): Promise<ManifestEntry[]> {
  const file = `${store.root}/${manifest.key}`;
  const bytes = await store.read(manifest.key);
  if (manifest.length > 0 && bytes.length !== manifest.length) {
    throw new CorruptArchiveError(
      file,
      `is ${bytes.length} bytes but the manifest list says ${manifest.length}: truncated or replaced`,
    );
  }
  const { records: raw, metadata: avroMetadata } = decodeAvroContainer(bytes, file);
  const records = raw as AvroRecord[];
  const specId = Number(avroMetadata["partition-spec-id"] ?? manifest.specId);
  return records.map((record) => {
    const status = Number(requireField(record, "status", file));
    const dataFile = requireField<AvroRecord>(record, "data_file", file);
    const entrySequence = record.sequence_number as bigint | null | undefined;
    const fileSequence = record.file_sequence_number as bigint | null | undefined;
    // Spec: a null sequence number on an ADDED entry inherits the manifest's.
    const sequenceNumber = entrySequence == null ? manifest.sequenceNumber : Number(entrySequence);
    const path = requireField<string>(dataFile, "file_path", file);
    return {
      status,
      snapshotId: record.snapshot_id == null ? manifest.addedSnapshotId : BigInt(record.snapshot_id as bigint),
      sequenceNumber,
      fileSequenceNumber: fileSequence == null ? sequenceNumber : Number(fileSequence),
      file: {
        content: Number(dataFile.content ?? FileContent.DATA),
        path,
        key: tableKeyOf(path, metadata.location),
        format: String(dataFile.file_format ?? "PARQUET").toUpperCase(),
        specId,
        partition: (dataFile.partition as Record<string, unknown> | undefined) ?? {},
        recordCount: Number(requireField(dataFile, "record_count", file)),
        fileSizeInBytes: Number(dataFile.file_size_in_bytes ?? 0),
        valueCounts: numberMap(dataFile.value_counts),
        nullValueCounts: numberMap(dataFile.null_value_counts),
        lowerBounds: bytesMap(dataFile.lower_bounds),
        upperBounds: bytesMap(dataFile.upper_bounds),
        equalityIds: (dataFile.equality_ids as number[] | null | undefined) ?? null,
        splitOffsets: ((dataFile.split_offsets as bigint[] | null | undefined) ?? null)?.map(Number) ?? null,
        referencedDataFile: (dataFile.referenced_data_file as string | null | undefined) ?? null,
        contentOffset: dataFile.content_offset == null ? null : Number(dataFile.content_offset),
        contentSizeInBytes: dataFile.content_size_in_bytes == null ? null : Number(dataFile.content_size_in_bytes),
      },
    };
  });
}

function sumOrNull(a: unknown, b: unknown): number | null {
  return a == null || b == null ? null : Number(a) + Number(b);
}

function requireField<T>(record: AvroRecord, field: string, file: string): T {
  const value = record[field];
  if (value === undefined || value === null)
    throw new CorruptArchiveError(file, `an entry lacks the required field "${field}"`);
  return value as T;
}

function bytesOrNull(value: unknown): Uint8Array | null {
  return value == null ? null : new Uint8Array(value as Buffer);
}

/** Iceberg stores `map<int, T>` in Avro as an array of {key, value} records. */
function keyValueEntries(value: unknown): Array<{ key: number; value: unknown }> {
  if (value == null) return [];
  return (value as Array<{ key: number; value: unknown }>).map((entry) => ({
    key: Number(entry.key),
    value: entry.value,
  }));
}

function numberMap(value: unknown): Map<number, number> {
  return new Map(keyValueEntries(value).map(({ key, value: count }) => [key, Number(count)]));
}

function bytesMap(value: unknown): Map<number, Uint8Array> {
  return new Map(keyValueEntries(value).map(({ key, value: bytes }) => [key, new Uint8Array(bytes as Buffer)]));
}
