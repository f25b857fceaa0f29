// The live event log: recent events in the app's `events` table, positions continuing the archive's.
// App mutations append through `appendEvents`, which also applies the projections that have an
// active read model inline, in the same transaction; a running rebuild catches up from the table.
import type { GenericDatabaseReader, GenericMutationCtx } from "convex/server";
import { getDocumentSize, v, type GenericId } from "convex/values";
import {
  applyBatch,
  attributesProblem,
  EnvelopeError,
  EventFailedError,
  eventTypesWithoutKeys,
  type AnyProjection,
  type EventAttributes,
  type EventRecord,
} from "../registry/index.ts";
import { eventFields } from "../component/event-validators.ts";
import { generationParking } from "./parked-keys.ts";
import { scheduleEffects } from "./schedule-effects.ts";
import type { Wiring } from "./wiring.ts";
import { ConvexReadModelStorage } from "./read-model-storage.ts";

// Any app's database and mutation context: the tables Reproject reads are `reprojectTables`'.
type Db = GenericDatabaseReader<any>;
type WriterCtx = GenericMutationCtx<any>;

export interface NewEvent {
  eventId: string;
  eventType: string;
  eventVersion: number;
  occurredAtMs: number;
  streamId: string;
  /** Attributes the app's envelope declares, each of its declared type or null. */
  attributes?: EventAttributes;
  /** JSON text, or a value to serialise. */
  payload: unknown;
}

export const vNewEvent = v.object({ ...eventFields, attributes: v.optional(eventFields.attributes), payload: v.any() });

export interface EventLog {
  _id: GenericId<"eventLog">;
  /** The last position handed out. */
  lastPosition: number;
  /** How far the archive holds the log. */
  archivedThrough: number;
}

export async function eventLogOf(ctx: { db: Db }): Promise<EventLog | null> {
  return (await ctx.db.query("eventLog").first()) as EventLog | null;
}

/**
 * Appends events for app mutations: assigns the next global positions, stores them, and applies
 * every projection with an active generation to it. An event a projection rejects (schema, version,
 * handler error) throws, so the calling mutation rolls back and nothing is appended.
 * A duplicate event id is refused: the log stays free of double appends. So is an attribute the
 * envelope does not declare, or a value of another type than the declared one (EnvelopeError).
 */
export async function appendEvents(
  ctx: WriterCtx,
  reproject: Wiring,
  events: readonly NewEvent[],
): Promise<EventRecord[]> {
  const log = await eventLogOf(ctx);
  if (!log) {
    throw new Error(
      `the event log is not initialized: run \`npx convex run ${reproject.modules.node}:initializeLog\` first (it starts the log after the archive's last position)`,
    );
  }
  for (const event of events) {
    const problem = attributesProblem(reproject.envelope, event.attributes ?? {});
    if (problem) throw new EnvelopeError(`event ${event.eventId}: ${problem}; nothing was appended`);
  }
  let position = log.lastPosition;
  const records: EventRecord[] = [];
  for (const event of events) {
    const duplicate = await ctx.db
      .query("events")
      .withIndex("by_event_id", (q) => q.eq("eventId", event.eventId))
      .first();
    if (duplicate || records.some((record) => record.eventId === event.eventId)) {
      throw new Error(
        `event ${event.eventId} was already appended (at position ${duplicate?.position ?? "in this call"})`,
      );
    }
    const record: EventRecord = {
      globalPosition: ++position,
      eventId: event.eventId,
      eventType: event.eventType,
      eventVersion: event.eventVersion,
      occurredAtMs: event.occurredAtMs,
      streamId: event.streamId,
      attributes: event.attributes ?? {},
      payload: typeof event.payload === "string" ? event.payload : JSON.stringify(event.payload),
    };
    records.push(record);
    await ctx.db.insert("events", {
      position: record.globalPosition,
      eventId: record.eventId,
      eventType: record.eventType,
      eventVersion: record.eventVersion,
      occurredAtMs: record.occurredAtMs,
      streamId: record.streamId,
      attributes: { ...record.attributes },
      payload: record.payload,
    });
  }
  await ctx.db.patch(log._id, { lastPosition: position });
  await applyLiveProjections(ctx, reproject, records);
  return records;
}

async function applyLiveProjections(ctx: WriterCtx, reproject: Wiring, records: EventRecord[]): Promise<void> {
  for (const projection of reproject.registry.projections) {
    // The active generation, and a verify run's shadow while it is compared or kept.
    const live = await ctx.runMutation(reproject.component.projections.liveAppendTargets, {
      name: projection.name,
      codeVersion: projection.version,
      appendedAfter: records[0]!.globalPosition - 1,
    });
    // The active generation's handlers send the effects; a shadow's are a verify run's, and send none.
    const runs = [
      { generation: live.active, mode: "live" as const },
      { generation: live.shadow === live.active ? null : live.shadow, mode: "verify" as const },
    ];
    for (const { generation, mode } of runs) {
      if (generation === null) continue;
      const storage = new ConvexReadModelStorage(ctx.db, projection.name, generation);
      // Only a projection whose every handler names its keys can have run a dead-letter-key rebuild.
      const parking =
        mode === "live" && eventTypesWithoutKeys(projection).length === 0
          ? generationParking(ctx, reproject.component, projection.name, generation)
          : null;
      const result = await applyBatch(projection, records, {
        storage,
        policy: "fail",
        raw: ctx,
        mode,
        effects: () => true,
        ...(parking ? { parkedKeys: parking.lookup } : {}),
      });
      if (result.failure) throw new EventFailedError(result.failure);
      await storage.write(result.writes);
      await scheduleEffects(ctx, result.effects);
      await parking?.record(result, records);
    }
  }
}

/** The projections' code as the component takes it, with the log's last position now (0 before it starts). */
export async function projectionCode(ctx: { db: Db }, projections: readonly AnyProjection[]) {
  const logPosition = (await eventLogOf(ctx))?.lastPosition ?? 0;
  return projections.map(({ name, version, verifyBumps, lanes }) => ({
    name,
    version,
    logPosition,
    ...(lanes && lanes.count > 1 ? { lanes: lanes.count } : {}),
    ...(verifyBumps
      ? { verifyBumps: { mayChange: [...verifyBumps.mayChange], maxChangedShare: verifyBumps.maxChangedShare } }
      : {}),
  }));
}

/**
 * Bytes of events one read gathers at most: half of the 16 MiB a transaction may read, so a page of
 * big events (a page holds up to the class's event count) is cut rather than failing its query.
 */
export const EVENT_PAGE_BYTES = 8 << 20;

/** Rows in position order; `cut` when the next one would have taken the page past EVENT_PAGE_BYTES. */
export interface EventPage<Row> {
  rows: Row[];
  cut: boolean;
}

/** Up to `limit` events after `position` in position order, as the registry's records. */
export async function eventsAfter(ctx: { db: Db }, position: number, limit: number): Promise<EventPage<EventRecord>> {
  return recordsOf(await eventRowsAfter(ctx, position, limit));
}

/**
 * Events in positions `after` < position <= `through`, in position order: an index range with both
 * ends, so a transaction that reads it conflicts only with appends inside it, not with later ones.
 */
export async function eventsThrough(ctx: { db: Db }, after: number, through: number): Promise<EventPage<EventRecord>> {
  const range = ctx.db
    .query("events")
    .withIndex("by_position", (q) => q.gt("position", after).lte("position", through));
  return recordsOf(await pageOf(range, Number.POSITIVE_INFINITY));
}

/** Up to `limit` of the table's rows after `position` in position order, with their system fields. */
export function eventRowsAfter(ctx: { db: Db }, position: number, limit: number): Promise<EventPage<EventRow>> {
  return pageOf(
    ctx.db.query("events").withIndex("by_position", (q) => q.gt("position", position)),
    limit,
  );
}

function recordsOf({ rows, cut }: EventPage<EventRow>): EventPage<EventRecord> {
  return { rows: rows.map(eventRecordOf), cut };
}

async function pageOf(rows: AsyncIterable<unknown>, limit: number): Promise<EventPage<EventRow>> {
  const page: EventRow[] = [];
  let bytes = 0;
  for await (const row of rows) {
    const size = getDocumentSize(row as Parameters<typeof getDocumentSize>[0]);
    if (page.length > 0 && bytes + size > EVENT_PAGE_BYTES) return { rows: page, cut: true };
    page.push(row as EventRow);
    bytes += size;
    if (page.length >= limit) break;
  }
  return { rows: page, cut: false };
}

/** A row of the `events` table; `_creationTime` is when it was appended, by the deployment's clock. */
export type EventRow = Omit<EventRecord, "globalPosition"> & { _id: string; _creationTime: number; position: number };

export function eventRecordOf({ _id, _creationTime, position, ...fields }: EventRow): EventRecord {
  return { globalPosition: position, ...fields };
}

/** Events in the table after `position`: the live tail a rebuild adds to its archive total. */
export async function countEventsAfter(ctx: { db: Db }, position: number): Promise<number> {
  const log = await eventLogOf(ctx);
  return log ? Math.max(0, log.lastPosition - position) : 0;
}
