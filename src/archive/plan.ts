// Planning a scan (like hyparquet's plan.js: decide what to read, then read it): from a snapshot,
// a projection and a predicate, the ordered list of slices (a data file and the row groups of it
// worth reading) with exact row counts, and how much pruning skipped at each level.
import { mapConcurrently } from "./concurrency.ts";
import { CorruptArchiveError, UnsupportedArchiveFeatureError } from "./errors.ts";
import {
  EntryStatus,
  FileContent,
  ManifestContent,
  readManifest,
  readManifestList,
  type ContentFile,
  type ManifestEntry,
} from "./manifest.ts";
import { currentSchema, partitionSpecById, snapshotSchema, type Snapshot, type TableMetadata } from "./metadata.ts";
import { openParquetDataFile, type ParquetDataFile } from "./parquet-file.ts";
import {
  bindPredicate,
  compareValues,
  rangeMayMatch,
  statisticsConditions,
  type BoundCondition,
  type RowPredicate,
} from "./predicate.ts";
import {
  fieldById,
  isPrimitive,
  parsePrimitive,
  projectSchema,
  type IcebergSchema,
  type NestedField,
  type PrimitiveType,
} from "./schema.ts";
import { decodeSingleValue, type IcebergValue } from "./single-value.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { applyMonotonicTransform, transformResultType } from "./transforms.ts";
import { nameMappingOf } from "./name-mapping.ts";
import { formatDecimal } from "./values.ts";

export interface DeleteFileRef {
  key: string;
  path: string;
  content: number;
  sizeInBytes: number;
  /** Field ids compared by an equality delete. */
  equalityFieldIds: number[];
}

export interface ScanSlice {
  /** Key of the data file, relative to the table root. */
  key: string;
  /** The data file's path as recorded in the metadata (positional deletes refer to it). */
  path: string;
  sizeInBytes: number;
  /**
   * Row groups to read, ascending. Absent: all of them. A plan without a row filter does not open
   * the file (the manifest has its row count and bounds); the scan checks the footer's rows against `rowCount`.
   */
  rowGroups?: number[];
  /** Rows in those row groups, before deletes and row filtering. */
  rowCount: number;
  /** Values of identity-partitioned fields by field id (for files that do not store those columns). */
  identityPartitionValues: Record<number, IcebergValue>;
  deletes: DeleteFileRef[];
  /** Bounds of the order column over the slice, when an order column was asked for and is known. */
  orderLower?: IcebergValue;
  orderUpper?: IcebergValue;
}

/**
 * Footers read at once when a row filter needs row-group statistics: at 20-50 ms a request, 32 in
 * flight plan 20,000 files in seconds, not minutes.
 */
export const FOOTER_READ_CONCURRENCY = 32;
/** Manifests decoded at once: enough to hide latency behind decoding, few enough that their entries stay small in memory. */
export const MANIFEST_READ_CONCURRENCY = 4;

export interface PruningStats {
  manifests: number;
  manifestsSkipped: number;
  dataFiles: number;
  dataFilesSkipped: number;
  /** Row groups of the files whose footers the plan read (only a row filter needs them). */
  rowGroups: number;
  rowGroupsSkipped: number;
  rows: number;
  rowsSkipped: number;
}

export interface ScanPlan {
  snapshotId: bigint;
  schema: IcebergSchema;
  /** Projected fields, in output order. */
  fields: NestedField[];
  predicate: RowPredicate;
  orderBy?: string;
  slices: ScanSlice[];
  /** Rows in all slices before deletes and row filtering. */
  rowCount: number;
  /** True when rowCount is exactly what a scan yields: no delete files apply and no row filter remains. */
  rowCountExact: boolean;
  stats: PruningStats;
  /**
   * The order column's highest value in the snapshot (an upper bound: deleted rows count), when the
   * plan read every data manifest and each file's bounds have it; `columnUpperBound` finds it otherwise.
   */
  orderUpperBound?: IcebergValue;
}

/** A data file that passed pruning: its slice, or what reading its footer needs. */
type PlannedFile =
  ScanSlice | { footerOf: ScanSlice; fileLower: IcebergValue | undefined; fileUpper: IcebergValue | undefined };

export interface PlanOptions {
  /** Column names to read; all when absent. */
  columns?: readonly string[];
  predicate?: RowPredicate;
  /** Order slices by this column's lower bounds (e.g. global_position); the scan merges overlapping ones. */
  orderBy?: string;
}

export async function planScan(
  store: ObjectStore,
  metadata: TableMetadata,
  snapshot: Snapshot,
  options: PlanOptions = {},
): Promise<ScanPlan> {
  const schema = snapshotSchemaForRead(metadata, snapshot);
  const fields = projectSchema(schema, options.columns);
  const predicate = options.predicate ?? [];
  // A condition on a map key has no statistics to prune with: the scan filters its rows.
  const bound = statisticsConditions(bindPredicate(schema, predicate));
  const orderField = options.orderBy ? projectSchema(schema, [options.orderBy])[0] : undefined;
  const stats: PruningStats = {
    manifests: 0,
    manifestsSkipped: 0,
    dataFiles: 0,
    dataFilesSkipped: 0,
    rowGroups: 0,
    rowGroupsSkipped: 0,
    rows: 0,
    rowsSkipped: 0,
  };

  const manifests = (await readManifestList(store, metadata, snapshot)).filter((manifest) => {
    stats.manifests++;
    if (
      manifest.content !== ManifestContent.DATA ||
      summariesMayMatch(metadata, schema, manifest.specId, manifest.partitions, bound)
    )
      return true;
    stats.manifestsSkipped++;
    stats.dataFiles += manifest.liveFiles ?? 0;
    stats.dataFilesSkipped += manifest.liveFiles ?? 0;
    stats.rows += manifest.liveRows ?? 0;
    stats.rowsSkipped += manifest.liveRows ?? 0;
    return false;
  });
  // Delete files first: each data file's slice names those that apply to it.
  const deleteEntries = (
    await mapConcurrently(
      manifests.filter((manifest) => manifest.content !== ManifestContent.DATA),
      (manifest) => readManifest(store, metadata, manifest),
    )
  )
    .flat()
    .filter((entry) => entry.status !== EntryStatus.DELETED);

  // Each data manifest is reduced to its slices as it is read (a slice is a fraction of its entry):
  // memory holds a few manifests' entries at a time, whatever the number of files.
  const orderUpper = { value: undefined as IcebergValue | undefined, complete: stats.manifestsSkipped === 0 };
  const planned = await mapConcurrently(
    manifests.filter((manifest) => manifest.content === ManifestContent.DATA),
    async (manifest) => {
      const items: PlannedFile[] = [];
      for (const entry of await readManifest(store, metadata, manifest)) {
        if (entry.status === EntryStatus.DELETED) continue;
        const file = entry.file;
        if (file.content !== FileContent.DATA) {
          throw new CorruptArchiveError(manifest.path, `lists the delete file ${file.path} in a data manifest`);
        }
        const fileLower = orderField ? decodeBound(file.lowerBounds, orderField) : undefined;
        const fileUpper = orderField ? decodeBound(file.upperBounds, orderField) : undefined;
        if (file.recordCount > 0) {
          if (fileUpper === undefined) orderUpper.complete = false;
          orderUpper.value = maxOf(orderUpper.value, fileUpper);
        }
        stats.dataFiles++;
        stats.rows += file.recordCount;
        if (file.format !== "PARQUET") {
          throw new UnsupportedArchiveFeatureError(
            `${store.root}/${file.key}`,
            `data file format ${file.format}; only Parquet is read`,
          );
        }
        if (!partitionMayMatch(metadata, schema, file, bound) || !boundsMayMatch(file, bound)) {
          stats.dataFilesSkipped++;
          stats.rowsSkipped += file.recordCount;
          continue;
        }
        const slice: ScanSlice = {
          key: file.key,
          path: file.path,
          sizeInBytes: file.fileSizeInBytes,
          rowCount: file.recordCount,
          identityPartitionValues: identityPartitionValues(metadata, schema, file),
          deletes: applicableDeletes(entry, deleteEntries, store.root),
        };
        // Without a row filter every row group is read, and the manifest has the rows and order
        // bounds: the footer waits for the chunk that reads the file.
        const needsFooter = bound.length > 0 || (orderField && (fileLower === undefined || fileUpper === undefined));
        items.push(
          needsFooter ? { footerOf: slice, fileLower, fileUpper } : { ...slice, ...orderBounds(fileLower, fileUpper) },
        );
      }
      return items;
    },
    MANIFEST_READ_CONCURRENCY,
  );

  const nameMapping = nameMappingOf(metadata, schema);
  const footered = await mapConcurrently(
    planned.flat(),
    async (item): Promise<ScanSlice | undefined> => {
      if (!("footerOf" in item)) return item;
      const { footerOf: slice, fileLower, fileUpper } = item;
      const parquet = await openParquetDataFile(store, slice.key, slice.sizeInBytes, nameMapping);
      checkRowCount(parquet, slice.rowCount);
      const groups = matchingRowGroups(parquet, bound, orderField, stats);
      if (groups.rowGroups.length === 0) {
        stats.dataFilesSkipped++;
        return undefined;
      }
      return {
        ...slice,
        rowGroups: groups.rowGroups,
        rowCount: groups.rowCount,
        ...orderBounds(groups.orderLower ?? fileLower, groups.orderUpper ?? fileUpper),
      };
    },
    FOOTER_READ_CONCURRENCY,
  );
  const slices = footered.filter((slice) => slice !== undefined);
  if (orderField) slices.sort((a, b) => compareOptional(a.orderLower, b.orderLower));
  const rowCount = slices.reduce((sum, slice) => sum + slice.rowCount, 0);
  return {
    snapshotId: snapshot["snapshot-id"],
    schema,
    fields,
    predicate,
    ...(options.orderBy ? { orderBy: options.orderBy } : {}),
    slices,
    rowCount,
    rowCountExact: slices.every((slice) => slice.deletes.length === 0) && predicate.length === 0,
    stats,
    ...(orderField && orderUpper.complete && orderUpper.value !== undefined
      ? { orderUpperBound: orderUpper.value }
      : {}),
  };
}

function orderBounds(lower: IcebergValue | undefined, upper: IcebergValue | undefined) {
  return {
    ...(lower !== undefined ? { orderLower: lower } : {}),
    ...(upper !== undefined ? { orderUpper: upper } : {}),
  };
}

/** A data file whose footer disagrees with its manifest entry cannot be trusted for an exact total. */
export function checkRowCount(parquet: ParquetDataFile, recordCount: number): void {
  const parquetRows = Number(parquet.metadata.num_rows);
  if (parquetRows !== recordCount) {
    throw new CorruptArchiveError(parquet.location, `has ${parquetRows} rows but the manifest says ${recordCount}`);
  }
}

/** The row groups whose statistics may match the predicate, their rows and the order column's bounds over them. */
function matchingRowGroups(
  parquet: ParquetDataFile,
  bound: BoundCondition[],
  orderField: NestedField | undefined,
  stats: PruningStats,
) {
  const rowGroups: number[] = [];
  let rowCount = 0;
  let orderLower: IcebergValue | undefined;
  let orderUpper: IcebergValue | undefined;
  parquet.metadata.row_groups.forEach((group, index) => {
    stats.rowGroups++;
    const groupRows = Number(group.num_rows);
    const statsOf = (fieldId: number) => {
      const column = parquet.columnsByFieldId.get(fieldId);
      const statistics = column ? group.columns[column.index]?.meta_data?.statistics : undefined;
      return {
        min: statistics?.min_value as IcebergValue | undefined,
        max: statistics?.max_value as IcebergValue | undefined,
      };
    };
    const matches = bound.every(({ field, type, condition, compare }) => {
      // Parquet statistics of decimals come back as floats: no exact ordering to prune on.
      if (!parquet.columnsByFieldId.has(field.id) || type.startsWith("decimal")) return true;
      const { min, max } = statsOf(field.id);
      return rangeMayMatch(condition, min, max, compare);
    });
    if (!matches) {
      stats.rowGroupsSkipped++;
      stats.rowsSkipped += groupRows;
      return;
    }
    rowGroups.push(index);
    rowCount += groupRows;
    if (orderField) {
      const { min, max } = statsOf(orderField.id);
      orderLower = minOf(orderLower, min);
      orderUpper = maxOf(orderUpper, max);
    }
  });
  return { rowGroups, rowCount, orderLower, orderUpper };
}

/** The current snapshot reads with the table's current schema; time travel with the schema of its snapshot, as engines do. */
function snapshotSchemaForRead(metadata: TableMetadata, snapshot: Snapshot): IcebergSchema {
  return snapshot["snapshot-id"] === metadata["current-snapshot-id"]
    ? currentSchema(metadata)
    : snapshotSchema(metadata, snapshot);
}

function partitionFieldsOf(metadata: TableMetadata, schema: IcebergSchema, specId: number) {
  return partitionSpecById(metadata, specId).fields.map((partitionField) => {
    const source = fieldById(schema, partitionField["source-id"]);
    const sourceType = source && isPrimitive(source.type) ? source.type : undefined;
    return {
      partitionField,
      source,
      sourceType,
      resultType: sourceType ? transformResultType(partitionField.transform, sourceType) : undefined,
    };
  });
}

/** Projects each condition on a source column through the partition transform, then checks the range. */
function partitionRangeMayMatch(
  conditions: BoundCondition[],
  transform: string,
  sourceType: PrimitiveType,
  sourceId: number,
  lower: IcebergValue | undefined,
  upper: IcebergValue | undefined,
): boolean {
  return conditions
    .filter(({ field }) => field.id === sourceId)
    .every(({ condition }) => {
      const project = (value: IcebergValue | undefined) =>
        value === undefined ? undefined : applyMonotonicTransform(transform, sourceType, value);
      if (condition.op === "in") {
        const values = condition.values.map(project);
        if (values.some((value) => value === undefined)) return true;
        return rangeMayMatch({ ...condition, values: values as IcebergValue[] }, lower, upper);
      }
      const min = project(condition.min);
      const max = project(condition.max);
      if ((condition.min !== undefined && min === undefined) || (condition.max !== undefined && max === undefined))
        return true;
      // Exclusive bounds become inclusive after a many-to-one transform (day 5 may still hold later rows).
      const exact = transform === "identity";
      return rangeMayMatch(
        {
          column: condition.column,
          op: "range",
          ...(min !== undefined ? { min, minInclusive: exact ? (condition.minInclusive ?? true) : true } : {}),
          ...(max !== undefined ? { max, maxInclusive: exact ? (condition.maxInclusive ?? true) : true } : {}),
        },
        lower,
        upper,
      );
    });
}

function summariesMayMatch(
  metadata: TableMetadata,
  schema: IcebergSchema,
  specId: number,
  summaries: ManifestSummaries,
  bound: BoundCondition[],
): boolean {
  if (!summaries || bound.length === 0) return true;
  return partitionFieldsOf(metadata, schema, specId).every(({ partitionField, sourceType, resultType }, index) => {
    const summary = summaries[index];
    if (!summary || !sourceType || !resultType || !isPrimitive(resultType)) return true;
    if (summary.lowerBound === null && summary.upperBound === null) return summary.containsNull ? true : false;
    const lower = summary.lowerBound ? decodeSingleValue(resultType, summary.lowerBound) : undefined;
    const upper = summary.upperBound ? decodeSingleValue(resultType, summary.upperBound) : undefined;
    return partitionRangeMayMatch(
      bound,
      partitionField.transform,
      sourceType,
      partitionField["source-id"],
      lower,
      upper,
    );
  });
}

type ManifestSummaries = Awaited<ReturnType<typeof readManifestList>>[number]["partitions"];

function partitionMayMatch(
  metadata: TableMetadata,
  schema: IcebergSchema,
  file: ContentFile,
  bound: BoundCondition[],
): boolean {
  if (bound.length === 0) return true;
  return partitionFieldsOf(metadata, schema, file.specId).every(({ partitionField, sourceType }) => {
    if (!sourceType) return true;
    const value = file.partition[partitionField.name] as IcebergValue | undefined;
    if (value === undefined) return true;
    if (value === null) {
      // A null partition value means the source was null: no condition on that column can hold.
      return !bound.some(({ field }) => field.id === partitionField["source-id"]);
    }
    return partitionRangeMayMatch(
      bound,
      partitionField.transform,
      sourceType,
      partitionField["source-id"],
      value,
      value,
    );
  });
}

function boundsMayMatch(file: ContentFile, bound: BoundCondition[]): boolean {
  return bound.every(({ field, condition, compare }) => {
    const lower = decodeBound(file.lowerBounds, field);
    const upper = decodeBound(file.upperBounds, field);
    if (lower === undefined && upper === undefined) {
      // All-null column: known from the counts when the writer recorded them.
      const values = file.valueCounts.get(field.id);
      const nulls = file.nullValueCounts.get(field.id);
      return !(values !== undefined && nulls !== undefined && values === nulls && values > 0);
    }
    return rangeMayMatch(condition, lower, upper, compare);
  });
}

function decodeBound(bounds: Map<number, Uint8Array>, field: NestedField): IcebergValue | undefined {
  const bytes = bounds.get(field.id);
  if (!bytes || !isPrimitive(field.type)) return undefined;
  const value = decodeSingleValue(field.type, bytes);
  const type = parsePrimitive(field.type);
  return type.kind === "decimal" ? formatDecimal(value as bigint, type.scale) : value;
}

function identityPartitionValues(
  metadata: TableMetadata,
  schema: IcebergSchema,
  file: ContentFile,
): Record<number, IcebergValue> {
  const values: Record<number, IcebergValue> = {};
  for (const { partitionField } of partitionFieldsOf(metadata, schema, file.specId)) {
    if (partitionField.transform !== "identity") continue;
    const value = file.partition[partitionField.name];
    if (value !== undefined) values[partitionField["source-id"]] = value as IcebergValue;
  }
  return values;
}

/**
 * Delete files that apply to a data file (spec "Scan Planning"): positional deletes with a data
 * sequence number >= the data file's, equality deletes with a strictly greater one, and for
 * partitioned deletes only those of the same spec and partition.
 */
function applicableDeletes(data: ManifestEntry, deletes: ManifestEntry[], root: string): DeleteFileRef[] {
  const refs: DeleteFileRef[] = [];
  for (const entry of deletes) {
    const file = entry.file;
    const isPositional = file.content === FileContent.POSITION_DELETES;
    if (isPositional ? entry.sequenceNumber < data.sequenceNumber : entry.sequenceNumber <= data.sequenceNumber)
      continue;
    if (isPositional && file.referencedDataFile !== null && file.referencedDataFile !== data.file.path) continue;
    const deletePartitioned = Object.keys(file.partition).length > 0;
    if (!isPositional && deletePartitioned) {
      if (file.specId !== data.file.specId || !samePartition(file.partition, data.file.partition)) continue;
    }
    if (isPositional && file.format === "PUFFIN") {
      throw new UnsupportedArchiveFeatureError(
        `${root}/${file.key}`,
        "is a v3 deletion vector (Puffin); this reader does not apply deletion vectors yet, and reading on would return deleted rows",
      );
    }
    refs.push({
      key: file.key,
      path: file.path,
      content: file.content,
      sizeInBytes: file.fileSizeInBytes,
      equalityFieldIds: file.equalityIds ?? [],
    });
  }
  return refs;
}

function samePartition(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function compareOptional(a: IcebergValue | undefined, b: IcebergValue | undefined): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  return compareValues(a, b);
}

function minOf(current: IcebergValue | undefined, value: IcebergValue | undefined): IcebergValue | undefined {
  if (value === undefined || value === null) return current;
  return current === undefined || current === null || compareValues(value, current) < 0 ? value : current;
}

function maxOf(current: IcebergValue | undefined, value: IcebergValue | undefined): IcebergValue | undefined {
  if (value === undefined || value === null) return current;
  return current === undefined || current === null || compareValues(value, current) > 0 ? value : current;
}

/**
 * The largest value of a column in a snapshot (e.g. the archive's last global position), from the
 * manifests' column bounds; files without bounds are asked for their row-group statistics.
 * Deleted rows can only make the true maximum smaller: this is an upper bound.
 */
export async function columnUpperBound(
  store: ObjectStore,
  metadata: TableMetadata,
  snapshot: Snapshot,
  column: string,
): Promise<IcebergValue | undefined> {
  const field = projectSchema(snapshotSchemaForRead(metadata, snapshot), [column])[0]!;
  const nameMapping = nameMappingOf(metadata, snapshotSchemaForRead(metadata, snapshot));
  const manifests = (await readManifestList(store, metadata, snapshot)).filter(
    (manifest) => manifest.content === ManifestContent.DATA,
  );
  // Each manifest is reduced as it is read: its files' highest bound, and the files without one.
  const perManifest = await mapConcurrently(
    manifests,
    async (manifest) => {
      let upper: IcebergValue | undefined;
      const unbounded: ContentFile[] = [];
      for (const { status, file } of await readManifest(store, metadata, manifest)) {
        if (status === EntryStatus.DELETED || file.recordCount === 0) continue;
        const fileUpper = decodeBound(file.upperBounds, field);
        if (fileUpper === undefined) unbounded.push(file);
        else upper = maxOf(upper, fileUpper);
      }
      return { upper, unbounded };
    },
    MANIFEST_READ_CONCURRENCY,
  );
  const uppers = await mapConcurrently(
    perManifest.flatMap(({ unbounded }) => unbounded),
    async (file) => {
      const parquet = await openParquetDataFile(store, file.key, file.fileSizeInBytes, nameMapping);
      const index = parquet.columnsByFieldId.get(field.id)?.index;
      let fromGroups: IcebergValue | undefined;
      for (const group of parquet.metadata.row_groups) {
        fromGroups = maxOf(
          fromGroups,
          index === undefined
            ? undefined
            : (group.columns[index]?.meta_data?.statistics?.max_value as IcebergValue | undefined),
        );
      }
      return fromGroups;
    },
    FOOTER_READ_CONCURRENCY,
  );
  uppers.push(...perManifest.map(({ upper }) => upper));
  let max: IcebergValue | undefined;
  for (const upper of uppers) max = maxOf(max, upper);
  return max;
}
