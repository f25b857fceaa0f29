// Iceberg `replace` snapshots (spec "Snapshots", operation replace): the same rows, in other files.
// Compaction writes new data files and commits them here together with the files they replace.
//
// The snapshot's manifests: one manifest ADDING the new files; for the parent's manifests that
// held replaced files, one rewritten manifest per (content, partition spec, Avro schema) in which
// replaced files are DELETED and the rest are EXISTING, with their original snapshot ids and
// sequence numbers written out (an EXISTING entry never inherits); all other manifests carried
// unchanged. The new files take the data sequence number of the snapshot the rewrite read, so
// that a delete committed after it still applies to the rows it moved (Iceberg Java's
// "use-starting-sequence-number").
import { decodeAvroContainer, encodeAvroContainer } from "../avro.ts";
import { CommitConflictError } from "../errors.ts";
import { EntryStatus, FileContent } from "../manifest.ts";
import { currentSchema, partitionSpecById, type PartitionSpec } from "../metadata.ts";
import type { IcebergSchema } from "../schema.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { tableKeyOf } from "../paths.ts";
import { encodeManifest, partitionSummaries, type FieldSummary } from "./manifest.ts";
import { MANIFEST_CONTENT_DATA, type ManifestFileRecord } from "./manifest-list.ts";
import type { DataFile } from "./parquet-data-file.ts";
import type { PartitionValues } from "./partitioning.ts";
import { resolveAppendSchema } from "./schema-evolution.ts";
import { carriedManifests, commitSnapshot, snapshotSummary, type SnapshotCommit, type SnapshotContext, type WritableTable } from "./table-commit.ts";
import { randomWriterIds, type WriterIds } from "./writer-ids.ts";

/**
 * The table changed under the rewrite in a way a retry cannot fix: a file it replaces is gone, or a
 * newer delete may apply to one. The rewrite must be planned again.
 */
export class StaleRewriteError extends CommitConflictError {
  override name = "StaleRewriteError";
}

export interface Replace {
  /** Paths, as the manifests record them, of the data and delete files the snapshot no longer tracks. */
  removedPaths: ReadonlySet<string>;
  /** The files holding the same rows (minus deleted ones); may be empty when every row was deleted. */
  addedDataFiles: readonly DataFile[];
  /** The schema the added files were written with; the table's current schema by default. */
  schema?: IcebergSchema;
  /** Sequence number of the snapshot the rewrite read: the added files' data sequence number. */
  startingSequenceNumber: number;
}

export interface ReplaceResult extends SnapshotCommit {
  /** Keys of the manifests this commit wrote. */
  manifestKeys: string[];
  removed: RemovedFiles;
}

export interface RemovedFiles {
  dataFiles: number;
  records: number;
  deleteFiles: number;
  positionDeleteFiles: number;
  equalityDeleteFiles: number;
  positionDeletes: number;
  equalityDeletes: number;
  bytes: number;
}

/** Manifests read at once while looking for the replaced files. */
const MANIFEST_READ_CONCURRENCY = 16;

/**
 * Commits `replace` on top of `table`. CommitConflictError, with nothing committed, when another
 * writer took the next version first, when a replaced file is no longer live in the table (a
 * concurrent rewrite or delete), or when a delete file committed after the starting snapshot may
 * apply to a replaced file (its rows would come back). The first is worth a retry on the reloaded
 * table; the others are not.
 */
export async function commitReplace(
  store: ObjectStore,
  table: WritableTable,
  replace: Replace,
  ids: WriterIds = randomWriterIds,
): Promise<ReplaceResult> {
  const base = table.metadata;
  const resolved = resolveAppendSchema(base, replace.schema ?? currentSchema(base));
  const spec = partitionSpecById(base, base["default-spec-id"]);
  const addedRecords = replace.addedDataFiles.reduce((sum, file) => sum + file.recordCount, 0);
  const manifestKeys: string[] = [];
  const removed: RemovedFiles = {
    dataFiles: 0,
    records: 0,
    deleteFiles: 0,
    positionDeleteFiles: 0,
    equalityDeleteFiles: 0,
    positionDeletes: 0,
    equalityDeletes: 0,
    bytes: 0,
  };
  const changedPartitions = new Set(replace.addedDataFiles.map((file) => partitionJson(file.partition)));

  const committed = await commitSnapshot(store, table, ids, {
    operation: "replace",
    schema: resolved,
    notCommitted:
      `this replace of ${plural(replace.removedPaths.size, "file")} by ${plural(replace.addedDataFiles.length, "data file")} was not committed. ` +
      "Reload the table and commit again (the new data files can be reused).",
    async manifests(context) {
      const parents = await readParentManifests(store, base.location, context.parentManifests);
      checkReplacedFilesAreLive(store, replace, parents, context);
      checkNoNewDeletesApply(store, replace, parents);

      const own: ManifestFileRecord[] = [];
      if (replace.addedDataFiles.length > 0) {
        const key = context.manifestKey(own.length);
        manifestKeys.push(key);
        own.push(
          await context.writeManifest(
            key,
            encodeManifest({
              schema: resolved.schema,
              spec,
              snapshotId: context.snapshotId,
              dataFiles: replace.addedDataFiles,
              syncMarker: context.syncMarker(),
              dataSequenceNumber: replace.startingSequenceNumber,
            }),
            {
              partition_spec_id: spec["spec-id"],
              content: MANIFEST_CONTENT_DATA,
              min_sequence_number: replace.startingSequenceNumber,
              added_files_count: replace.addedDataFiles.length,
              existing_files_count: 0,
              deleted_files_count: 0,
              added_rows_count: addedRecords,
              existing_rows_count: 0,
              deleted_rows_count: 0,
              partitions: partitionSummaries(spec, replace.addedDataFiles),
            },
          ),
        );
      }
      const touched = parents.filter((manifest) => manifest.entries.some((entry) => isReplaced(entry, replace)));
      for (const group of groupRewritable(touched)) {
        const rewritten = rewriteManifestGroup(group, replace, context, (entry) => {
          tallyRemoved(removed, entry);
          changedPartitions.add(partitionJson(entry.data_file.partition));
        });
        const key = context.manifestKey(own.length);
        manifestKeys.push(key);
        own.push(
          await context.writeManifest(key, rewritten.bytes, {
            ...rewritten.counts,
            partitions: rewrittenSummaries(base, group[0]!.record.partition_spec_id, rewritten.partitions),
          }),
        );
      }
      const untouched = new Set(touched.map((manifest) => manifest.record.manifest_path));
      return [...own, ...carriedManifests(context.parentManifests.filter((record) => !untouched.has(record.manifest_path)))];
    },
    summary: (parent) =>
      snapshotSummary("replace", parent, {
        addedDataFiles: replace.addedDataFiles.length,
        addedRecords,
        addedFilesSize: replace.addedDataFiles.reduce((sum, file) => sum + file.fileSizeInBytes, 0),
        deletedDataFiles: removed.dataFiles,
        deletedRecords: removed.records,
        removedFilesSize: removed.bytes,
        removedDeleteFiles: removed.deleteFiles,
        removedPositionDeleteFiles: removed.positionDeleteFiles,
        removedEqualityDeleteFiles: removed.equalityDeleteFiles,
        removedPositionDeletes: removed.positionDeletes,
        removedEqualityDeletes: removed.equalityDeletes,
        changedPartitions: changedPartitions.size,
      }),
  });
  return { ...committed, manifestKeys, removed };
}

/** A manifest entry as Avro decodes it: spec field names, longs as BigInt, anything else a writer put there kept as is. */
interface RawEntry {
  status: number;
  snapshot_id: bigint | null;
  sequence_number?: bigint | null;
  file_sequence_number?: bigint | null;
  data_file: {
    content?: number;
    file_path: string;
    partition?: Record<string, unknown>;
    record_count: bigint | number;
    file_size_in_bytes: bigint | number;
    referenced_data_file?: string | null;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

interface ParentManifest {
  record: ManifestFileRecord;
  /** Header of the Avro file: its schema text and the Iceberg metadata (schema, spec, content). */
  header: Record<string, string>;
  entries: RawEntry[];
}

async function readParentManifests(store: ObjectStore, location: string, records: readonly ManifestFileRecord[]): Promise<ParentManifest[]> {
  const manifests: ParentManifest[] = [];
  for (let start = 0; start < records.length; start += MANIFEST_READ_CONCURRENCY) {
    const batch = records.slice(start, start + MANIFEST_READ_CONCURRENCY);
    manifests.push(
      ...(await Promise.all(
        batch.map(async (record) => {
          const key = tableKeyOf(record.manifest_path, location);
          const { metadata, records: entries } = decodeAvroContainer(await store.read(key), `${store.root}/${key}`);
          return { record, header: metadata, entries: entries as RawEntry[] };
        }),
      )),
    );
  }
  return manifests;
}

function isReplaced(entry: RawEntry, replace: Replace): boolean {
  return entry.status !== EntryStatus.DELETED && replace.removedPaths.has(entry.data_file.file_path);
}

function checkReplacedFilesAreLive(store: ObjectStore, replace: Replace, parents: ParentManifest[], context: SnapshotContext): void {
  const live = new Set<string>();
  for (const manifest of parents) for (const entry of manifest.entries) if (isReplaced(entry, replace)) live.add(entry.data_file.file_path);
  const gone = [...replace.removedPaths].filter((path) => !live.has(path));
  if (gone.length > 0) {
    throw new StaleRewriteError(
      store.root,
      `${plural(gone.length, "file")} this replace rewrote ${gone.length === 1 ? "is" : "are"} no longer in snapshot ` +
        `${context.parent?.["snapshot-id"] ?? "(none)"} (another writer rewrote or deleted ${gone.length === 1 ? "it" : "them"}, e.g. ${gone[0]}); ` +
        "nothing was committed. Plan the compaction again on the current table.",
    );
  }
}

/** A delete committed after the rewrite started, that may apply to a rewritten file, would be lost: refuse. */
function checkNoNewDeletesApply(store: ObjectStore, replace: Replace, parents: ParentManifest[]): void {
  const replacedPartitions = new Set<string>();
  for (const manifest of parents) {
    for (const entry of manifest.entries) {
      if (isReplaced(entry, replace) && (entry.data_file.content ?? FileContent.DATA) === FileContent.DATA) {
        replacedPartitions.add(partitionKey(manifest.record.partition_spec_id, entry.data_file.partition));
      }
    }
  }
  for (const manifest of parents) {
    for (const entry of manifest.entries) {
      const content = entry.data_file.content ?? FileContent.DATA;
      if (entry.status === EntryStatus.DELETED || content === FileContent.DATA) continue;
      if (dataSequenceNumberOf(entry, manifest.record) <= replace.startingSequenceNumber) continue;
      const referenced = entry.data_file.referenced_data_file;
      const mayApply =
        content === FileContent.POSITION_DELETES
          ? referenced == null || replace.removedPaths.has(referenced)
          : Object.keys(entry.data_file.partition ?? {}).length === 0 ||
            replacedPartitions.has(partitionKey(manifest.record.partition_spec_id, entry.data_file.partition));
      if (mayApply) {
        throw new StaleRewriteError(
          store.root,
          `delete file ${entry.data_file.file_path} was committed after this rewrite started and may apply to the rows it rewrote; ` +
            "nothing was committed. Plan the compaction again on the current table.",
        );
      }
    }
  }
}

function partitionKey(specId: number, partition: Record<string, unknown> | undefined): string {
  return `${specId}:${partitionJson(partition)}`;
}

/** A partition tuple as text (BigInt-safe), to compare and count partitions. */
function partitionJson(partition: Record<string, unknown> | undefined): string {
  return JSON.stringify(partition ?? {}, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
}

/** An entry's data sequence number: its own, or (for an ADDED entry that left it out) its manifest's. */
function dataSequenceNumberOf(entry: RawEntry, manifest: ManifestFileRecord): number {
  return entry.sequence_number == null ? Number(manifest.sequence_number) : Number(entry.sequence_number);
}

/** Manifests whose entries can share one rewritten manifest: same content, partition spec and Avro schema. */
function groupRewritable(manifests: ParentManifest[]): ParentManifest[][] {
  const groups = new Map<string, ParentManifest[]>();
  for (const manifest of manifests) {
    const key = `${manifest.record.content}|${manifest.record.partition_spec_id}|${manifest.header["avro.schema"]}`;
    const group = groups.get(key) ?? [];
    group.push(manifest);
    groups.set(key, group);
  }
  return [...groups.values()];
}

interface RewrittenManifest {
  bytes: Uint8Array;
  counts: Omit<Parameters<SnapshotContext["writeManifest"]>[2], "partitions">;
  partitions: Array<Record<string, unknown>>;
}

function rewriteManifestGroup(
  group: ParentManifest[],
  replace: Replace,
  context: SnapshotContext,
  onRemoved: (entry: RawEntry) => void,
): RewrittenManifest {
  const entries: RawEntry[] = [];
  const counts = { existingFiles: 0, existingRows: 0, deletedFiles: 0, deletedRows: 0, minSequenceNumber: Infinity };
  for (const manifest of group) {
    for (const entry of manifest.entries) {
      // DELETED entries belong to the snapshot that deleted them; this one does not carry them.
      if (entry.status === EntryStatus.DELETED) continue;
      const dataSequenceNumber = dataSequenceNumberOf(entry, manifest.record);
      const fileSequenceNumber = entry.file_sequence_number == null ? Number(manifest.record.sequence_number) : Number(entry.file_sequence_number);
      const replaced = replace.removedPaths.has(entry.data_file.file_path);
      const rows = Number(entry.data_file.record_count);
      if (replaced) {
        counts.deletedFiles++;
        counts.deletedRows += rows;
        onRemoved(entry);
      } else {
        counts.existingFiles++;
        counts.existingRows += rows;
      }
      counts.minSequenceNumber = Math.min(counts.minSequenceNumber, dataSequenceNumber);
      entries.push({
        ...entry,
        status: replaced ? EntryStatus.DELETED : EntryStatus.EXISTING,
        snapshot_id: replaced ? context.snapshotId : (entry.snapshot_id ?? manifest.record.added_snapshot_id),
        ...("sequence_number" in entry ? { sequence_number: BigInt(dataSequenceNumber) } : {}),
        ...("file_sequence_number" in entry ? { file_sequence_number: BigInt(fileSequenceNumber) } : {}),
      });
    }
  }
  // The Iceberg metadata of the newest table schema among the group (the Avro schema is the same for all).
  const newest = group.reduce((best, manifest) => (Number(manifest.header["schema-id"] ?? -1) > Number(best.header["schema-id"] ?? -1) ? manifest : best));
  const header = Object.fromEntries(Object.entries(newest.header).filter(([key]) => !key.startsWith("avro.")));
  const bytes = encodeAvroContainer(JSON.parse(newest.header["avro.schema"]!) as object, entries, header, context.syncMarker());
  return {
    bytes,
    counts: {
      partition_spec_id: newest.record.partition_spec_id,
      content: newest.record.content,
      min_sequence_number: Number.isFinite(counts.minSequenceNumber) ? counts.minSequenceNumber : context.sequenceNumber,
      added_files_count: 0,
      existing_files_count: counts.existingFiles,
      deleted_files_count: counts.deletedFiles,
      added_rows_count: 0,
      existing_rows_count: counts.existingRows,
      deleted_rows_count: counts.deletedRows,
    },
    partitions: entries.map((entry) => entry.data_file.partition ?? {}),
  };
}

function tallyRemoved(removed: RemovedFiles, entry: RawEntry): void {
  const content = entry.data_file.content ?? FileContent.DATA;
  const rows = Number(entry.data_file.record_count);
  removed.bytes += Number(entry.data_file.file_size_in_bytes);
  if (content === FileContent.DATA) {
    removed.dataFiles++;
    removed.records += rows;
    return;
  }
  removed.deleteFiles++;
  if (content === FileContent.POSITION_DELETES) {
    removed.positionDeleteFiles++;
    removed.positionDeletes += rows;
  } else {
    removed.equalityDeleteFiles++;
    removed.equalityDeletes += rows;
  }
}

/**
 * Partition summaries of a rewritten manifest, over all its entries (DELETED ones too, as Java
 * does). Only for the `day` transform the writer knows; otherwise none, which readers take as
 * "may match anything".
 */
function rewrittenSummaries(
  metadata: WritableTable["metadata"],
  specId: number,
  partitions: Array<Record<string, unknown>>,
): FieldSummary[] | null {
  const spec: PartitionSpec = partitionSpecById(metadata, specId);
  if (!spec.fields.every((field) => field.transform === "day")) return null;
  return partitionSummaries(
    spec,
    partitions.map((partition) => ({ partition: partition as PartitionValues })),
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
