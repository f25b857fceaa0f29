// Archive rows as events: the event archive's columns (DESIGN.md "Demo domain") mapped onto the
// registry's EventRecord; every other string column is an attribute (cdn, device, country…).
import { ArchiveError } from "../archive/errors.ts";
import type { RowBatch } from "../archive/scan.ts";
import type { EventRecord } from "../registry/index.ts";

export const EVENT_COLUMNS = {
  position: "global_position",
  id: "event_id",
  type: "event_type",
  version: "event_version",
  occurredAt: "occurred_at",
  stream: "stream_id",
  payload: "payload",
} as const;

const CORE_COLUMNS = new Set<string>(Object.values(EVENT_COLUMNS));

/** The columns a replay reads: the core ones and the attributes it is given. */
export function replayColumns(attributeColumns: readonly string[]): string[] {
  return [...CORE_COLUMNS, ...attributeColumns];
}

/** A row the replay passes over by its type alone: its position is all it needs. */
export interface SkippedRow {
  skipped: true;
  globalPosition: number;
}

/**
 * The batch's rows as events. With `skipType`, a row whose type it accepts comes back as its
 * position only: no strings to gather, no time to convert, for the many rows a projection ignores.
 */
export function eventsFromBatch(batch: RowBatch): EventRecord[];
export function eventsFromBatch(batch: RowBatch, skipType: ((eventType: string) => boolean) | undefined): Array<EventRecord | SkippedRow>;
export function eventsFromBatch(batch: RowBatch, skipType?: (eventType: string) => boolean): Array<EventRecord | SkippedRow> {
  const column = (name: string) => {
    const values = batch.columns[name];
    if (!values)
      throw new ArchiveError(undefined, `the archive has no "${name}" column, so it is not an event archive`);
    return values;
  };
  const positions = column(EVENT_COLUMNS.position);
  const ids = column(EVENT_COLUMNS.id);
  const types = column(EVENT_COLUMNS.type);
  const versions = column(EVENT_COLUMNS.version);
  const occurredAt = column(EVENT_COLUMNS.occurredAt);
  const streams = column(EVENT_COLUMNS.stream);
  const payloads = column(EVENT_COLUMNS.payload);
  const attributeColumns = Object.keys(batch.columns).filter((name) => !CORE_COLUMNS.has(name));
  const events = new Array<EventRecord | SkippedRow>(batch.rowCount);
  for (let row = 0; row < batch.rowCount; row++) {
    if (skipType?.(types[row] as string)) {
      events[row] = { skipped: true, globalPosition: Number(positions[row]) };
      continue;
    }
    const attributes: Record<string, string | null> = {};
    for (const name of attributeColumns) attributes[name] = (batch.columns[name]![row] as string | null) ?? null;
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
