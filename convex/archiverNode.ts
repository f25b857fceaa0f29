"use node";
import { v, type Infer } from "convex/values";
import { ArchiveTable } from "../src/archive/table.ts";
import { openObjectStore } from "../src/archive/store/open-store.ts";
import { ArchiveNotFoundError, CommitConflictError } from "../src/archive/errors.ts";
import type { ObjectStore } from "../src/archive/store/object-store.ts";
import { appendEvents, createEventArchive, loadTableForWrite } from "../src/archive/writer/index.ts";
import type { EventRecord } from "../src/registry/index.ts";
import { internal } from "./_generated/api";
import { internalAction, type ActionCtx } from "./_generated/server";
import { ARCHIVE_PAGE_EVENTS, retentionMs } from "./archiver";
import { envelope } from "./envelope";
import { archiveLocation } from "./replay/lifecycle";

/** Events per archive commit: one snapshot, a few data files per day. */
export const ARCHIVE_COMMIT_EVENTS = 100_000;

const vSummary = v.object({ archived: v.number(), alreadyInArchive: v.number(), deleted: v.number(), archivedThrough: v.number() });

/** Moves events older than the retention window to the archive (cron, or `npx convex run archiverNode:run`). */
export const run = internalAction({
  args: { nowMs: v.optional(v.number()) },
  returns: v.union(v.null(), vSummary),
  handler: async (ctx, { nowMs }): Promise<Infer<typeof vSummary> | null> => {
    const log = await ctx.runQuery(internal.archiver.logState, {});
    if (!log) return null;
    const cutoffMs = (nowMs ?? Date.now()) - retentionMs();
    const events = await collectEvents(ctx, log.archivedThrough, cutoffMs);
    let archived = 0;
    let alreadyInArchive = 0;
    let through = log.archivedThrough;
    if (events.length > 0) {
      ({ archived, alreadyInArchive } = await appendMissing(openObjectStore(archiveLocation()), events));
      through = events.at(-1)!.globalPosition;
    }
    const archivedThrough = await ctx.runMutation(internal.archiver.recordArchived, { through });
    let deleted = 0;
    for (let batch = await ctx.runMutation(internal.archiver.deleteArchived, {}); batch > 0; batch = await ctx.runMutation(internal.archiver.deleteArchived, {})) {
      deleted += batch;
    }
    return { archived, alreadyInArchive, deleted, archivedThrough };
  },
});

async function collectEvents(ctx: ActionCtx, after: number, cutoffMs: number): Promise<EventRecord[]> {
  const events: EventRecord[] = [];
  let cursor = after;
  while (events.length < ARCHIVE_COMMIT_EVENTS) {
    const page = await ctx.runQuery(internal.archiver.nextToArchive, { after: cursor, cutoffMs, limit: ARCHIVE_PAGE_EVENTS });
    events.push(...page);
    if (page.length < ARCHIVE_PAGE_EVENTS) break;
    cursor = page.at(-1)!.globalPosition;
  }
  return events;
}

async function archiveHighWaterMark(location: string): Promise<number> {
  try {
    const table = await ArchiveTable.open(location);
    const upper = await table.columnUpperBound(envelope.columns.position);
    return upper === undefined || upper === null ? 0 : Number(upper);
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return 0;
    throw error;
  }
}

/** Commits lost to another writer (archive maintenance, an overlapping run) before the run gives up. */
const ARCHIVE_COMMIT_ATTEMPTS = 4;

/**
 * Appends what the archive does not hold yet (checked by position first), every declared attribute
 * in its column (a newly declared one becomes a new column); when another writer commits first,
 * looks again and retries.
 */
async function appendMissing(store: ObjectStore, events: EventRecord[]): Promise<{ archived: number; alreadyInArchive: number }> {
  for (let attempt = 1; ; attempt++) {
    const holds = await archiveHighWaterMark(archiveLocation());
    const missing = events.filter((event) => event.globalPosition > holds);
    if (missing.length === 0) return { archived: 0, alreadyInArchive: events.length };
    try {
      await appendEvents(store, await loadOrCreate(store), envelope, missing);
      return { archived: missing.length, alreadyInArchive: events.length - missing.length };
    } catch (error) {
      if (!(error instanceof CommitConflictError) || attempt >= ARCHIVE_COMMIT_ATTEMPTS) throw error;
    }
  }
}

async function loadOrCreate(store: ObjectStore) {
  try {
    return await loadTableForWrite(store);
  } catch (error) {
    if (error instanceof ArchiveNotFoundError) return createEventArchive(store, envelope);
    throw error;
  }
}
