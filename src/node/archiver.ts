// The archiver's Node action: moves events appended before the retention window (REPROJECT_ARCHIVE_RETENTION_MS,
// default 7 days) from the `events` table into the Iceberg archive; the Convex side is
// ../server/functions/archiver.ts.
import { internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v, type Infer } from "convex/values";
import { ArchiveNotFoundError, CommitConflictError, CommitOutcomeUnknownError } from "../archive/errors.ts";
import type { ObjectStore } from "../archive/store/object-store.ts";
import { openObjectStore } from "../archive/store/open-store.ts";
import {
  appendToArchive,
  archivedEventIds,
  createEventArchive,
  eventArchiveHighWaterMark,
  loadTableForWrite,
  moveVersionHintUpTo,
  type WritableTable,
} from "../archive/writer/index.ts";
import type { EventEnvelope, EventRecord } from "../registry/index.ts";
import { archiveLocation } from "../server/archive-location.ts";
import { ARCHIVE_PAGE_EVENTS } from "../server/functions/archiver.ts";
import type { EngineReferences } from "../server/references.ts";
import { numberSetting } from "../server/settings.ts";
import type { Wiring } from "../server/wiring.ts";

export const DEFAULT_RETENTION_MS = 7 * 86_400_000;

export function retentionMs(): number {
  return numberSetting("REPROJECT_ARCHIVE_RETENTION_MS", DEFAULT_RETENTION_MS);
}

/** Events per archive commit: one snapshot, a few data files per day. */
export const ARCHIVE_COMMIT_EVENTS = 100_000;

const vSummary = v.object({
  archived: v.number(),
  alreadyInArchive: v.number(),
  deleted: v.number(),
  archivedThrough: v.number(),
});

/** Moves events appended before the retention window to the archive (cron, or `npx convex run reprojectNode:archive`). */
export function archiveAction({ envelope, refs }: Wiring) {
  return internalActionGeneric({
    args: { nowMs: v.optional(v.number()) },
    returns: v.union(v.null(), vSummary),
    handler: async (ctx, { nowMs }): Promise<Infer<typeof vSummary> | null> => {
      const log = await ctx.runQuery(refs.eventLogState, {});
      if (!log) return null;
      const cutoffMs = (nowMs ?? Date.now()) - retentionMs();
      const events = await collectEvents(ctx, refs, log.archivedThrough, cutoffMs);
      let archived = 0;
      let alreadyInArchive = 0;
      let through = log.archivedThrough;
      if (events.length > 0) {
        ({ archived, alreadyInArchive } = await appendMissing(openObjectStore(archiveLocation()), envelope, events));
        through = events.at(-1)!.globalPosition;
      }
      const archivedThrough = await ctx.runMutation(refs.recordArchived, { through });
      let deleted = 0;
      for (
        let batch = await ctx.runMutation(refs.deleteArchived, {});
        batch > 0;
        batch = await ctx.runMutation(refs.deleteArchived, {})
      ) {
        deleted += batch;
      }
      return { archived, alreadyInArchive, deleted, archivedThrough };
    },
  });
}

async function collectEvents(
  ctx: GenericActionCtx<any>,
  refs: EngineReferences,
  after: number,
  cutoffMs: number,
): Promise<EventRecord[]> {
  const events: EventRecord[] = [];
  let cursor = after;
  while (events.length < ARCHIVE_COMMIT_EVENTS) {
    const page = await ctx.runQuery(refs.eventsToArchive, { after: cursor, cutoffMs, limit: ARCHIVE_PAGE_EVENTS });
    events.push(...page);
    if (page.length < ARCHIVE_PAGE_EVENTS) break;
    cursor = page.at(-1)!.globalPosition;
  }
  return events;
}

/** Commits lost to another writer (archive maintenance, an overlapping run) before the run gives up. */
const ARCHIVE_COMMIT_ATTEMPTS = 4;

/**
 * Appends what the archive does not hold yet (checked by position, on the newest committed version:
 * the one the append builds on, even when the version hint lags), every declared attribute in its
 * column (a newly declared one becomes a new column). When another writer commits first, or a
 * commit's outcome is unknown, it looks again and appends only what is still missing.
 */
async function appendMissing(
  store: ObjectStore,
  envelope: EventEnvelope,
  events: EventRecord[],
): Promise<{ archived: number; alreadyInArchive: number }> {
  let alreadyInArchive: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const table = await loadOrCreate(store, envelope);
    const holds = await eventArchiveHighWaterMark(store, table, envelope);
    const missing = events.filter((event) => event.globalPosition > holds);
    await requireSameEvents(store, table, envelope, events.slice(0, events.length - missing.length), holds);
    alreadyInArchive ??= events.length - missing.length;
    const outcome = { archived: events.length - alreadyInArchive, alreadyInArchive };
    if (missing.length === 0) {
      // A commit that landed without moving the hint (crash, unknown outcome): rebuilds plan on what the hint says.
      await moveVersionHintUpTo(store, table);
      return outcome;
    }
    try {
      await appendToArchive(store, table, envelope, missing);
      return outcome;
    } catch (error) {
      const lookAgain = error instanceof CommitConflictError || error instanceof CommitOutcomeUnknownError;
      if (!lookAgain || attempt >= ARCHIVE_COMMIT_ATTEMPTS) throw error;
    }
  }
}

/**
 * The rows the archive already holds positions for must be the archive's events (a run after a crash
 * finds its own commit): other ids there mean the log was started below the archive's high-water
 * mark, and deleting the rows as archived would lose them.
 */
async function requireSameEvents(
  store: ObjectStore,
  table: WritableTable,
  envelope: EventEnvelope,
  held: readonly EventRecord[],
  holds: number,
): Promise<void> {
  if (held.length === 0) return;
  const archived = await archivedEventIds(store, table, envelope, held[0]!.globalPosition, held.at(-1)!.globalPosition);
  const others = held.filter((event) => archived.get(event.globalPosition) !== event.eventId);
  if (others.length === 0) return;
  const first = others[0]!;
  throw new Error(
    `positions ${first.globalPosition}–${others.at(-1)!.globalPosition} of the events table hold other events than the archive ` +
      `at those positions (position ${first.globalPosition}: ${first.eventId} in the table, ` +
      `${archived.get(first.globalPosition) ?? "none"} in the archive): the log was started below the archive's ` +
      `high-water mark ${holds}, or another deployment archives to the same table. Nothing was archived or deleted: ` +
      `those ${others.length} events are only in the events table, and need positions after ${holds} before they can be archived.`,
  );
}

/** The highest position the archive's newest committed version holds; 0 where there is no archive yet. */
export async function newestArchivedPosition(store: ObjectStore, envelope: EventEnvelope): Promise<number> {
  try {
    return await eventArchiveHighWaterMark(store, await loadTableForWrite(store), envelope);
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return 0;
    throw error;
  }
}

async function loadOrCreate(store: ObjectStore, envelope: EventEnvelope): Promise<WritableTable> {
  try {
    return await loadTableForWrite(store);
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return createEventArchive(store, envelope);
    throw error;
  }
}
