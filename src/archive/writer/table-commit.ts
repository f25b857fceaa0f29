// Creating a v2 table and committing appends to it, file-system-catalog style:
// `metadata/v{N}.metadata.json` plus `metadata/version-hint.text`.
//
// An append writes, in this order: data files (already written by the caller), its manifest, its
// manifest list, and last `v{N+1}.metadata.json` with a create-only put. Everything before that put
// has a fresh UUID name, so a crash leaves orphans, never a broken table; the create-only put is
// the commit point, so of two writers committing on the same version exactly one wins.
import { ArchiveError, ArchiveNotFoundError, CommitConflictError, CorruptArchiveError, UnsupportedArchiveFeatureError } from "../errors.ts";
import {
  currentSchema,
  currentSnapshot,
  parseTableMetadata,
  partitionSpecById,
  serializeTableMetadata,
  type PartitionSpec,
  type Snapshot,
  type TableMetadata,
} from "../metadata.ts";
import type { IcebergSchema } from "../schema.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { arrowSchemaFor } from "./arrow-schema.ts";
import { encodeManifest, partitionSummaries } from "./manifest.ts";
import { tableKeyOf } from "../paths.ts";
import { decodeManifestList, encodeManifestList, MANIFEST_CONTENT_DATA, type ManifestFileRecord } from "./manifest-list.ts";
import type { DataFile } from "./parquet-data-file.ts";
import { partitionAvroFields } from "./partitioning.ts";
import { resolveAppendSchema } from "./schema-evolution.ts";
import { randomWriterIds, uuidBytes, type WriterIds } from "./writer-ids.ts";

export const VERSION_HINT_KEY = "metadata/version-hint.text";

export function metadataKey(version: number): string {
  return `metadata/v${version}.metadata.json`;
}

export interface SortOrder {
  "order-id": number;
  fields: Array<{ transform: string; "source-id": number; direction: "asc" | "desc"; "null-order": "nulls-first" | "nulls-last" }>;
}

/** A table as a writer sees it: the metadata it will build on and the version that metadata is. */
export interface WritableTable {
  metadata: TableMetadata;
  version: number;
}

export interface NewTable {
  schema: IcebergSchema;
  partitionSpec: PartitionSpec;
  sortOrder?: SortOrder;
  properties?: Record<string, string>;
  /** Location written into the metadata; the store's root by default. */
  location?: string;
}

export async function createTable(store: ObjectStore, table: NewTable, ids: WriterIds = randomWriterIds): Promise<WritableTable> {
  const existing = (await store.list("metadata/")).filter((key) => key.endsWith(".metadata.json"));
  if (existing.length > 0) {
    throw new ArchiveError(store.root, `already holds an Iceberg table (${existing.join(", ")}); append to it instead`);
  }
  // Fail now, not at the first append, on a column type or partition transform the writer cannot write.
  arrowSchemaFor(table.schema);
  partitionAvroFields(table.partitionSpec, table.schema);
  const now = ids.nowMs();
  const metadata: TableMetadata = {
    "format-version": 2,
    "table-uuid": ids.newUuid(),
    location: (table.location ?? store.root).replace(/\/+$/, ""),
    "last-sequence-number": 0,
    "last-updated-ms": now,
    "last-column-id": Math.max(0, ...table.schema.fields.map((field) => field.id)),
    "current-schema-id": 0,
    schemas: [{ ...table.schema, type: "struct", "schema-id": 0 }],
    "default-spec-id": table.partitionSpec["spec-id"],
    "partition-specs": [table.partitionSpec],
    "last-partition-id": Math.max(999, ...table.partitionSpec.fields.map((field) => field["field-id"])),
    "default-sort-order-id": table.sortOrder?.["order-id"] ?? 0,
    "sort-orders": [{ "order-id": 0, fields: [] }, ...(table.sortOrder ? [table.sortOrder] : [])],
    properties: { "write.format.default": "parquet", "write.parquet.compression-codec": "zstd", ...table.properties },
    refs: {},
    snapshots: [],
    "snapshot-log": [],
    "metadata-log": [],
  };
  await store.create(metadataKey(1), new TextEncoder().encode(serializeTableMetadata(metadata)));
  await store.put(VERSION_HINT_KEY, new TextEncoder().encode("1"));
  return { metadata, version: 1 };
}

/** The newest committed metadata: from the version hint, then on past versions the hint does not know yet. */
export async function loadTableForWrite(store: ObjectStore): Promise<WritableTable> {
  let version = await readVersionHint(store);
  while (await exists(store, metadataKey(version + 1))) version++;
  if (version === 0) {
    throw new ArchiveNotFoundError(`${store.root}/metadata`, "holds no Iceberg table (no version-hint.text, no v1.metadata.json)");
  }
  const key = metadataKey(version);
  const metadata = parseTableMetadata(new TextDecoder().decode(await store.read(key)), `${store.root}/${key}`);
  return { metadata, version };
}

export interface Append {
  dataFiles: readonly DataFile[];
  /** The schema the files were written with; the table's current schema by default. */
  schema?: IcebergSchema;
}

export interface AppendResult {
  /** The table after the commit, ready for the next append. */
  table: WritableTable;
  snapshot: Snapshot;
  manifestKey: string;
  manifestListKey: string;
  metadataKey: string;
  dataFiles: readonly DataFile[];
}

/**
 * Commits `append` as a new snapshot on top of `table`. CommitConflictError when another writer
 * committed version N+1 first: nothing of theirs is touched, this append's manifests are removed,
 * and its data files stay for a retry on the reloaded table.
 */
export async function commitAppend(
  store: ObjectStore,
  table: WritableTable,
  append: Append,
  ids: WriterIds = randomWriterIds,
): Promise<AppendResult> {
  const base = table.metadata;
  if (base["format-version"] !== 2) {
    throw new UnsupportedArchiveFeatureError(
      `${store.root}/${metadataKey(table.version)}`,
      `is format-version ${base["format-version"]}; the writer appends to format-version 2 tables`,
    );
  }
  if (append.dataFiles.length === 0) throw new ArchiveError(store.root, "an append needs at least one data file");
  const { schema, isNew } = resolveAppendSchema(base, append.schema ?? currentSchema(base));
  const spec = partitionSpecById(base, base["default-spec-id"]);

  const parent = currentSnapshot(base);
  const snapshotId = newSnapshotId(base, ids);
  const sequenceNumber = base["last-sequence-number"] + 1;
  const commitUuid = ids.newUuid();
  const location = base.location;
  const manifestKey = `metadata/${commitUuid}-m0.avro`;
  const manifestListKey = `metadata/snap-${snapshotId}-1-${commitUuid}.avro`;
  const nextVersion = table.version + 1;
  const nextMetadataKey = metadataKey(nextVersion);

  const manifest = encodeManifest({ schema, spec, snapshotId, dataFiles: append.dataFiles, syncMarker: uuidBytes(ids.newUuid()) });
  await store.create(manifestKey, manifest);
  const addedRecords = append.dataFiles.reduce((sum, file) => sum + file.recordCount, 0);
  const newManifest: ManifestFileRecord = {
    manifest_path: `${location}/${manifestKey}`,
    manifest_length: manifest.length,
    partition_spec_id: spec["spec-id"],
    content: MANIFEST_CONTENT_DATA,
    sequence_number: sequenceNumber,
    min_sequence_number: sequenceNumber,
    added_snapshot_id: snapshotId,
    added_files_count: append.dataFiles.length,
    existing_files_count: 0,
    deleted_files_count: 0,
    added_rows_count: addedRecords,
    existing_rows_count: 0,
    deleted_rows_count: 0,
    partitions: partitionSummaries(spec, append.dataFiles),
    key_metadata: null,
  };
  const carried = parent ? await readManifestList(store, location, parent) : [];
  await store.create(
    manifestListKey,
    encodeManifestList({
      snapshotId,
      parentSnapshotId: parent?.["snapshot-id"],
      sequenceNumber,
      manifests: [newManifest, ...carried],
      syncMarker: uuidBytes(ids.newUuid()),
    }),
  );

  // The snapshot log must not run backwards, or "as of" time travel would pick the wrong snapshot.
  const timestampMs = Math.max(ids.nowMs(), base["last-updated-ms"]);
  const snapshot: Snapshot = {
    "sequence-number": sequenceNumber,
    "snapshot-id": snapshotId,
    ...(parent ? { "parent-snapshot-id": parent["snapshot-id"] } : {}),
    "timestamp-ms": timestampMs,
    summary: appendSummary(parent, append.dataFiles),
    "manifest-list": `${location}/${manifestListKey}`,
    "schema-id": schema["schema-id"],
  };
  const metadata: TableMetadata = {
    ...base,
    "last-sequence-number": sequenceNumber,
    "last-updated-ms": timestampMs,
    "last-column-id": Math.max(base["last-column-id"], ...schema.fields.map((field) => field.id)),
    schemas: isNew ? [...base.schemas, schema] : base.schemas,
    "current-schema-id": schema["schema-id"],
    "current-snapshot-id": snapshotId,
    refs: { ...base.refs, main: { "snapshot-id": snapshotId, type: "branch" } },
    snapshots: [...base.snapshots, snapshot],
    "snapshot-log": [...base["snapshot-log"], { "timestamp-ms": timestampMs, "snapshot-id": snapshotId }],
    "metadata-log": [
      ...base["metadata-log"],
      { "timestamp-ms": base["last-updated-ms"], "metadata-file": `${location}/${metadataKey(table.version)}` },
    ],
  };

  try {
    await store.create(nextMetadataKey, new TextEncoder().encode(serializeTableMetadata(metadata)));
  } catch (error) {
    if (!(error instanceof CommitConflictError)) throw error;
    await Promise.allSettled([store.delete(manifestListKey), store.delete(manifestKey)]);
    throw new CommitConflictError(
      `${store.root}/${nextMetadataKey}`,
      `another writer committed table version ${nextVersion} first; this append of ${addedRecords} rows in ` +
        `${plural(append.dataFiles.length, "data file")} was not committed. Reload the table and commit its data files again.`,
      { cause: error },
    );
  }
  await store.put(VERSION_HINT_KEY, new TextEncoder().encode(String(nextVersion)));
  return {
    table: { metadata, version: nextVersion },
    snapshot,
    manifestKey,
    manifestListKey,
    metadataKey: nextMetadataKey,
    dataFiles: append.dataFiles,
  };
}

function newSnapshotId(metadata: TableMetadata, ids: WriterIds): bigint {
  const taken = new Set(metadata.snapshots.map((snapshot) => snapshot["snapshot-id"]));
  let id = ids.newSnapshotId();
  while (taken.has(id)) id = ids.newSnapshotId();
  return id;
}

async function readManifestList(store: ObjectStore, location: string, snapshot: Snapshot): Promise<ManifestFileRecord[]> {
  const path = snapshot["manifest-list"];
  return decodeManifestList(await store.read(tableKeyOf(path, location)), path);
}

/** Java's append summary: what this snapshot added and the running totals. */
function appendSummary(parent: Snapshot | undefined, dataFiles: readonly DataFile[]): Snapshot["summary"] {
  const added = {
    "data-files": dataFiles.length,
    records: dataFiles.reduce((sum, file) => sum + file.recordCount, 0),
    "files-size": dataFiles.reduce((sum, file) => sum + file.fileSizeInBytes, 0),
  };
  const summary: Snapshot["summary"] = {
    operation: "append",
    "added-data-files": String(added["data-files"]),
    "added-records": String(added.records),
    "added-files-size": String(added["files-size"]),
    "changed-partition-count": String(new Set(dataFiles.map((file) => JSON.stringify(file.partition))).size),
  };
  const previousTotal = (name: string): number | undefined => {
    if (!parent) return 0;
    const value = parent.summary[`total-${name}`];
    return value === undefined ? undefined : Number(value);
  };
  for (const [name, amount] of Object.entries(added)) {
    const previous = previousTotal(name);
    if (previous !== undefined) summary[`total-${name}`] = String(previous + amount);
  }
  for (const name of ["delete-files", "position-deletes", "equality-deletes"]) {
    const previous = previousTotal(name);
    if (previous !== undefined) summary[`total-${name}`] = String(previous);
  }
  return summary;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

async function readVersionHint(store: ObjectStore): Promise<number> {
  let text: string;
  try {
    text = new TextDecoder().decode(await store.read(VERSION_HINT_KEY)).trim();
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return 0;
    throw error;
  }
  if (!/^\d+$/.test(text)) throw new CorruptArchiveError(`${store.root}/${VERSION_HINT_KEY}`, `should hold a version number, holds "${text}"`);
  return Number(text);
}

async function exists(store: ObjectStore, key: string): Promise<boolean> {
  try {
    await store.size(key);
    return true;
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return false;
    throw error;
  }
}
