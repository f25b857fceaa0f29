// Splits a stream of rows into Parquet data files by the table's partition spec. Rows are expected
// grouped by partition (the event archive's come ordered by time): each run of rows in one
// partition becomes one file, or several when it exceeds the file size limit.
import type * as arrow from "apache-arrow";
import { partitionSpecById, type TableMetadata } from "../metadata.ts";
import type { IcebergSchema } from "../schema.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { writeParquetDataFile, type DataFile } from "./parquet-data-file.ts";
import { partitionPath, rowPartitioner } from "./partitioning.ts";
import { DEFAULT_ROWS_PER_BATCH, RowBatchBuilder } from "./row-batch-builder.ts";
import { randomWriterIds, type WriterIds } from "./writer-ids.ts";

/**
 * Rows per data file at most: 2.5 row groups. The compressed file is held in memory until it is
 * stored (~7.5 MB for 250k events, twice that while its pieces are joined); 500k-row files raised
 * the peak RSS of a 10M-event demo archive by ~30 MB for no gain in size.
 */
export const DATA_FILE_MAX_ROWS = 250_000;

export interface PartitionedWriteOptions {
  ids?: WriterIds;
  maxRowsPerFile?: number;
  rowsPerBatch?: number;
  /** Set only when the rows follow that sort order of the table within each partition. */
  sortOrderId?: number;
  /** Called after each batch of rows is handed to the Parquet writer. */
  onRows?: (rows: number) => void;
}

export async function writePartitionedDataFiles<Row extends object>(
  store: ObjectStore,
  metadata: TableMetadata,
  schema: IcebergSchema,
  rows: Iterable<Row>,
  options: PartitionedWriteOptions = {},
): Promise<DataFile[]> {
  const ids = options.ids ?? randomWriterIds;
  const maxRowsPerFile = options.maxRowsPerFile ?? DATA_FILE_MAX_ROWS;
  if (!Number.isInteger(maxRowsPerFile) || maxRowsPerFile < 1) {
    throw new RangeError(`maxRowsPerFile must be a positive integer, got ${maxRowsPerFile}`);
  }
  const spec = partitionSpecById(metadata, metadata["default-spec-id"]);
  const partitioner = rowPartitioner<Row>(spec, schema);
  const source = peekable(rows);
  const files: DataFile[] = [];
  for (let first = source.peek(); first !== undefined; first = source.peek()) {
    const partition = partitioner.valuesOf(first);
    const key = `data/${partitionPath(spec, partition)}/${ids.newUuid()}.parquet`;
    const batches = batchesOfPartition(source, schema, {
      belongs: (row) => partitioner.matches(row, partition),
      maxRows: maxRowsPerFile,
      rowsPerBatch: options.rowsPerBatch ?? DEFAULT_ROWS_PER_BATCH,
      onRows: options.onRows,
    });
    files.push(
      await writeParquetDataFile(
        store,
        { key, path: `${metadata.location}/${key}`, partition, schema, sortOrderId: options.sortOrderId },
        batches,
      ),
    );
  }
  return files;
}

interface PartitionRun<Row> {
  belongs: (row: Row) => boolean;
  maxRows: number;
  rowsPerBatch: number;
  onRows: ((rows: number) => void) | undefined;
}

/** Batches of the rows at the head of `source` that belong to one partition, up to `maxRows`. */
function* batchesOfPartition<Row extends object>(
  source: Peekable<Row>,
  schema: IcebergSchema,
  run: PartitionRun<Row>,
): Generator<arrow.RecordBatch> {
  const builder = new RowBatchBuilder<Row>(schema, Math.min(run.rowsPerBatch, run.maxRows));
  let taken = 0;
  const emit = () => {
    const batch = builder.build();
    run.onRows?.(batch.numRows);
    return batch;
  };
  for (let row = source.peek(); row !== undefined && taken < run.maxRows && run.belongs(row); row = source.peek()) {
    builder.append(source.take());
    taken++;
    if (builder.isFull) yield emit();
  }
  if (builder.length > 0) yield emit();
}

interface Peekable<T> {
  peek(): T | undefined;
  take(): T;
}

function peekable<T>(items: Iterable<T>): Peekable<T> {
  const iterator = items[Symbol.iterator]();
  let head = iterator.next();
  return {
    peek: () => (head.done ? undefined : head.value),
    take: () => {
      if (head.done) throw new RangeError("no rows left");
      const value = head.value;
      head = iterator.next();
      return value;
    },
  };
}
