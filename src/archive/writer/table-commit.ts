// Creating a v2 table and committing appends to it, file-system-catalog style:
// `metadata/v{N}.metadata.json` plus `metadata/version-hint.text`.
//
// An append writes, in this order: data files (already written by the caller), its manifest, its
// manifest list, and last `v{N+1}.metadata.json` with a create-only put. Everything before that put
// has a fresh UUID name, so a crash leaves orphans, never a broken table; the create-only put is
// the commit point, so of two writers committing on the same version exactly one wins.
import {
  ArchiveError,
  ArchiveNotFoundError,
  CommitConflictError,
  CommitOutcomeUnknownError,
  CorruptArchiveError,
  UnsupportedArchiveFeatureError,
} from "../errors.ts";
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
import { highestFieldId, type IcebergSchema } from "../schema.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { arrowSchemaFor } from "./arrow-schema.ts";
import { encodeManifest, partitionSummaries } from "./manifest.ts";
import { tableKeyOf } from "../paths.ts";
import {
  decodeManifestList,
  encodeManifestList,
  MANIFEST_CONTENT_DATA,
  type ManifestFileRecord,
} from "./manifest-list.ts";
import type { DataFile } from "./parquet-data-file.ts";
import { partitionAvroFields } from "./partitioning.ts";
import { resolveAppendSchema, type AppendSchema } from "./schema-evolution.ts";
import { randomWriterIds, uuidBytes, type WriterIds } from "./writer-ids.ts";

export const VERSION_HINT_KEY = "metadata/version-hint.text";

export function metadataKey(version: number): string {
  return `metadata/v${version}.metadata.json`;
}

export interface SortOrder {
  "order-id": number;
  fields: Array<{
    transform: string;
    "source-id": number;
    direction: "asc" | "desc";
    "null-order": "nulls-first" | "nulls-last";
  }>;
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

export async function createTable(
  store: ObjectStore,
  table: NewTable,
  ids: WriterIds = randomWriterIds,
): Promise<WritableTable> {
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
    "last-column-id": highestFieldId(table.schema),
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
  // Without a hint, the highest version listed: the oldest versions may have been cleaned up.
  let version = (await readVersionHint(store)) || (await highestListedVersion(store));
  while (await exists(store, metadataKey(version + 1))) version++;
  if (version === 0) {
    throw new ArchiveNotFoundError(
      `${store.root}/metadata`,
      "holds no Iceberg table (no version-hint.text, no v1.metadata.json)",
    );
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
  requireWritableFormat(store, table);
  if (append.dataFiles.length === 0) throw new ArchiveError(store.root, "an append needs at least one data file");
  const resolved = resolveAppendSchema(base, append.schema ?? currentSchema(base));
  const spec = partitionSpecById(base, base["default-spec-id"]);
  const addedRecords = append.dataFiles.reduce((sum, file) => sum + file.recordCount, 0);
  let manifestKey = "";
  const committed = await commitSnapshot(store, table, ids, {
    operation: "append",
    schema: resolved,
    notCommitted:
      `this append of ${addedRecords} rows in ${plural(append.dataFiles.length, "data file")} was not committed. ` +
      "Reload the table and commit its data files again.",
    async manifests(context) {
      manifestKey = context.manifestKey(0);
      const newManifest = await context.writeManifest(
        manifestKey,
        encodeManifest({
          schema: resolved.schema,
          spec,
          snapshotId: context.snapshotId,
          dataFiles: append.dataFiles,
          syncMarker: context.syncMarker(),
        }),
        {
          partition_spec_id: spec["spec-id"],
          content: MANIFEST_CONTENT_DATA,
          min_sequence_number: context.sequenceNumber,
          added_files_count: append.dataFiles.length,
          existing_files_count: 0,
          deleted_files_count: 0,
          added_rows_count: addedRecords,
          existing_rows_count: 0,
          deleted_rows_count: 0,
          partitions: partitionSummaries(spec, append.dataFiles),
        },
      );
      return [newManifest, ...carriedManifests(context.parentManifests)];
    },
    summary: (parent) =>
      snapshotSummary("append", parent, {
        addedDataFiles: append.dataFiles.length,
        addedRecords,
        addedFilesSize: append.dataFiles.reduce((sum, file) => sum + file.fileSizeInBytes, 0),
        changedPartitions: new Set(append.dataFiles.map((file) => JSON.stringify(file.partition))).size,
      }),
  });
  return { ...committed, manifestKey, dataFiles: append.dataFiles };
}

/** What a snapshot commit gives the code that writes its manifests. */
export interface SnapshotContext {
  snapshotId: bigint;
  sequenceNumber: number;
  parent: Snapshot | undefined;
  /** The parent snapshot's manifests as its manifest list records them; empty for a first snapshot. */
  parentManifests: readonly ManifestFileRecord[];
  /** Key of this commit's `index`-th manifest (`metadata/{commit-uuid}-m{index}.avro`, as Java names them). */
  manifestKey(index: number): string;
  /** A fresh Avro sync marker. */
  syncMarker(): Uint8Array;
  /**
   * Stores a manifest of this commit (removed again if the commit loses) and returns its manifest
   * list record: path, length, snapshot and sequence number are filled in here.
   */
  writeManifest(key: string, bytes: Uint8Array, record: ManifestCounts): Promise<ManifestFileRecord>;
}

/** The parts of a manifest list record that depend on the manifest's content. */
export type ManifestCounts = Omit<
  ManifestFileRecord,
  "manifest_path" | "manifest_length" | "sequence_number" | "added_snapshot_id" | "key_metadata"
>;

/** One kind of snapshot commit: its operation, schema, manifests and summary. */
export interface SnapshotProducer {
  operation: string;
  /** The schema the snapshot's new files were written with, and whether the table gains it. */
  schema: AppendSchema;
  /** Writes the snapshot's own manifests and returns every manifest of the snapshot, its own first. */
  manifests(context: SnapshotContext): Promise<ManifestFileRecord[]>;
  summary(parent: Snapshot | undefined): Snapshot["summary"];
  /** Completes the conflict message: what was not committed and what to do about it. */
  notCommitted: string;
}

export interface SnapshotCommit {
  table: WritableTable;
  snapshot: Snapshot;
  manifestListKey: string;
  metadataKey: string;
}

/**
 * The commit protocol every snapshot goes through: manifests, manifest list, then the next metadata
 * version with a create-only put. Of two writers on the same version exactly one wins; the loser's
 * manifests and list are removed and it gets CommitConflictError.
 */
export async function commitSnapshot(
  store: ObjectStore,
  table: WritableTable,
  ids: WriterIds,
  producer: SnapshotProducer,
): Promise<SnapshotCommit> {
  requireWritableFormat(store, table);
  const base = table.metadata;
  const { schema, isNew } = producer.schema;
  const parent = currentSnapshot(base);
  const snapshotId = newSnapshotId(base, ids);
  const sequenceNumber = base["last-sequence-number"] + 1;
  const commitUuid = ids.newUuid();
  const location = base.location;
  const manifestListKey = `metadata/snap-${snapshotId}-1-${commitUuid}.avro`;
  const written: string[] = [];
  const cleanUp = () => Promise.allSettled(written.map((key) => store.delete(key)));

  let manifests: ManifestFileRecord[];
  try {
    manifests = await producer.manifests({
      snapshotId,
      sequenceNumber,
      parent,
      parentManifests: parent ? await readManifestList(store, location, parent) : [],
      manifestKey: (index) => `metadata/${commitUuid}-m${index}.avro`,
      syncMarker: () => uuidBytes(ids.newUuid()),
      async writeManifest(key, bytes, record) {
        written.push(key);
        await store.create(key, bytes);
        return {
          manifest_path: `${location}/${key}`,
          manifest_length: bytes.length,
          sequence_number: sequenceNumber,
          added_snapshot_id: snapshotId,
          key_metadata: null,
          ...record,
        };
      },
    });
    written.push(manifestListKey);
    await store.create(
      manifestListKey,
      encodeManifestList({
        snapshotId,
        parentSnapshotId: parent?.["snapshot-id"],
        sequenceNumber,
        manifests,
        syncMarker: uuidBytes(ids.newUuid()),
      }),
    );
  } catch (error) {
    // A name clash with another writer's manifest is a conflict too; anything else is left for orphan cleanup.
    if (error instanceof CommitConflictError) await cleanUp();
    throw error;
  }

  // The snapshot log must not run backwards, or "as of" time travel would pick the wrong snapshot.
  const timestampMs = Math.max(ids.nowMs(), base["last-updated-ms"]);
  const snapshot: Snapshot = {
    "sequence-number": sequenceNumber,
    "snapshot-id": snapshotId,
    ...(parent ? { "parent-snapshot-id": parent["snapshot-id"] } : {}),
    "timestamp-ms": timestampMs,
    summary: producer.summary(parent),
    "manifest-list": `${location}/${manifestListKey}`,
    "schema-id": schema["schema-id"],
  };
  const metadata: TableMetadata = {
    ...base,
    "last-sequence-number": sequenceNumber,
    "last-updated-ms": timestampMs,
    "last-column-id": Math.max(base["last-column-id"], highestFieldId(schema)),
    schemas: isNew ? [...base.schemas, schema] : base.schemas,
    "current-schema-id": schema["schema-id"],
    "current-snapshot-id": snapshotId,
    refs: { ...base.refs, main: { "snapshot-id": snapshotId, type: "branch" } },
    snapshots: [...base.snapshots, snapshot],
    "snapshot-log": [...base["snapshot-log"], { "timestamp-ms": timestampMs, "snapshot-id": snapshotId }],
    "metadata-log": withPreviousMetadata(table),
  };
  const next = await commitTableMetadata(store, table, metadata, { notCommitted: producer.notCommitted, cleanUp });
  return { table: next, snapshot, manifestListKey, metadataKey: metadataKey(next.version) };
}

/** The metadata log of the version after `table`: the one it was read from appended. */
export function withPreviousMetadata(table: WritableTable): TableMetadata["metadata-log"] {
  const base = table.metadata;
  return [
    ...base["metadata-log"],
    { "timestamp-ms": base["last-updated-ms"], "metadata-file": `${base.location}/${metadataKey(table.version)}` },
  ];
}

export interface MetadataCommitOptions {
  /** Completes the conflict message: what was not committed and what to do about it. */
  notCommitted: string;
  /** Undoes what the losing commit wrote before its metadata (its manifests). */
  cleanUp?: () => Promise<unknown>;
}

/**
 * Writes `metadata` as the version after `table` with a create-only put (the commit point), then
 * moves the version hint. CommitConflictError when another writer took that version first.
 */
export async function commitTableMetadata(
  store: ObjectStore,
  table: WritableTable,
  metadata: TableMetadata,
  options: MetadataCommitOptions,
): Promise<WritableTable> {
  const nextVersion = table.version + 1;
  const nextMetadataKey = metadataKey(nextVersion);
  const bytes = new TextEncoder().encode(serializeTableMetadata(metadata));
  try {
    await store.create(nextMetadataKey, bytes);
  } catch (error) {
    if (!(error instanceof CommitConflictError)) throw error;
    // A retried put whose first attempt did land answers "exists" too: then the version is ours.
    if (!(await holdsBytes(store, nextMetadataKey, bytes))) {
      await options.cleanUp?.();
      throw new CommitConflictError(
        `${store.root}/${nextMetadataKey}`,
        `another writer committed table version ${nextVersion} first; ${options.notCommitted}`,
        { cause: error },
      );
    }
  }
  await store.put(VERSION_HINT_KEY, new TextEncoder().encode(String(nextVersion)));
  return { metadata, version: nextVersion };
}

/**
 * Points the version hint at `table` when it lags behind (a commit whose hint put never happened):
 * readers that trust the hint see that version from then on.
 */
export async function moveVersionHintUpTo(store: ObjectStore, table: WritableTable): Promise<void> {
  if ((await readVersionHint(store)) < table.version) {
    await store.put(VERSION_HINT_KEY, new TextEncoder().encode(String(table.version)));
  }
}

/**
 * Whether `key` holds exactly `bytes`. Only a successful read answers false: when the read fails the
 * version may be this commit's own, referencing the manifests a conflict would clean up.
 */
async function holdsBytes(store: ObjectStore, key: string, bytes: Uint8Array): Promise<boolean> {
  let existing: Uint8Array;
  try {
    existing = await store.read(key);
  } catch (error) {
    throw new CommitOutcomeUnknownError(
      `${store.root}/${key}`,
      `exists, but reading it back to tell whether it is this commit failed (${(error as Error).message}); ` +
        "this commit may have landed, so nothing it wrote was removed. Reload the table and check for its snapshot before committing again.",
      { cause: error },
    );
  }
  return existing.length === bytes.length && existing.every((byte, index) => byte === bytes[index]);
}

/** A metadata-only commit (no new snapshot) that sets table properties. */
export async function setTableProperties(
  store: ObjectStore,
  table: WritableTable,
  properties: Record<string, string>,
  ids: WriterIds = randomWriterIds,
): Promise<WritableTable> {
  requireWritableFormat(store, table);
  const base = table.metadata;
  const metadata: TableMetadata = {
    ...base,
    "last-updated-ms": Math.max(ids.nowMs(), base["last-updated-ms"]),
    properties: { ...base.properties, ...properties },
    "metadata-log": withPreviousMetadata(table),
  };
  return commitTableMetadata(store, table, metadata, {
    notCommitted: `setting the table properties ${Object.keys(properties).join(", ")} was not committed. Reload the table and set them again.`,
  });
}

export function requireWritableFormat(store: ObjectStore, table: WritableTable): void {
  const version = table.metadata["format-version"];
  if (version !== 2) {
    throw new UnsupportedArchiveFeatureError(
      `${store.root}/${metadataKey(table.version)}`,
      `is format-version ${version}; the writer commits to format-version 2 tables`,
    );
  }
}

/**
 * The parent's manifests a new snapshot keeps: all but those left with no live file. DELETED
 * entries only matter to the snapshot that deleted them (spec "Manifests"), so a manifest that
 * holds nothing else is dropped by the next commit.
 */
export function carriedManifests(parentManifests: readonly ManifestFileRecord[]): ManifestFileRecord[] {
  return parentManifests.filter(
    (manifest) => manifest.added_files_count + manifest.existing_files_count > 0 || manifest.deleted_files_count === 0,
  );
}

function newSnapshotId(metadata: TableMetadata, ids: WriterIds): bigint {
  const taken = new Set(metadata.snapshots.map((snapshot) => snapshot["snapshot-id"]));
  let id = ids.newSnapshotId();
  while (taken.has(id)) id = ids.newSnapshotId();
  return id;
}

async function readManifestList(
  store: ObjectStore,
  location: string,
  snapshot: Snapshot,
): Promise<ManifestFileRecord[]> {
  const path = snapshot["manifest-list"];
  return decodeManifestList(await store.read(tableKeyOf(path, location)), path);
}

/** What a snapshot changed, for its summary; absent counts are zero. */
export interface SnapshotDelta {
  addedDataFiles?: number;
  addedRecords?: number;
  addedFilesSize?: number;
  deletedDataFiles?: number;
  deletedRecords?: number;
  removedFilesSize?: number;
  removedDeleteFiles?: number;
  removedPositionDeleteFiles?: number;
  removedEqualityDeleteFiles?: number;
  removedPositionDeletes?: number;
  removedEqualityDeletes?: number;
  changedPartitions: number;
}

/** Java's snapshot summary: what this snapshot changed and the running totals (kept only while the parent has them). */
export function snapshotSummary(
  operation: string,
  parent: Snapshot | undefined,
  delta: SnapshotDelta,
): Snapshot["summary"] {
  const count = (value: number | undefined) => value ?? 0;
  const summary: Snapshot["summary"] = { operation };
  const changes: Array<[string, number | undefined]> = [
    ["added-data-files", delta.addedDataFiles],
    ["deleted-data-files", delta.deletedDataFiles],
    ["added-records", delta.addedRecords],
    ["deleted-records", delta.deletedRecords],
    ["added-files-size", delta.addedFilesSize],
    ["removed-files-size", delta.removedFilesSize],
    ["removed-delete-files", delta.removedDeleteFiles],
    ["removed-position-delete-files", delta.removedPositionDeleteFiles],
    ["removed-equality-delete-files", delta.removedEqualityDeleteFiles],
    ["removed-position-deletes", delta.removedPositionDeletes],
    ["removed-equality-deletes", delta.removedEqualityDeletes],
  ];
  // Additions are always recorded (as Java does for an append); removals only when there are some.
  for (const [name, value] of changes) {
    if (value !== undefined && (value !== 0 || name.startsWith("added-"))) summary[name] = String(value);
  }
  summary["changed-partition-count"] = String(delta.changedPartitions);
  const totals: Array<[string, number]> = [
    ["data-files", count(delta.addedDataFiles) - count(delta.deletedDataFiles)],
    ["records", count(delta.addedRecords) - count(delta.deletedRecords)],
    ["files-size", count(delta.addedFilesSize) - count(delta.removedFilesSize)],
    ["delete-files", -count(delta.removedDeleteFiles)],
    ["position-deletes", -count(delta.removedPositionDeletes)],
    ["equality-deletes", -count(delta.removedEqualityDeletes)],
  ];
  for (const [name, change] of totals) {
    const previous = parent ? parent.summary[`total-${name}`] : "0";
    if (previous !== undefined) summary[`total-${name}`] = String(Number(previous) + change);
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
  if (!/^\d+$/.test(text))
    throw new CorruptArchiveError(`${store.root}/${VERSION_HINT_KEY}`, `should hold a version number, holds "${text}"`);
  return Number(text);
}

async function highestListedVersion(store: ObjectStore): Promise<number> {
  let highest = 0;
  for (const key of await store.list("metadata/")) {
    const match = /^metadata\/v(\d+)\.metadata\.json$/.exec(key);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
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
