// The event archive table (DESIGN.md "Demo domain"): its schemas, partitioning by day of
// `occurred_at`, rows sorted by `global_position` in every file, and appending events to it.
import type * as arrow from "apache-arrow";
import { ArchiveError } from "../errors.ts";
import { currentSchema, type PartitionSpec } from "../metadata.ts";
import type { IcebergSchema, NestedField } from "../schema.ts";
import type { ObjectStore } from "../store/object-store.ts";
import type { DataFile } from "./parquet-data-file.ts";
import { writePartitionedDataFiles } from "./partitioned-data-files.ts";
import { dayFromEpochMicros } from "./partitioning.ts";
import { rowBatches } from "./row-batch-builder.ts";
import { commitAppend, createTable, type AppendResult, type SortOrder, type WritableTable } from "./table-commit.ts";
import { randomWriterIds, type WriterIds } from "./writer-ids.ts";

/** One archived event. Field names are the column names. */
export interface EventRecord {
  /** Strictly increasing over the whole archive, from 1; continued by the live Convex table. */
  global_position: number;
  event_id: string;
  /** Play, Pause, Seek, Rebuffer, Error, End. */
  event_type: string;
  event_version: number;
  /** Epoch microseconds, UTC: the column's own unit, and how readers hand timestamps back. */
  occurred_at: bigint;
  /** The playback session. */
  stream_id: string;
  cdn: string | null;
  device: string | null;
  /** The event's JSON body. */
  payload: string;
  /** Only in schema 1 and later; files written before it lack the column. */
  country?: string | null;
}

const EVENT_FIELDS: NestedField[] = [
  { id: 1, name: "global_position", required: true, type: "long" },
  { id: 2, name: "event_id", required: true, type: "string" },
  { id: 3, name: "event_type", required: true, type: "string" },
  { id: 4, name: "event_version", required: true, type: "int" },
  { id: 5, name: "occurred_at", required: true, type: "timestamptz" },
  { id: 6, name: "stream_id", required: true, type: "string" },
  { id: 7, name: "cdn", required: false, type: "string" },
  { id: 8, name: "device", required: false, type: "string" },
  { id: 9, name: "payload", required: true, type: "string" },
];

export const EVENT_ARCHIVE_SCHEMA: IcebergSchema = {
  type: "struct",
  "schema-id": 0,
  "identifier-field-ids": [1],
  fields: EVENT_FIELDS,
};

/** Schema 1: `country` added as an optional column. */
export const EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY: IcebergSchema = {
  type: "struct",
  "schema-id": 1,
  "identifier-field-ids": [1],
  fields: [...EVENT_FIELDS, { id: 10, name: "country", required: false, type: "string" }],
};

export const EVENT_PARTITION_SPEC: PartitionSpec = {
  "spec-id": 0,
  fields: [{ name: "occurred_at_day", transform: "day", "source-id": 5, "field-id": 1000 }],
};

export const EVENT_SORT_ORDER: SortOrder = {
  "order-id": 1,
  fields: [{ transform: "identity", "source-id": 1, direction: "asc", "null-order": "nulls-first" }],
};

/** Events as Arrow record batches with the archive's columns (`schema` decides whether `country` is one). */
export function eventRecordBatches(
  records: Iterable<EventRecord>,
  schema: IcebergSchema = EVENT_ARCHIVE_SCHEMA_WITH_COUNTRY,
  rowsPerBatch?: number,
): Generator<arrow.RecordBatch> {
  return rowBatches(records, schema, rowsPerBatch);
}

export interface EventArchiveOptions {
  ids?: WriterIds;
  /** Location written into the metadata; the store's root by default. */
  location?: string;
}

/** Creates an empty event archive (schema 0, partitioned by day, sorted by position). */
export function createEventArchive(store: ObjectStore, options: EventArchiveOptions = {}): Promise<WritableTable> {
  return createTable(
    store,
    { schema: EVENT_ARCHIVE_SCHEMA, partitionSpec: EVENT_PARTITION_SPEC, sortOrder: EVENT_SORT_ORDER, location: options.location },
    options.ids,
  );
}

export interface EventWriteOptions {
  /** The schema to write with; the table's current one by default. */
  schema?: IcebergSchema;
  ids?: WriterIds;
  onRows?: (rows: number) => void;
}

/**
 * Writes events that come ordered by day of `occurred_at`, then `global_position`, as data files:
 * one or more per day, each sorted by position. Out-of-order events are refused, since the files
 * declare the position sort order.
 */
export function writeEventDataFiles(
  store: ObjectStore,
  table: WritableTable,
  events: Iterable<EventRecord>,
  options: EventWriteOptions = {},
): Promise<DataFile[]> {
  return writePartitionedDataFiles(store, table.metadata, options.schema ?? currentSchema(table.metadata), inArchiveOrder(events), {
    ids: options.ids,
    sortOrderId: EVENT_SORT_ORDER["order-id"],
    onRows: options.onRows,
  });
}

/** Sorts `events` into archive order, writes them and commits them as one snapshot. */
export async function appendEvents(
  store: ObjectStore,
  table: WritableTable,
  events: readonly EventRecord[],
  options: EventWriteOptions = {},
): Promise<AppendResult> {
  const ordered = [...events].sort(
    (a, b) => dayFromEpochMicros(a.occurred_at) - dayFromEpochMicros(b.occurred_at) || a.global_position - b.global_position,
  );
  const dataFiles = await writeEventDataFiles(store, table, ordered, options);
  return commitAppend(store, table, { dataFiles, schema: options.schema }, options.ids ?? randomWriterIds);
}

function* inArchiveOrder(events: Iterable<EventRecord>): Generator<EventRecord> {
  let previousDay = -Infinity;
  let previousPosition = -Infinity;
  for (const event of events) {
    const day = dayFromEpochMicros(event.occurred_at);
    if (day < previousDay || (day === previousDay && event.global_position <= previousPosition)) {
      throw new ArchiveError(
        undefined,
        `event at global_position ${event.global_position} (${new Date(Number(event.occurred_at / 1000n)).toISOString()}) ` +
          `comes after global_position ${previousPosition}: events must be ordered by day, then strictly increasing position`,
      );
    }
    previousDay = day;
    previousPosition = event.global_position;
    yield event;
  }
}
