// Compaction (Iceberg's rewrite_data_files, bin-pack): the small data files of a partition, and
// files that row-level deletes apply to, are rewritten into files near a target size, and the
// swap is committed as a `replace` snapshot. Rows keep their order: the files of a partition are
// merged by the table's sort column (global_position in the event archive) the way a scan merges
// them, with deletes applied, so the table reads exactly the same rows, in the same order, before
// and after. Delete files that no longer apply to any remaining file are dropped in the same commit.
//
// Memory stays bounded: the merge holds one row group per input file whose position range
// overlaps another's (files that do not overlap stream one after the other), plus the output
// file being encoded. Old files stay in the table's history until snapshot expiry removes them,
// so a rebuild reading an older snapshot is never disturbed.
import { primitiveValue } from "../values.ts";
import type * as arrow from "apache-arrow";
import { ArchiveError, CommitConflictError } from "../errors.ts";
import { EntryStatus, FileContent, readManifest, readManifestList, type ManifestEntry } from "../manifest.ts";
import {
  currentSchema,
  currentSnapshot,
  partitionSpecById,
  sortColumnOf,
  type PartitionSpec,
  type Snapshot,
  type TableMetadata,
} from "../metadata.ts";
import { openParquetDataFile, readRowGroupColumns } from "../parquet-file.ts";
import { planScan, type ScanPlan, type ScanSlice } from "../plan.ts";
import { compareValues, type RowPredicate } from "../predicate.ts";
import { scanPlan, type RowBatch } from "../scan.ts";
import { fieldById, type IcebergSchema, type NestedField } from "../schema.ts";
import type { IcebergValue } from "../single-value.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { arrowSchemaFor } from "../writer/arrow-schema.ts";
import { writeParquetDataFile, type DataFile } from "../writer/parquet-data-file.ts";
import { partitionAvroFields, partitionPath, type PartitionValues } from "../writer/partitioning.ts";
import { commitReplace, StaleRewriteError, type ReplaceResult } from "../writer/replace-commit.ts";
import { RowBatchBuilder } from "../writer/row-batch-builder.ts";
import { loadTableForWrite, type WritableTable } from "../writer/table-commit.ts";
import { randomWriterIds, type WriterIds } from "../writer/writer-ids.ts";
import { mapConcurrently } from "../concurrency.ts";

/**
 * Output files aim at this size. Smaller than Iceberg's 512 MB default on purpose: the writer holds
 * a file in memory until it is stored (twice, while its pieces are joined), and a Convex Node
 * action has 512 MB; 32 MB files are already few (a million demo events each) and read at full speed.
 */
export const DEFAULT_TARGET_FILE_BYTES = 32 * 1024 * 1024;
/** Files under this share of the target are small and worth rewriting (Iceberg's min-file-size-bytes default). */
export const SMALL_FILE_RATIO = 0.75;
/** Commits tried when other writers (the archiver) commit in between: the work is reused, only the commit is redone. */
export const DEFAULT_COMMIT_ATTEMPTS = 4;

const MICROS_PER_DAY = 86_400_000_000n;

export interface CompactionOptions {
  /** Size output files aim at; DEFAULT_TARGET_FILE_BYTES by default. */
  targetFileBytes?: number;
  /** Only the partition with these values (partition field name → transform result, e.g. days since 1970 for `day`). */
  partition?: PartitionValues;
  /** Stop starting partitions after this long (the rest waits for the next run); the work done is committed. */
  budgetMs?: number;
  commitAttempts?: number;
  ids?: WriterIds;
  onProgress?: (progress: CompactionProgress) => void;
}

export interface CompactionProgress {
  rowsRead: number;
  /** Rows of the files being rewritten, before deletes. */
  rowsTotal: number;
  filesWritten: number;
  partitionsDone: number;
  partitions: number;
}

export interface CompactionResult {
  /** The replace snapshot, or null when there was nothing to compact. */
  snapshotId: bigint | null;
  /** Table version after the commit (or the one read when nothing was committed). */
  version: number;
  partitions: number;
  /** Partitions worth compacting that were left for a later run (budget spent). */
  partitionsLeft: number;
  /** Data files rewritten (read and replaced). */
  filesRead: number;
  filesWritten: number;
  /** Delete files dropped because nothing left needs them. */
  deleteFilesRemoved: number;
  rowsRead: number;
  rowsWritten: number;
  /** Rows that delete files removed, now gone from the files. */
  rowsDeleted: number;
  /** Bytes of the files replaced (data and delete files) and of the files written. */
  bytesBefore: number;
  bytesAfter: number;
  /** Live data files of the table before and after. */
  dataFilesBefore: number;
  dataFilesAfter: number;
  /** Keys of the new data files. */
  writtenKeys: string[];
  commitAttempts: number;
}

/** One partition's files to rewrite. */
interface RewriteGroup {
  partition: PartitionValues;
  label: string;
  entries: ManifestEntry[];
  rows: number;
  bytes: number;
}

export async function compactTable(store: ObjectStore, options: CompactionOptions = {}): Promise<CompactionResult> {
  const ids = options.ids ?? randomWriterIds;
  const targetFileBytes = options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES;
  if (!(targetFileBytes > 0)) throw new RangeError(`the target file size must be positive, got ${targetFileBytes}`);
  const startedAt = Date.now();
  const table = await loadTableForWrite(store);
  const metadata = table.metadata;
  const snapshot = currentSnapshot(metadata);
  const result = emptyResult(table.version);
  if (!snapshot) return result;

  const schema = currentSchema(metadata);
  const spec = partitionSpecById(metadata, metadata["default-spec-id"]);
  // Refuse now, before reading anything, a table the writer could not write back.
  arrowSchemaFor(schema);
  partitionAvroFields(spec, schema);

  const live = await liveEntries(store, metadata, snapshot);
  result.dataFilesBefore = result.dataFilesAfter = live.data.length;
  const groups = rewriteGroups(live, spec, targetFileBytes, options.partition);
  if (groups.length === 0) return result;

  const orderColumn = sortColumnOf(metadata, schema);
  const progress: CompactionProgress = {
    rowsRead: 0,
    rowsTotal: groups.reduce((sum, group) => sum + group.rows, 0),
    filesWritten: 0,
    partitionsDone: 0,
    partitions: groups.length,
  };
  options.onProgress?.({ ...progress });
  const written: DataFile[] = [];
  const removedPaths = new Set<string>();
  try {
    for (const group of groups) {
      if (options.budgetMs !== undefined && progress.partitionsDone > 0 && Date.now() - startedAt > options.budgetMs)
        break;
      const rewrite = await rewriteGroup(store, metadata, snapshot, spec, schema, group, {
        orderColumn,
        targetFileBytes,
        ids,
        onRows: (rows) => {
          progress.rowsRead += rows;
          options.onProgress?.({ ...progress });
        },
        onFile: (file) => {
          written.push(file);
          progress.filesWritten++;
          options.onProgress?.({ ...progress });
        },
      });
      for (const entry of group.entries) removedPaths.add(entry.file.path);
      result.partitions++;
      result.filesRead += group.entries.length;
      result.rowsRead += rewrite.rowsRead;
      result.rowsWritten += rewrite.rowsWritten;
      result.rowsDeleted += rewrite.rowsDeleted;
      progress.partitionsDone++;
    }
    result.partitionsLeft = groups.length - result.partitions;
    const rewritten = groups.slice(0, result.partitions);
    for (const path of await droppableDeletes(store, live, spec, rewritten, removedPaths)) removedPaths.add(path);
  } catch (error) {
    // Nothing references the new files yet: remove them rather than leave orphans behind.
    await Promise.allSettled(written.map((file) => store.delete(file.key)));
    throw error;
  }
  const committed = await commitWithRetries(store, table, written, removedPaths, snapshot, options, ids);
  return {
    ...result,
    snapshotId: committed.result.snapshot["snapshot-id"],
    version: committed.result.table.version,
    filesWritten: written.length,
    deleteFilesRemoved: committed.result.removed.deleteFiles,
    bytesBefore: committed.result.removed.bytes,
    bytesAfter: written.reduce((sum, file) => sum + file.fileSizeInBytes, 0),
    dataFilesAfter: result.dataFilesBefore - committed.result.removed.dataFiles + written.length,
    writtenKeys: written.map((file) => file.key),
    commitAttempts: committed.attempts,
  };
}

function emptyResult(version: number): CompactionResult {
  return {
    snapshotId: null,
    version,
    partitions: 0,
    partitionsLeft: 0,
    filesRead: 0,
    filesWritten: 0,
    deleteFilesRemoved: 0,
    rowsRead: 0,
    rowsWritten: 0,
    rowsDeleted: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    dataFilesBefore: 0,
    dataFilesAfter: 0,
    writtenKeys: [],
    commitAttempts: 0,
  };
}

interface LiveEntries {
  data: ManifestEntry[];
  deletes: ManifestEntry[];
}

async function liveEntries(store: ObjectStore, metadata: TableMetadata, snapshot: Snapshot): Promise<LiveEntries> {
  const manifests = await readManifestList(store, metadata, snapshot);
  const entries = (await mapConcurrently(manifests, (manifest) => readManifest(store, metadata, manifest))).flat();
  const live = entries.filter((entry) => entry.status !== EntryStatus.DELETED);
  return {
    data: live.filter((entry) => entry.file.content === FileContent.DATA),
    deletes: live.filter((entry) => entry.file.content !== FileContent.DATA),
  };
}

/**
 * Partitions worth rewriting, in partition order: those with two or more small files, or with a
 * file that deletes apply to. Only files of the table's current partition spec are rewritten.
 */
function rewriteGroups(
  live: LiveEntries,
  spec: PartitionSpec,
  targetFileBytes: number,
  only: PartitionValues | undefined,
): RewriteGroup[] {
  const byPartition = new Map<string, ManifestEntry[]>();
  for (const entry of live.data) {
    if (entry.file.specId !== spec["spec-id"]) continue;
    if (only && !Object.entries(only).every(([name, value]) => entry.file.partition[name] === value)) continue;
    const key = partitionKeyOf(entry.file.partition);
    byPartition.set(key, [...(byPartition.get(key) ?? []), entry]);
  }
  const groups: RewriteGroup[] = [];
  for (const entries of byPartition.values()) {
    const withDeletes = (entry: ManifestEntry) => live.deletes.some((candidate) => deleteMayApply(candidate, entry));
    const chosen = entries.filter(
      (entry) => entry.file.fileSizeInBytes < targetFileBytes * SMALL_FILE_RATIO || withDeletes(entry),
    );
    if (chosen.length < 2 && !chosen.some(withDeletes)) continue;
    const partition = entries[0]!.file.partition as PartitionValues;
    groups.push({
      partition,
      label: partitionPath(spec, partition) || "(unpartitioned)",
      entries: chosen,
      rows: chosen.reduce((sum, entry) => sum + entry.file.recordCount, 0),
      bytes: chosen.reduce((sum, entry) => sum + entry.file.fileSizeInBytes, 0),
    });
  }
  return groups.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** Whether a delete file may apply to a data file (spec "Scan Planning", the same rules the reader applies). */
function deleteMayApply(deletes: ManifestEntry, data: ManifestEntry): boolean {
  const file = deletes.file;
  if (file.content === FileContent.POSITION_DELETES) {
    if (deletes.sequenceNumber < data.sequenceNumber) return false;
    if (file.referencedDataFile !== null) return file.referencedDataFile === data.file.path;
    return samePartitionOrGlobal(deletes, data);
  }
  return deletes.sequenceNumber > data.sequenceNumber && samePartitionOrGlobal(deletes, data);
}

function samePartitionOrGlobal(deletes: ManifestEntry, data: ManifestEntry): boolean {
  const partition = deletes.file.partition;
  if (Object.keys(partition).length === 0) return true;
  return deletes.file.specId === data.file.specId && partitionKeyOf(partition) === partitionKeyOf(data.file.partition);
}

/** A partition tuple as text, to compare partitions (BigInt-safe: identity partitions on longs). */
function partitionKeyOf(partition: Record<string, unknown>): string {
  return JSON.stringify(partition, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
}

interface GroupRewrite {
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
}

interface RewriteSettings {
  orderColumn: string | undefined;
  targetFileBytes: number;
  ids: WriterIds;
  onRows: (rows: number) => void;
  onFile: (file: DataFile) => void;
}

async function rewriteGroup(
  store: ObjectStore,
  metadata: TableMetadata,
  snapshot: Snapshot,
  spec: PartitionSpec,
  schema: IcebergSchema,
  group: RewriteGroup,
  settings: RewriteSettings,
): Promise<GroupRewrite> {
  const plan = await groupPlan(store, metadata, snapshot, spec, schema, group, settings.orderColumn);
  const rows = new ScanRows(scanPlan(store, metadata, plan), schema, settings.orderColumn, settings.onRows);
  // Small files carry more per-file overhead than big ones: start from their bytes per row, then learn from the output.
  let bytesPerRow = group.rows > 0 ? group.bytes / group.rows : 1;
  let rowsWritten = 0;
  while (await rows.hasMore()) {
    const rowsPerFile = Math.max(1, Math.floor(settings.targetFileBytes / bytesPerRow));
    const key = ["data", partitionPath(spec, group.partition), `${settings.ids.newUuid()}.parquet`]
      .filter(Boolean)
      .join("/");
    rows.startFile();
    const file = await writeParquetDataFile(
      store,
      { key, path: `${metadata.location}/${key}`, partition: group.partition, schema },
      rows.batches(rowsPerFile),
    );
    // The rows follow the table's sort order only if the merge saw them in order.
    const sorted = settings.orderColumn !== undefined && rows.fileWasOrdered;
    const described: DataFile = { ...file, sortOrderId: sorted ? metadata["default-sort-order-id"] : undefined };
    if (file.recordCount >= rowsPerFile) bytesPerRow = file.fileSizeInBytes / file.recordCount;
    rowsWritten += file.recordCount;
    settings.onFile(described);
  }
  if (rowsWritten !== rows.rowsRead - rows.rowsDeleted) {
    throw new ArchiveError(
      store.root,
      `compacting ${group.label} read ${rows.rowsRead} rows (${rows.rowsDeleted} deleted) but wrote ${rowsWritten}`,
    );
  }
  return { rowsRead: rows.rowsRead, rowsWritten, rowsDeleted: rows.rowsDeleted };
}

/**
 * The scan of one group: planned on the snapshot with the partition as predicate (so only its
 * files' footers are read), then narrowed to the group's files, which are read whole.
 */
async function groupPlan(
  store: ObjectStore,
  metadata: TableMetadata,
  snapshot: Snapshot,
  spec: PartitionSpec,
  schema: IcebergSchema,
  group: RewriteGroup,
  orderColumn: string | undefined,
): Promise<ScanPlan> {
  const planned = await planScan(store, metadata, snapshot, {
    predicate: partitionPredicate(spec, schema, group.partition),
    orderBy: orderColumn,
  });
  const byPath = new Map(planned.slices.map((slice) => [slice.path, slice]));
  const slices: ScanSlice[] = [];
  for (const entry of group.entries) {
    if (entry.file.recordCount === 0) continue;
    const slice = byPath.get(entry.file.path);
    if (!slice || slice.rowCount !== entry.file.recordCount) {
      throw new ArchiveError(
        `${store.root}/${entry.file.key}`,
        `holds ${entry.file.recordCount} rows of partition ${group.label}, but a scan of that partition would read ${slice?.rowCount ?? 0} of them; not compacting it`,
      );
    }
    slices.push(slice);
  }
  return { ...planned, predicate: [], slices, rowCount: slices.reduce((sum, slice) => sum + slice.rowCount, 0) };
}

/** The rows of a partition: each `day` field's source column within that day (nothing to prune on otherwise). */
function partitionPredicate(spec: PartitionSpec, schema: IcebergSchema, partition: PartitionValues): RowPredicate {
  const predicate: RowPredicate = [];
  for (const field of spec.fields) {
    const day = partition[field.name];
    const source = fieldById(schema, field["source-id"]);
    if (field.transform !== "day" || day === null || day === undefined || !source) continue;
    predicate.push({
      column: source.name,
      op: "range",
      min: BigInt(day) * MICROS_PER_DAY,
      minInclusive: true,
      max: BigInt(day + 1) * MICROS_PER_DAY,
      maxInclusive: false,
    });
  }
  return predicate;
}

/** A scan's rows cut into Arrow batches for one output file after another. */
class ScanRows {
  rowsRead = 0;
  rowsDeleted = 0;
  fileWasOrdered = true;
  private batch: RowBatch | undefined;
  private row = 0;
  private exhausted = false;
  private previous: IcebergValue | undefined;
  private readonly fields: NestedField[];
  private readonly values: Record<string, unknown> = {};

  constructor(
    private readonly scan: AsyncGenerator<RowBatch>,
    private readonly schema: IcebergSchema,
    private readonly orderColumn: string | undefined,
    private readonly onRows: (rows: number) => void,
  ) {
    this.fields = schema.fields;
  }

  async hasMore(): Promise<boolean> {
    while (!this.exhausted && (!this.batch || this.row >= this.batch.rowCount)) {
      const next = await this.scan.next();
      if (next.done) {
        this.exhausted = true;
        this.batch = undefined;
        break;
      }
      this.batch = next.value;
      this.row = 0;
      this.rowsRead += next.value.rowsRead;
      this.rowsDeleted += next.value.rowsDeleted;
      this.onRows(next.value.rowsRead);
    }
    return !this.exhausted;
  }

  startFile(): void {
    this.fileWasOrdered = true;
    this.previous = undefined;
  }

  /** Arrow batches of up to `maxRows` rows in all, from where the previous file stopped. */
  async *batches(maxRows: number): AsyncGenerator<arrow.RecordBatch> {
    const builder = new RowBatchBuilder<Record<string, unknown>>(this.schema);
    let taken = 0;
    while (taken < maxRows && (await this.hasMore())) {
      const batch = this.batch!;
      const columns = this.fields.map((field) => batch.columns[field.name]!);
      const order = this.orderColumn === undefined ? undefined : batch.columns[this.orderColumn];
      const end = Math.min(batch.rowCount, this.row + (maxRows - taken));
      for (; this.row < end; this.row++) {
        for (let column = 0; column < columns.length; column++)
          this.values[this.fields[column]!.name] = columns[column]![this.row] ?? null;
        if (order) this.checkOrder(primitiveValue(order[this.row]));
        builder.append(this.values);
        taken++;
        if (builder.isFull) yield builder.build();
      }
    }
    if (builder.length > 0) yield builder.build();
  }

  private checkOrder(value: IcebergValue): void {
    if (value === null) {
      this.fileWasOrdered = false;
      return;
    }
    if (this.previous !== undefined && this.previous !== null && compareValues(value, this.previous) < 0)
      this.fileWasOrdered = false;
    this.previous = value;
  }
}

/** Positional delete files' reserved columns (spec "Reserved Field IDs"). */
const DELETE_FILE_PATH: NestedField = { id: 2147483546, name: "file_path", required: true, type: "string" };

/**
 * Delete files that nothing will need once the rewrite is committed: every live data file they may
 * apply to is being rewritten (with the deletes applied). The new files never need them: they take
 * the starting snapshot's sequence number, which no existing delete file exceeds.
 */
async function droppableDeletes(
  store: ObjectStore,
  live: LiveEntries,
  spec: PartitionSpec,
  rewritten: RewriteGroup[],
  removedPaths: ReadonlySet<string>,
): Promise<string[]> {
  if (rewritten.length === 0) return [];
  const partitions = new Set(rewritten.map((group) => partitionKeyOf(group.partition)));
  const remaining = live.data.filter((entry) => !removedPaths.has(entry.file.path));
  const inScope = live.deletes.filter(
    (entry) =>
      Object.keys(entry.file.partition).length === 0 ||
      (entry.file.specId === spec["spec-id"] && partitions.has(partitionKeyOf(entry.file.partition))),
  );
  const droppable: string[] = [];
  for (const deletes of inScope) {
    const candidates = remaining.filter((data) => deleteMayApply(deletes, data));
    if (
      candidates.length > 0 &&
      deletes.file.content === FileContent.POSITION_DELETES &&
      deletes.file.referencedDataFile === null
    ) {
      const targets = await positionalDeleteTargets(store, deletes);
      if (candidates.some((data) => targets.has(data.file.path))) continue;
    } else if (candidates.length > 0) {
      continue;
    }
    droppable.push(deletes.file.path);
  }
  return droppable;
}

/** The data file paths a positional delete file names. */
async function positionalDeleteTargets(store: ObjectStore, deletes: ManifestEntry): Promise<Set<string>> {
  const file = await openParquetDataFile(
    store,
    deletes.file.key,
    deletes.file.fileSizeInBytes,
    new Map([["file_path", DELETE_FILE_PATH.id]]),
  );
  const paths = new Set<string>();
  for (let group = 0; group < file.metadata.row_groups.length; group++) {
    const column = (await readRowGroupColumns(file, group, [DELETE_FILE_PATH])).get(DELETE_FILE_PATH.id);
    if (!column) throw new ArchiveError(file.location, "positional delete file lacks the file_path column");
    for (let row = 0; row < column.length; row++) paths.add(column[row] as string);
  }
  return paths;
}

/**
 * Commits the rewrite; when another writer (the archiver) committed in between, commits again on
 * the reloaded table with the same files, after checking nothing it rewrote changed meanwhile.
 */
async function commitWithRetries(
  store: ObjectStore,
  startingTable: WritableTable,
  written: DataFile[],
  removedPaths: ReadonlySet<string>,
  startingSnapshot: Snapshot,
  options: CompactionOptions,
  ids: WriterIds,
): Promise<{ result: ReplaceResult; attempts: number }> {
  const attempts = options.commitAttempts ?? DEFAULT_COMMIT_ATTEMPTS;
  let table = startingTable;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await commitReplace(
        store,
        table,
        {
          removedPaths,
          addedDataFiles: written,
          schema: currentSchema(startingTable.metadata),
          startingSequenceNumber: startingSnapshot["sequence-number"],
        },
        ids,
      );
      return { result, attempts: attempt };
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      if (error instanceof StaleRewriteError || attempt >= attempts) {
        // The commit did not happen (a conflict is definite): nothing references the new files.
        await Promise.allSettled(written.map((file) => store.delete(file.key)));
        throw new CommitConflictError(
          error.file,
          `${error.problem} (compaction gave up after ${attempt} commit attempt${attempt === 1 ? "" : "s"}; its new data files were removed)`,
          { cause: error },
        );
      }
      table = await loadTableForWrite(store);
    }
  }
}
