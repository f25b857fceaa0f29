// The archiver's Convex side: it moves events appended before the retention window from the `events`
// table into the Iceberg archive (the Node action in ../../node/archiver.ts): append commit, then
// the new high-water mark, and only then deletion from Convex. Every step is idempotent by position
// range, so a crash anywhere loses and duplicates nothing.
import { internalMutationGeneric, internalQueryGeneric } from "convex/server";
import { v } from "convex/values";
import { eventLogOf, eventRecordOf, eventRowsAfter } from "../event-log.ts";
import { eventsToArchiveArgs, recordArchivedArgs, vEventRecords } from "../function-validators.ts";
import type { Wiring } from "../wiring.ts";

/** Events read per query: a few MB, well inside a query's 16 MiB read limit. */
export const ARCHIVE_PAGE_EVENTS = 4_000;
/** Rows deleted per mutation, well under the 16,000 writes a transaction may make. */
export const ARCHIVE_DELETE_BATCH = 2_000;

export function archiverFunctions({ component }: Wiring) {
  return {
    /**
     * The next events to archive: in position order after `after`, stopping at the first one appended
     * at or after the cutoff, so that what is archived is always a prefix of the log. Appended, by
     * the deployment's clock (`_creationTime`): `occurredAtMs` is the client's word, and one event
     * dated in the future would hold back every event after it.
     */
    eventsToArchive: internalQueryGeneric({
      args: eventsToArchiveArgs,
      returns: vEventRecords,
      handler: async (ctx, { after, cutoffMs, limit }) => {
        const { rows } = await eventRowsAfter(ctx, after, Math.min(limit, ARCHIVE_PAGE_EVENTS));
        const firstTooRecent = rows.findIndex((row) => row._creationTime >= cutoffMs);
        return (firstTooRecent === -1 ? rows : rows.slice(0, firstTooRecent)).map(eventRecordOf);
      },
    }),

    /** Records that the archive holds the log up to `through` (never moves back). */
    recordArchived: internalMutationGeneric({
      args: recordArchivedArgs,
      returns: v.number(),
      handler: async (ctx, { through }) => {
        const log = await eventLogOf(ctx);
        if (!log) throw new Error("the event log is not initialized");
        const archivedThrough = Math.max(log.archivedThrough, through);
        if (archivedThrough !== log.archivedThrough) await ctx.db.patch(log._id, { archivedThrough });
        return archivedThrough;
      },
    }),

    /**
     * Deletes archived rows, a batch at a time, but never rows a rebuild that can still continue
     * (running, paused, or failed and resumable) will read: those after the high-water mark of the
     * archive snapshot it pinned, or after its cursor once it is in its tail. While a rebuild is
     * planning (its snapshot not known yet) nothing is deleted.
     */
    deleteArchived: internalMutationGeneric({
      args: {},
      returns: v.number(),
      handler: async (ctx) => {
        const log = await eventLogOf(ctx);
        if (!log) return 0;
        const through = Math.min(log.archivedThrough, await ctx.runQuery(component.pins.deletableThrough, {}));
        const rows = await ctx.db
          .query("events")
          .withIndex("by_position", (q) => q.lte("position", through))
          .take(ARCHIVE_DELETE_BATCH);
        for (const row of rows) await ctx.db.delete(row._id);
        return rows.length;
      },
    }),
  };
}
