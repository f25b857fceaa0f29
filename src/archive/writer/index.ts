// The archive writer's public surface: tables, appends and the event archive.
export { arrowSchemaFor, PARQUET_FIELD_ID_KEY, type WritableColumn, type WritableType } from "./arrow-schema.ts";
export { BOUND_TRUNCATE_LENGTH, type ColumnMetrics } from "./column-statistics.ts";
export {
  appendToArchive,
  archivedEventIds,
  archiveRowOf,
  createEventArchive,
  eventAppendSchema,
  eventArchiveHighWaterMark,
  eventArchiveSchema,
  eventPartitionSpec,
  eventSortOrder,
  writeEventDataFiles,
  ATTRIBUTE_COLUMN_TYPES,
  type ArchiveRow,
  type EventArchiveOptions,
  type EventWriteOptions,
} from "./event-archive.ts";
export {
  writeParquetDataFile,
  PARQUET_ROW_GROUP_ROWS,
  type DataFile,
  type DataFileTarget,
} from "./parquet-data-file.ts";
export {
  writePartitionedDataFiles,
  DATA_FILE_MAX_ROWS,
  type PartitionedWriteOptions,
} from "./partitioned-data-files.ts";
export { dayFromEpochMicros, type PartitionValues } from "./partitioning.ts";
export { RowBatchBuilder, rowBatches, DEFAULT_ROWS_PER_BATCH } from "./row-batch-builder.ts";
export { SeededRandom } from "./seeded-random.ts";
export {
  commitAppend,
  commitSnapshot,
  commitTableMetadata,
  createTable,
  loadTableForWrite,
  metadataKey,
  moveVersionHintUpTo,
  setTableProperties,
  snapshotSummary,
  withPreviousMetadata,
  VERSION_HINT_KEY,
  type Append,
  type AppendResult,
  type NewTable,
  type SnapshotCommit,
  type SnapshotProducer,
  type SortOrder,
  type WritableTable,
} from "./table-commit.ts";
export {
  commitReplace,
  StaleRewriteError,
  type Replace,
  type ReplaceResult,
  type RemovedFiles,
} from "./replace-commit.ts";
export { randomWriterIds, seededWriterIds, type WriterIds } from "./writer-ids.ts";
