// The demo projections computed straight from archive rows, independently of the engine and the
// registry: what a correct rebuild must produce.
import { ArchiveTable } from "../../src/archive/table.ts";
import { batchRows } from "../../src/archive/scan.ts";
import type { EventRecord } from "../../src/registry/index.ts";

export interface ArchiveEvent {
  position: number;
  type: string;
  version: number;
  occurredAtMs: number;
  streamId: string;
  cdn: string | null;
  device: string | null;
  payload: string;
}

export async function readArchiveEvents(location: string): Promise<ArchiveEvent[]> {
  const events: ArchiveEvent[] = [];
  for await (const event of streamArchiveEvents(location)) events.push(event);
  return events;
}

/** Events as written (e.g. from `demoEvents`) as the events the folds take. */
export function archiveEventsOf(records: readonly EventRecord[]): ArchiveEvent[] {
  return records.map((record) => ({
    position: record.globalPosition,
    type: record.eventType,
    version: record.eventVersion,
    occurredAtMs: record.occurredAtMs,
    streamId: record.streamId,
    cdn: (record.attributes.cdn as string | null | undefined) ?? null,
    device: (record.attributes.device as string | null | undefined) ?? null,
    payload: record.payload,
  }));
}

export function rebufferMsOf(event: ArchiveEvent): number {
  const payload = JSON.parse(event.payload) as { durationSec?: number; durationMs?: number };
  return event.version === 1 ? Math.round(payload.durationSec! * 1000) : payload.durationMs!;
}

export function foldRebufferByCdn(events: Iterable<ArchiveEvent>) {
  const rows = new Map<string, { cdn: string; device: string; rebufferCount: number; rebufferMs: number }>();
  for (const event of events) {
    if (event.type !== "Rebuffer") continue;
    const key = `${event.cdn}|${event.device}`;
    const row = rows.get(key) ?? { cdn: event.cdn!, device: event.device!, rebufferCount: 0, rebufferMs: 0 };
    row.rebufferCount++;
    row.rebufferMs += rebufferMsOf(event);
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device));
}

export function foldSessionSummary(events: Iterable<ArchiveEvent>) {
  const rows = new Map<
    string,
    { streamId: string; eventCount: number; rebufferCount: number; errorCount: number; firstMs: number; lastMs: number }
  >();
  for (const event of events) {
    const row = rows.get(event.streamId) ?? {
      streamId: event.streamId,
      eventCount: 0,
      rebufferCount: 0,
      errorCount: 0,
      firstMs: Infinity,
      lastMs: -Infinity,
    };
    row.eventCount++;
    if (event.type === "Rebuffer") row.rebufferCount++;
    if (event.type === "Error") row.errorCount++;
    row.firstMs = Math.min(row.firstMs, event.occurredAtMs);
    row.lastMs = Math.max(row.lastMs, event.occurredAtMs);
    rows.set(event.streamId, row);
  }
  return [...rows.values()]
    .map(({ firstMs, lastMs, ...row }) => ({
      ...row,
      firstAt: new Date(firstMs).toISOString(),
      lastAt: new Date(lastMs).toISOString(),
    }))
    .sort((a, b) => a.streamId.localeCompare(b.streamId));
}

/**
 * Streams an archive's events in position order without holding them all (for large archives), in
 * either of the demo's layouts: cdn and device as columns, or as keys of the `attributes` map.
 */
export async function* streamArchiveEvents(
  location: string,
  s3Options?: Parameters<typeof ArchiveTable.open>[1],
): AsyncGenerator<ArchiveEvent> {
  const table = await ArchiveTable.open(location, s3Options);
  const mapLayout = !table.schema.fields.some((field) => field.name === "cdn");
  const attributeColumns = mapLayout ? ["attributes"] : ["cdn", "device"];
  const columns = [
    "global_position",
    "event_type",
    "event_version",
    "occurred_at",
    "stream_id",
    ...attributeColumns,
    "payload",
  ];
  const plan = (await table.plan({ columns, orderBy: "global_position" }))!;
  for await (const batch of table.scan(plan)) {
    for (const row of batchRows(batch, plan.fields)) {
      const [position, type, version, occurredAt, streamId] = row;
      const payload = row.at(-1);
      const attributes = mapLayout ? (row[5] as Map<string, string> | null) : undefined;
      yield {
        position: Number(position),
        type: type as string,
        version: Number(version),
        occurredAtMs: Number((occurredAt as bigint) / 1000n),
        streamId: streamId as string,
        cdn: mapLayout ? (attributes?.get("cdn") ?? null) : (row[5] as string | null),
        device: mapLayout ? (attributes?.get("device") ?? null) : (row[6] as string | null),
        payload: payload as string,
      };
    }
  }
}

/** foldRebufferByCdn over a stream. */
export async function foldRebufferByCdnStreaming(events: AsyncIterable<ArchiveEvent>) {
  const rebuffers: ArchiveEvent[] = [];
  for await (const event of events) if (event.type === "Rebuffer") rebuffers.push(event);
  return foldRebufferByCdn(rebuffers);
}
