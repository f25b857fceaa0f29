// The event archive table, laid out by the app's event envelope: its schema, partitioning by day of
// the envelope's time column, rows sorted by position in every file, and appending events to it.
// An attribute the envelope declares and the table lacks becomes a new optional column (or struct
// field) on the next append (files written before it read it as null). Attributes kept in a map
// column are its keys: an attribute the map lacks needs no schema change, and reads as null.
import {
  attributeNamed,
  attributesProblem,
  isAttributeValue,
  type AttributesColumn,
  type AttributeType,
  type AttributeValue,
  type EnvelopeAttribute,
  type EventEnvelope,
} from "../../registry/envelope.ts";
import type { EventRecord } from "../../registry/event-record.ts";
import { checkArchiveCarriesEnvelope } from "../archive-envelope.ts";
import { ArchiveError } from "../errors.ts";
import { currentSchema, currentSnapshot, type PartitionSpec, type TableMetadata } from "../metadata.ts";
import { columnUpperBound, planScan } from "../plan.ts";
import { scanPlan } from "../scan.ts";
import { fieldByName, isPrimitive, type IcebergSchema, type NestedField } from "../schema.ts";
import type { ObjectStore } from "../store/object-store.ts";
import type { WritableType } from "./arrow-schema.ts";
import { writePartitionedDataFiles } from "./partitioned-data-files.ts";
import { dayFromEpochMicros } from "./partitioning.ts";
import {
  commitAppend,
  createTable,
  type Append,
  type AppendResult,
  type SortOrder,
  type WritableTable,
} from "./table-commit.ts";
import { randomWriterIds, type WriterIds } from "./writer-ids.ts";

/** An event as an archive row: column name → value, as the row batch builder reads it. */
export type ArchiveRow = Record<string, unknown>;

/**
 * Iceberg type of each attribute type. Numbers are `double`: a JavaScript number is one, so every
 * value round-trips exactly (integers too, up to 2^53).
 */
export const ATTRIBUTE_COLUMN_TYPES: Readonly<Record<AttributeType, WritableType>> = {
  string: "string",
  number: "double",
  boolean: "boolean",
};

const MICROS_PER_MS = 1000;

/**
 * The schema of a new event archive: the core columns (required), each declared attribute column
 * and the attributes column (optional), and the payload, the widest column, last. Nested ids (the
 * map's key and value, the struct's fields) follow the top-level ones.
 */
export function eventArchiveSchema(envelope: EventEnvelope): IcebergSchema {
  const { columns } = envelope;
  const container = envelope.attributesColumn;
  // Each top-level field given its id (1, 2, ... in order); nested ids are handed out after them.
  const core = (name: string, type: WritableType) => (id: number) => ({ id, name, required: true, type });
  const fields: Array<(id: number) => NestedField> = [
    core(columns.position, "long"),
    core(columns.id, "string"),
    core(columns.type, "string"),
    core(columns.version, "int"),
    core(columns.occurredAt, "timestamptz"),
    core(columns.stream, "string"),
    ...ownColumnAttributes(envelope).map((attribute) => (id: number) => ({
      id,
      name: attribute.column,
      required: false,
      type: ATTRIBUTE_COLUMN_TYPES[attribute.type],
    })),
    ...(container ? [(id: number) => attributesColumnField(envelope, container, id, () => ++nextId)] : []),
    core(columns.payload, "string"),
  ];
  let nextId = fields.length;
  return {
    type: "struct",
    "schema-id": 0,
    "identifier-field-ids": [1],
    fields: fields.map((field, index) => field(index + 1)),
  };
}

/** The attributes column: a `map<string, string>` (optional values), or a struct of an optional field per attribute kept in it. */
function attributesColumnField(
  envelope: EventEnvelope,
  container: AttributesColumn,
  id: number,
  nextId: () => number,
): NestedField {
  if (container.type === "map") {
    const keyId = nextId();
    const valueId = nextId();
    return {
      id,
      name: container.name,
      required: false,
      type: {
        type: "map",
        "key-id": keyId,
        key: "string",
        "value-id": valueId,
        value: "string",
        "value-required": false,
      },
    };
  }
  return {
    id,
    name: container.name,
    required: false,
    type: { type: "struct", fields: structFields(keyedAttributes(envelope), nextId) },
  };
}

function structFields(attributes: readonly EnvelopeAttribute[], nextId: () => number): NestedField[] {
  return attributes.map((attribute) => ({
    id: nextId(),
    name: attribute.key!,
    required: false,
    type: ATTRIBUTE_COLUMN_TYPES[attribute.type],
  }));
}

function ownColumnAttributes(envelope: EventEnvelope): EnvelopeAttribute[] {
  return Object.values(envelope.attributes).filter((attribute) => attribute.key === undefined);
}

function keyedAttributes(envelope: EventEnvelope): EnvelopeAttribute[] {
  return Object.values(envelope.attributes).filter((attribute) => attribute.key !== undefined);
}

/** Partitioned by day of the envelope's time column. */
export function eventPartitionSpec(envelope: EventEnvelope): PartitionSpec {
  return {
    "spec-id": 0,
    fields: [
      {
        name: `${envelope.columns.occurredAt}_day`,
        transform: "day",
        "source-id": fieldIdOf(eventArchiveSchema(envelope), envelope.columns.occurredAt),
        "field-id": 1000,
      },
    ],
  };
}

/** Sorted by the envelope's position column. */
export function eventSortOrder(envelope: EventEnvelope): SortOrder {
  const source = fieldIdOf(eventArchiveSchema(envelope), envelope.columns.position);
  return {
    "order-id": 1,
    fields: [{ transform: "identity", "source-id": source, direction: "asc", "null-order": "nulls-first" }],
  };
}

/**
 * The schema an append writes with: the table's current schema, plus each declared attribute it
 * lacks as a new optional column. Throws ArchiveError when the table cannot carry the envelope
 * (a core column missing, a column of another type).
 */
export function eventAppendSchema(metadata: TableMetadata, envelope: EventEnvelope): IcebergSchema {
  const current = currentSchema(metadata);
  let lastId = metadata["last-column-id"];
  const nextId = () => ++lastId;
  const added = ownColumnAttributes(envelope)
    .filter((attribute) => !fieldByName(current, attribute.column))
    .map((attribute): NestedField => ({
      id: nextId(),
      name: attribute.column,
      required: false,
      type: ATTRIBUTE_COLUMN_TYPES[attribute.type],
    }));
  const container = envelope.attributesColumn;
  const existing = container && fieldByName(current, container.name);
  if (container && !existing) added.push(attributesColumnField(envelope, container, nextId(), nextId));
  let fields = [...current.fields, ...added];
  if (container?.type === "struct" && existing && !isPrimitive(existing.type) && existing.type.type === "struct") {
    // Attributes declared since the struct was written become new optional fields of it.
    const members = existing.type.fields;
    const missing = keyedAttributes(envelope).filter(
      (attribute) => !members.some((member) => member.name === attribute.key),
    );
    if (missing.length > 0) {
      const evolved: NestedField = {
        ...existing,
        type: { type: "struct", fields: [...members, ...structFields(missing, nextId)] },
      };
      fields = fields.map((field) => (field === existing ? evolved : field));
    }
  }
  const schema =
    fields.length === current.fields.length && fields.every((field, index) => field === current.fields[index])
      ? current
      : { ...current, fields };
  checkArchiveCarriesEnvelope(schema, envelope, metadata.location);
  return schema;
}

/**
 * The event as a row of the archive's columns. Throws ArchiveError naming the event when an
 * attribute is not declared or not of its declared type: the archive would drop or garble it.
 */
export function archiveRowOf(envelope: EventEnvelope, event: EventRecord): ArchiveRow {
  const { columns } = envelope;
  const row: ArchiveRow = {
    [columns.position]: event.globalPosition,
    [columns.id]: event.eventId,
    [columns.type]: event.eventType,
    [columns.version]: event.eventVersion,
    [columns.occurredAt]: BigInt(occurredMicros(event)),
    [columns.stream]: event.streamId,
    [columns.payload]: event.payload,
  };
  // Keys of the attributes column; an attribute the event lacks (or holds as null) is left out: it reads as null.
  const keyed = envelope.attributesColumn ? new Map<string, AttributeValue>() : undefined;
  if (keyed) row[envelope.attributesColumn!.name] = keyed;
  for (const name in event.attributes) {
    const attribute = attributeNamed(envelope, name);
    const value = event.attributes[name];
    if (!attribute || (value !== null && !isAttributeValue(value, attribute.type))) {
      throw new ArchiveError(
        undefined,
        `event ${event.eventId} at position ${event.globalPosition}: ${attributesProblem(envelope, event.attributes)}`,
      );
    }
    if (attribute.key === undefined) row[attribute.column] = value;
    else if (value !== null && value !== undefined) keyed!.set(attribute.key, value);
  }
  return row;
}

export interface EventArchiveOptions {
  ids?: WriterIds;
  /** Location written into the metadata; the store's root by default. */
  location?: string;
}

/** Creates an empty event archive laid out by the envelope (partitioned by day, sorted by position). */
export function createEventArchive(
  store: ObjectStore,
  envelope: EventEnvelope,
  options: EventArchiveOptions = {},
): Promise<WritableTable> {
  return createTable(
    store,
    {
      schema: eventArchiveSchema(envelope),
      partitionSpec: eventPartitionSpec(envelope),
      sortOrder: eventSortOrder(envelope),
      location: options.location,
    },
    options.ids,
  );
}

export interface EventWriteOptions {
  ids?: WriterIds;
  onRows?: (rows: number) => void;
}

/**
 * Writes events that come ordered by day of their time, then position, as data files: one or more
 * per day, each sorted by position. Out-of-order events are refused, since the files declare the
 * position sort order. Returns the append to commit: the files and the schema they were written with.
 */
export async function writeEventDataFiles(
  store: ObjectStore,
  table: WritableTable,
  envelope: EventEnvelope,
  events: Iterable<EventRecord>,
  options: EventWriteOptions = {},
): Promise<Required<Append>> {
  const schema = eventAppendSchema(table.metadata, envelope);
  const dataFiles = await writePartitionedDataFiles(store, table.metadata, schema, archiveRows(envelope, events), {
    ids: options.ids,
    sortOrderId: eventSortOrder(envelope)["order-id"],
    onRows: options.onRows,
  });
  return { dataFiles, schema };
}

/** Sorts `events` into archive order, writes them and commits them as one snapshot. */
export async function appendToArchive(
  store: ObjectStore,
  table: WritableTable,
  envelope: EventEnvelope,
  events: readonly EventRecord[],
  options: EventWriteOptions = {},
): Promise<AppendResult> {
  const ordered = [...events].sort((a, b) => dayOf(a) - dayOf(b) || a.globalPosition - b.globalPosition);
  const append = await writeEventDataFiles(store, table, envelope, ordered, options);
  return commitAppend(store, table, append, options.ids ?? randomWriterIds);
}

/** The highest position `table`'s current snapshot holds, from its manifests' column bounds; 0 without a snapshot. */
export async function eventArchiveHighWaterMark(
  store: ObjectStore,
  table: WritableTable,
  envelope: EventEnvelope,
): Promise<number> {
  const snapshot = currentSnapshot(table.metadata);
  const upper = snapshot
    ? await columnUpperBound(store, table.metadata, snapshot, envelope.columns.position)
    : undefined;
  return upper === undefined || upper === null ? 0 : Number(upper);
}

/** The event ids `table`'s current snapshot holds at positions `from` to `to` (inclusive), by position. */
export async function archivedEventIds(
  store: ObjectStore,
  table: WritableTable,
  envelope: EventEnvelope,
  from: number,
  to: number,
): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  const snapshot = currentSnapshot(table.metadata);
  if (!snapshot) return ids;
  const { position, id } = envelope.columns;
  const plan = await planScan(store, table.metadata, snapshot, {
    columns: [position, id],
    predicate: [{ column: position, op: "range", min: from, minInclusive: true, max: to, maxInclusive: true }],
  });
  for await (const batch of scanPlan(store, table.metadata, plan)) {
    const positions = batch.columns[position]!;
    const eventIds = batch.columns[id]!;
    for (let row = 0; row < batch.rowCount; row++) ids.set(Number(positions[row]), String(eventIds[row]));
  }
  return ids;
}

function* archiveRows(envelope: EventEnvelope, events: Iterable<EventRecord>): Generator<ArchiveRow> {
  let previousDay = -Infinity;
  let previousPosition = -Infinity;
  for (const event of events) {
    const day = dayOf(event);
    if (day < previousDay || (day === previousDay && event.globalPosition <= previousPosition)) {
      throw new ArchiveError(
        undefined,
        `event at ${envelope.columns.position} ${event.globalPosition} (${new Date(event.occurredAtMs).toISOString()}) ` +
          `comes after ${envelope.columns.position} ${previousPosition}: events must be ordered by day, then strictly increasing position`,
      );
    }
    previousDay = day;
    previousPosition = event.globalPosition;
    yield archiveRowOf(envelope, event);
  }
}

/** The event's partition, from the same microseconds its row holds. */
function dayOf(event: EventRecord): number {
  return dayFromEpochMicros(occurredMicros(event));
}

/** Epoch microseconds, the column's unit; whole microseconds of a fractional millisecond are kept. */
function occurredMicros(event: EventRecord): number {
  return Math.round(event.occurredAtMs * MICROS_PER_MS);
}

function fieldIdOf(schema: IcebergSchema, column: string): number {
  return fieldByName(schema, column)!.id;
}
