// Archive rows as events: the columns the app's envelope declares mapped onto the registry's
// EventRecord, the core ones onto its fields and each declared attribute (a column, or a key of the
// attributes map or struct column) onto an attribute. A key the map lacks reads as null.
import { ArchiveError } from "../archive/errors.ts";
import type { RowBatch } from "../archive/scan.ts";
import { valueAtKey, type ColumnValues } from "../archive/values.ts";
import type { AttributeValue, EnvelopeAttribute, EventEnvelope, EventRecord } from "../registry/index.ts";

/** The columns a replay reads: the envelope's core columns and every column holding declared attributes. */
export function replayColumns(envelope: EventEnvelope): string[] {
  return [
    ...new Set([
      ...Object.values(envelope.columns),
      ...Object.values(envelope.attributes).map((attribute) => attribute.column),
    ]),
  ];
}

/** A row the replay passes over before it becomes an event: its position is all it needs. */
export interface PassedRow {
  /** `skipped`: a type the projection does not consume; `elsewhere`: another lane of the rebuild counts it. */
  passed: "skipped" | "elsewhere";
  globalPosition: number;
}

/**
 * Whether a row is passed over, and how, from its type, stream and position alone; undefined when
 * it must become an event (for the handlers, or for a filter or lane key to judge).
 */
export type RowTriage = (eventType: string, streamId: unknown, position: number) => PassedRow["passed"] | undefined;

/**
 * The batch's rows as events. With `triage`, a row it passes over comes back as its position only:
 * no strings to gather, no time to convert, for the many rows a projection (or a lane) ignores.
 * Number attributes read from `long` columns arrive as bigints and become numbers (an integer
 * beyond 2^53 is refused: it would change silently).
 */
export function eventsFromBatch(batch: RowBatch, envelope: EventEnvelope): EventRecord[];
export function eventsFromBatch(
  batch: RowBatch,
  envelope: EventEnvelope,
  triage: RowTriage | undefined,
): Array<EventRecord | PassedRow>;
export function eventsFromBatch(
  batch: RowBatch,
  envelope: EventEnvelope,
  triage?: RowTriage,
): Array<EventRecord | PassedRow> {
  const { columns } = envelope;
  const positions = columnOf(batch, columns.position);
  const ids = columnOf(batch, columns.id);
  const types = columnOf(batch, columns.type);
  const versions = columnOf(batch, columns.version);
  const occurredAt = columnOf(batch, columns.occurredAt);
  const streams = columnOf(batch, columns.stream);
  const payloads = columnOf(batch, columns.payload);
  const attributeNames = Object.keys(envelope.attributes);
  const attributeValues = attributeNames.map((name) => attributeColumn(batch, envelope.attributes[name]!));
  const attributeCount = attributeNames.length;
  const events = new Array<EventRecord | PassedRow>(batch.rowCount);
  for (let row = 0; row < batch.rowCount; row++) {
    const passed = triage?.(types[row] as string, streams[row], Number(positions[row]));
    if (passed) {
      events[row] = { passed, globalPosition: Number(positions[row]) };
      continue;
    }
    const attributes: Record<string, AttributeValue | null> = {};
    for (let index = 0; index < attributeCount; index++) {
      const value = attributeValues[index]![row] as AttributeValue | bigint | null | undefined;
      attributes[attributeNames[index]!] =
        typeof value === "bigint"
          ? safeNumber(value, envelope, attributeNames[index]!, positions[row])
          : (value ?? null);
    }
    events[row] = {
      globalPosition: Number(positions[row]),
      eventId: ids[row] as string,
      eventType: types[row] as string,
      eventVersion: Number(versions[row]),
      // Microseconds since the epoch in the archive; milliseconds for handlers.
      occurredAtMs: Number((occurredAt[row] as bigint) / 1000n),
      streamId: streams[row] as string,
      attributes,
      payload: payloads[row] as string,
    };
  }
  return events;
}

/** One attribute's values: its column, or the values under its key of the attributes column. */
function attributeColumn(batch: RowBatch, attribute: EnvelopeAttribute): ColumnValues {
  const values = columnOf(batch, attribute.column);
  const key = attribute.key;
  if (key === undefined) return values;
  return Array.from(values, (value) => valueAtKey(value, key));
}

function columnOf(batch: RowBatch, name: string): ColumnValues {
  const values = batch.columns[name];
  if (!values) {
    throw new ArchiveError(
      undefined,
      `the batch has no "${name}" column, which the event envelope declares: plan the scan with replayColumns(envelope)`,
    );
  }
  return values;
}

function safeNumber(value: bigint, envelope: EventEnvelope, attribute: string, position: unknown): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new ArchiveError(
      undefined,
      `attribute "${attribute}" (${attributePlace(envelope.attributes[attribute]!)}) of the event at ${envelope.columns.position} ${String(position)} ` +
        `is ${value}, beyond the integers a number holds exactly (2^53): store it as a string attribute instead`,
    );
  }
  return number;
}

/** `column "prio"`, or `key "region" of column "attributes"`. */
function attributePlace(attribute: EnvelopeAttribute): string {
  return attribute.key === undefined
    ? `column "${attribute.column}"`
    : `key "${attribute.key}" of column "${attribute.column}"`;
}
