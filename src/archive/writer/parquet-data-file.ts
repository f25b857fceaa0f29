// Writes one Parquet data file (ZSTD, column statistics, field ids) from a stream of Arrow batches
// and describes it the way a manifest entry needs. Batches go through parquet-wasm's streaming
// writer one at a time, so memory holds one batch and the row group being encoded, plus the
// compressed file until it is stored.
import * as arrow from "apache-arrow";
import { parquetMetadata, parquetSchema, type SchemaTree } from "hyparquet";
import {
  Compression,
  EnabledStatistics,
  Encoding,
  Table as WasmTable,
  WriterPropertiesBuilder,
  transformParquetStream,
  type RecordBatch as WasmRecordBatch,
} from "parquet-wasm";
import { ArchiveError } from "../errors.ts";
import type { ObjectStore } from "../store/object-store.ts";
import type { IcebergSchema } from "../schema.ts";
import { writableColumn, type WritableType } from "./arrow-schema.ts";
import { ColumnStatistics, type ColumnMetrics } from "./column-statistics.ts";
import type { PartitionValues } from "./partitioning.ts";

/**
 * Readers hold one row group of the projected columns in memory while they stream a table, so the
 * group size bounds their memory whatever the table size. 32k rows keep a rebuild's scan near the
 * same peak at 1M and 10M events; bigger groups buy nothing in size (10M demo events take 303 MB
 * in 100k-row groups, 304 MB in 250k-row groups) and cost the writer WASM memory.
 */
export const PARQUET_ROW_GROUP_ROWS = 32_768;

/** A written data file, with what its manifest entry records about it. */
export interface DataFile extends ColumnMetrics {
  /** Key in the table's object store. */
  key: string;
  /** Location written into the manifest (table location + key). */
  path: string;
  partition: PartitionValues;
  recordCount: number;
  fileSizeInBytes: number;
  /** Compressed bytes per column, by field id. */
  columnSizes: Map<number, number>;
  /** Byte offsets where row groups start: readers may split the file there. */
  splitOffsets: number[];
  /** The table sort order the rows follow, if any. */
  sortOrderId: number | undefined;
}

export interface DataFileTarget {
  key: string;
  path: string;
  partition: PartitionValues;
  /** The schema the batches were built from (`arrowSchemaFor(schema)`). */
  schema: IcebergSchema;
  sortOrderId?: number;
}

export async function writeParquetDataFile(
  store: ObjectStore,
  target: DataFileTarget,
  batches: Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>,
): Promise<DataFile> {
  const statistics = new ColumnStatistics(target.schema);
  // Rows may come from a scan (compaction rewrites files while it reads them): pulled one batch at a time either way.
  const source = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  let recordCount = 0;
  // parquet-wasm reports a failed pull as an opaque stream error; keep the real one.
  let sourceError: unknown;
  const input = new ReadableStream<WasmRecordBatch>(
    {
      async pull(controller) {
        try {
          const next = await source.next();
          if (next.done) return controller.close();
          checkBatchColumns(next.value, target);
          statistics.add(next.value);
          recordCount += next.value.numRows;
          controller.enqueue(toWasmBatch(next.value));
        } catch (error) {
          sourceError = error;
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 },
  );

  const chunks: Uint8Array[] = [];
  try {
    const output = (
      (await transformParquetStream(input, writerProperties(target.schema))) as ReadableStream<Uint8Array>
    ).getReader();
    for (let read = await output.read(); !read.done; read = await output.read()) chunks.push(read.value);
  } catch (error) {
    if (sourceError !== undefined) throw sourceError;
    throw new ArchiveError(target.path, `could not be written as Parquet (${describe(error)})`, { cause: error });
  }
  if (recordCount === 0) throw new ArchiveError(target.path, "has no rows to write; a data file needs at least one");
  const bytes = concatenate(chunks);
  const layout = parquetLayout(bytes);
  await store.put(target.key, bytes);
  return {
    key: target.key,
    path: target.path,
    partition: target.partition,
    recordCount,
    fileSizeInBytes: bytes.length,
    columnSizes: layout.columnSizes,
    splitOffsets: layout.splitOffsets,
    sortOrderId: target.sortOrderId,
    ...statistics.metrics(),
  };
}

function checkBatchColumns(batch: arrow.RecordBatch, target: DataFileTarget): void {
  const columns = batch.schema.fields.map((field) => field.name).join(", ");
  const expected = target.schema.fields.map((field) => field.name).join(", ");
  if (columns !== expected) {
    throw new ArchiveError(target.path, `got a batch with columns (${columns}), but its schema has (${expected})`);
  }
}

/** Integer-like columns are delta-encoded instead of dictionary-encoded (positions and times shrink to a few bits a row). */
const DELTA_ENCODED_TYPES = new Set<string>(["int", "long", "date", "time", "timestamp", "timestamptz", "timestamp_ns", "timestamptz_ns"] satisfies WritableType[]);

function writerProperties(schema: IcebergSchema) {
  let builder = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setStatisticsEnabled(EnabledStatistics.Page)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS);
  for (const field of schema.fields) {
    if (!DELTA_ENCODED_TYPES.has(writableColumn(field).kind)) continue;
    builder = builder
      .setColumnDictionaryEnabled(field.name, false)
      .setColumnEncoding(field.name, Encoding.DELTA_BINARY_PACKED);
  }
  // Built per file: parquet-wasm consumes the properties object it is given.
  return builder.build();
}

function toWasmBatch(batch: arrow.RecordBatch): WasmRecordBatch {
  const table = WasmTable.fromIPCStream(arrow.tableToIPC(new arrow.Table(batch), "stream"));
  try {
    return table.recordBatch(0)!;
  } finally {
    table.free();
  }
}

/** Column sizes by (leaf) field id and row-group start offsets, read back from the footer just written. */
function parquetLayout(bytes: Uint8Array): { columnSizes: Map<number, number>; splitOffsets: number[] } {
  const metadata = parquetMetadata(bytes);
  const fieldIds = leafFieldIds(parquetSchema(metadata), []);
  const columnSizes = new Map<number, number>();
  const splitOffsets: number[] = [];
  for (const rowGroup of metadata.row_groups) {
    const first = rowGroup.columns[0]?.meta_data;
    if (first) splitOffsets.push(Number(first.dictionary_page_offset ?? first.data_page_offset));
    for (const column of rowGroup.columns) {
      const fieldId = column.meta_data && fieldIds.get(column.meta_data.path_in_schema.join(PATH_SEPARATOR));
      if (fieldId === undefined || !column.meta_data) continue;
      columnSizes.set(fieldId, (columnSizes.get(fieldId) ?? 0) + Number(column.meta_data.total_compressed_size));
    }
  }
  return { columnSizes, splitOffsets };
}

/** Joins a column's path in the schema; a control character, which no column name holds. */
const PATH_SEPARATOR = "\u0000";

/** Each Parquet leaf column's path → its field id (a map's key and value have ids, its entries group none). */
function leafFieldIds(tree: SchemaTree, path: string[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const child of tree.children) {
    const childPath = [...path, child.element.name];
    if (child.children.length > 0) {
      for (const [leaf, id] of leafFieldIds(child, childPath)) ids.set(leaf, id);
    } else if (child.element.field_id !== undefined) {
      ids.set(childPath.join(PATH_SEPARATOR), child.element.field_id);
    }
  }
  return ids;
}

function concatenate(chunks: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
