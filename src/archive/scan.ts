// Streaming a planned scan one row group at a time (memory bounded by a row group, whatever the
// table size), applying deletes and the row predicate, in order of the plan's order column with
// overlapping files merged.
import { DeleteIndex, equalityKey, type DeletesForFile } from "./deletes.ts";
import type { TableMetadata } from "./metadata.ts";
import { nameMappingOf } from "./name-mapping.ts";
import {
  decodeRowGroup,
  fetchRowGroup,
  openParquetDataFile,
  type FetchedRowGroup,
  type ParquetDataFile,
} from "./parquet-file.ts";
import { checkRowCount, type ScanPlan, type ScanSlice } from "./plan.ts";
import { bindPredicate, compareValues, valueMatches } from "./predicate.ts";
import { parseJsonValue } from "./json-single-value.ts";
import { fieldByName, type NestedField, type PrimitiveType } from "./schema.ts";
import type { IcebergValue } from "./single-value.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { primitiveValue, type ArchiveValue, type ColumnValues } from "./values.ts";

/** Marks a row group whose rows all survive, so its columns are passed on without copying. */
const ALL_ROWS: readonly number[] = [];

export interface RowBatch {
  rowCount: number;
  /** Projected columns by name. */
  columns: Record<string, ColumnValues>;
  /** Rows read from the files for this batch, before deletes and filtering. */
  rowsRead: number;
  rowsDeleted: number;
  /** Rows dropped by the row predicate. */
  rowsFiltered: number;
  /** Rows at or before `after`: already processed by an earlier run. */
  rowsBeforeCursor: number;
}

export interface ScanOptions {
  /** Only rows whose order column is greater than this (resume after a checkpoint). Needs plan.orderBy. */
  after?: IcebergValue;
}

/**
 * Yields the plan's rows batch by batch (one batch per row group, or per merge window). The next
 * batch is read while the caller works on the current one, so file or S3 latency overlaps with
 * decoding; at most two batches are held.
 */
export function scanPlan(
  store: ObjectStore,
  metadata: TableMetadata,
  plan: ScanPlan,
  options: ScanOptions = {},
): AsyncGenerator<RowBatch> {
  return readAhead(scanBatches(store, metadata, plan, options));
}

async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = source.next();
      // If the caller stops early, the batch read ahead is dropped; its failure must not go unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await source.return(undefined).catch(() => undefined);
  }
}

async function* scanBatches(
  store: ObjectStore,
  metadata: TableMetadata,
  plan: ScanPlan,
  options: ScanOptions,
): AsyncGenerator<RowBatch> {
  const reader = new SliceReader(store, metadata, plan, options);
  let run: ScanSlice[] = [];
  for (const group of overlappingGroups(plan.slices, plan.orderBy !== undefined)) {
    if (group.length === 1) {
      run.push(group[0]!);
      continue;
    }
    yield* reader.read(run);
    run = [];
    yield* mergeOrdered(
      group.map((slice) => reader.read([slice])),
      plan.orderBy!,
      plan.fields,
    );
  }
  yield* reader.read(run);
}

/** A data file being read: its footer, its deletes and the fields to decode. */
interface OpenSlice {
  slice: ScanSlice;
  file: ParquetDataFile;
  rowGroups: number[];
  deletes: DeletesForFile;
  fields: NestedField[];
}

class SliceReader {
  private readonly deletes: DeleteIndex;
  private readonly nameMapping: Map<string, number>;
  private readonly readFields: NestedField[];
  private readonly conditions;
  private readonly orderField: NestedField | undefined;

  constructor(
    private readonly store: ObjectStore,
    metadata: TableMetadata,
    private readonly plan: ScanPlan,
    private readonly options: ScanOptions,
  ) {
    this.deletes = new DeleteIndex(store, metadata.schemas);
    this.nameMapping = nameMappingOf(metadata, plan.schema);
    this.conditions = bindPredicate(plan.schema, plan.predicate);
    this.orderField = plan.orderBy ? fieldByName(plan.schema, plan.orderBy) : undefined;
    const needed = new Map(plan.fields.map((field) => [field.id, field]));
    for (const { column } of this.conditions) needed.set(column.id, column);
    if (this.orderField) needed.set(this.orderField.id, this.orderField);
    this.readFields = [...needed.values()];
  }

  /**
   * Yields the slices' row groups in order. The next row group's bytes (and the next file's footer)
   * are read while the current one is decoded, so file or S3 latency overlaps with decoding even
   * across files.
   */
  async *read(slices: ScanSlice[]): AsyncGenerator<RowBatch> {
    for await (const { opened, fetched } of readAhead(this.fetchRowGroups(slices))) {
      yield this.batchOf(opened, fetched);
    }
  }

  private async *fetchRowGroups(slices: ScanSlice[]) {
    for (const slice of slices) {
      const opened = await this.open(slice);
      if (!opened) continue;
      for (const rowGroup of opened.rowGroups) {
        yield { opened, fetched: await fetchRowGroup(opened.file, rowGroup, opened.fields) };
      }
    }
  }

  /** Opens a slice's file and deletes; undefined when the cursor is past all of its rows. */
  private async open(slice: ScanSlice): Promise<OpenSlice | undefined> {
    const after = this.options.after;
    if (after !== undefined && after !== null && slice.orderUpper !== undefined && slice.orderUpper !== null) {
      if (compareValues(slice.orderUpper, after) <= 0) return undefined;
    }
    const file = await openParquetDataFile(this.store, slice.key, slice.sizeInBytes, this.nameMapping);
    // A slice planned from its manifest entry alone reads every row group, as many as the manifest counted.
    if (!slice.rowGroups) checkRowCount(file, slice.rowCount);
    const rowGroups = slice.rowGroups ?? file.metadata.row_groups.map((_group, index) => index);
    const deletes = await this.deletes.forDataFile(slice.path, slice.deletes);
    const equalityFields = deletes.equality.map(({ fieldIds }) => fieldIds);
    const extraFields = equalityFields.flat().filter((id) => !this.readFields.some((field) => field.id === id));
    const fields = [
      ...this.readFields,
      ...[...new Set(extraFields)]
        .map((id) => this.plan.schema.fields.find((field) => field.id === id)!)
        .filter(Boolean),
    ];
    return { slice, file, rowGroups, deletes, fields };
  }

  private batchOf({ slice, file, deletes, fields }: OpenSlice, fetched: FetchedRowGroup): RowBatch {
    const rowGroup = fetched.rowGroup;
    const decoded = decodeRowGroup(fetched);
    const rowsRead = Number(file.metadata.row_groups[rowGroup]!.num_rows);
    const columns = new Map<number, ColumnValues>();
    for (const field of fields) {
      columns.set(field.id, decoded.get(field.id) ?? missingColumn(field, slice, rowsRead));
    }
    const { selection, rowsDeleted, rowsFiltered, rowsBeforeCursor } = this.selectRows(
      columns,
      rowsRead,
      file.rowGroupStarts[rowGroup]!,
      deletes,
    );
    const output: Record<string, ColumnValues> = {};
    for (const field of this.plan.fields) {
      const column = columns.get(field.id)!;
      output[field.name] = selection === ALL_ROWS ? column : selection.map((row) => column[row]!);
    }
    const rowCount = selection === ALL_ROWS ? rowsRead : selection.length;
    return { rowCount, columns: output, rowsRead, rowsDeleted, rowsFiltered, rowsBeforeCursor };
  }

  /** Rows that survive deletes, the cursor and the predicate; ALL_ROWS when nothing can remove any. */
  private selectRows(columns: Map<number, ColumnValues>, rowsRead: number, firstRow: number, deletes: DeletesForFile) {
    const after = this.options.after;
    const orderColumn = this.orderField ? columns.get(this.orderField.id) : undefined;
    const counts = { rowsDeleted: 0, rowsFiltered: 0, rowsBeforeCursor: 0 };
    const cursorApplies = after !== undefined && after !== null && orderColumn !== undefined;
    if (deletes.positions.size === 0 && deletes.equality.length === 0 && this.conditions.length === 0) {
      if (!cursorApplies || everyAfter(orderColumn, rowsRead, after)) return { selection: ALL_ROWS, ...counts };
    }
    const selection: number[] = [];
    for (let row = 0; row < rowsRead; row++) {
      if (deletes.positions.has(firstRow + row) || this.isEqualityDeleted(deletes.equality, columns, row)) {
        counts.rowsDeleted++;
      } else if (cursorApplies && compareValues(primitiveValue(orderColumn[row]), after) <= 0) {
        counts.rowsBeforeCursor++;
      } else if (
        this.conditions.every(({ column, condition, compare, valueOf }) =>
          valueMatches(condition, valueOf(columns.get(column.id)![row]), compare),
        )
      ) {
        selection.push(row);
      } else {
        counts.rowsFiltered++;
      }
    }
    return { selection, ...counts };
  }

  private isEqualityDeleted(
    equality: Array<{ fieldIds: number[]; keys: Set<string> }>,
    columns: Map<number, ColumnValues>,
    row: number,
  ): boolean {
    return equality.some(({ fieldIds, keys }) =>
      keys.has(equalityKey(fieldIds.map((id) => primitiveValue(columns.get(id)![row])))),
    );
  }
}

function everyAfter(column: ColumnValues, rows: number, after: IcebergValue): boolean {
  for (let row = 0; row < rows; row++) if (compareValues(primitiveValue(column[row]), after) <= 0) return false;
  return true;
}

/** A column the file does not have: its identity-partition value, else its initial default, else null. */
function missingColumn(field: NestedField, slice: ScanSlice, rows: number): ColumnValues {
  const value =
    field.id in slice.identityPartitionValues
      ? slice.identityPartitionValues[field.id]!
      : initialDefault(field, slice.path);
  return new Array<ArchiveValue>(rows).fill(value);
}

function initialDefault(field: NestedField, dataFile: string): ArchiveValue {
  return parseJsonValue(
    field.type,
    field["initial-default"],
    `${dataFile} (initial-default of column "${field.name}")`,
  );
}

/**
 * Consecutive slices (of a plan ordered by a column when `ordered`) whose order-column ranges
 * overlap must be merged; others stream as they are.
 */
export function overlappingGroups(slices: readonly ScanSlice[], ordered: boolean): ScanSlice[][] {
  if (!ordered) return slices.map((slice) => [slice]);
  const groups: ScanSlice[][] = [];
  let groupUpper: IcebergValue | undefined;
  for (const slice of slices) {
    const current = groups.at(-1);
    const overlaps =
      current !== undefined &&
      (slice.orderLower === undefined ||
        slice.orderLower === null ||
        groupUpper === undefined ||
        groupUpper === null ||
        compareValues(slice.orderLower, groupUpper) <= 0);
    if (overlaps) current.push(slice);
    else groups.push([slice]);
    if (slice.orderUpper === undefined || slice.orderUpper === null) groupUpper = undefined;
    else if (
      !overlaps ||
      (groupUpper !== undefined && groupUpper !== null && compareValues(slice.orderUpper, groupUpper) > 0)
    ) {
      groupUpper = slice.orderUpper;
    }
  }
  return groups;
}

/** Rows per merged output batch: close to a row group, so consumers see similar batch sizes. */
const MERGE_BATCH_ROWS = 65_536;

/** K-way merge of ordered batch streams by the order column; each stream holds one batch at a time. */
async function* mergeOrdered(
  streams: AsyncGenerator<RowBatch>[],
  orderBy: string,
  fields: NestedField[],
): AsyncGenerator<RowBatch> {
  let out = emptyBatch(fields);
  let counters = emptyCounters();
  const absorb = (batch: RowBatch) => {
    counters.rowsRead += batch.rowsRead;
    counters.rowsDeleted += batch.rowsDeleted;
    counters.rowsFiltered += batch.rowsFiltered;
    counters.rowsBeforeCursor += batch.rowsBeforeCursor;
  };
  const cursors = [];
  for (const stream of streams) cursors.push({ stream, batch: await nextNonEmpty(stream, absorb), row: 0 });
  for (;;) {
    let best: (typeof cursors)[number] | undefined;
    for (const cursor of cursors) {
      if (!cursor.batch) continue;
      if (
        !best ||
        compareValues(
          primitiveValue(cursor.batch.columns[orderBy]![cursor.row]),
          primitiveValue(best.batch!.columns[orderBy]![best.row]),
        ) < 0
      )
        best = cursor;
    }
    if (!best) break;
    for (const field of fields)
      (out.columns[field.name] as ArchiveValue[]).push(best.batch!.columns[field.name]![best.row]!);
    out.rowCount++;
    if (++best.row >= best.batch!.rowCount) {
      best.batch = await nextNonEmpty(best.stream, absorb);
      best.row = 0;
    }
    if (out.rowCount >= MERGE_BATCH_ROWS) {
      yield { ...out, ...counters };
      out = emptyBatch(fields);
      counters = emptyCounters();
    }
  }
  if (out.rowCount > 0 || counters.rowsRead > 0) yield { ...out, ...counters };
}

/** The next batch with rows; every batch passed over still counts through `absorb`. */
async function nextNonEmpty(
  stream: AsyncGenerator<RowBatch>,
  absorb: (batch: RowBatch) => void,
): Promise<RowBatch | undefined> {
  for (;;) {
    const next = await stream.next();
    if (next.done) return undefined;
    absorb(next.value);
    if (next.value.rowCount > 0) return next.value;
  }
}

function emptyCounters() {
  return { rowsRead: 0, rowsDeleted: 0, rowsFiltered: 0, rowsBeforeCursor: 0 };
}

function emptyBatch(fields: NestedField[]): RowBatch {
  return {
    rowCount: 0,
    columns: Object.fromEntries(fields.map((field) => [field.name, [] as ArchiveValue[]])),
    ...emptyCounters(),
  };
}

/** The rows of a batch, as arrays in the order of `fields`. */
export function* batchRows(batch: RowBatch, fields: readonly NestedField[]): Generator<ArchiveValue[]> {
  const columns = fields.map((field) => batch.columns[field.name]!);
  for (let row = 0; row < batch.rowCount; row++) yield columns.map((column) => column[row] ?? null);
}
