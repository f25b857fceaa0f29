// The app-side functions over its live event log (../event-log.ts): the tail a rebuild catches up
// from, starting the log after the archive (../../node/initialize-log.ts checks where that is), its
// state, and appends from outside an app mutation.
import { internalMutationGeneric, internalQueryGeneric } from "convex/server";
import { v } from "convex/values";
import { appendEvents, eventLogOf, eventsAfter, vNewEvent } from "../event-log.ts";
import {
  eventsAfterArgs,
  startLogArgs,
  vEventLogStart,
  vEventLogState,
  vEventPage,
  vEventRecords,
} from "../function-validators.ts";
import type { Wiring } from "../wiring.ts";

export function eventLogFunctions(wiring: Wiring) {
  return {
    eventsAfter: internalQueryGeneric({
      args: eventsAfterArgs,
      returns: vEventPage,
      handler: (ctx, { after, limit }) => eventsAfter(ctx, after, limit),
    }),

    /**
     * Starts the live log right after `archiveHighWaterMark` (once; later calls change nothing). The
     * Node action `initializeLog` calls it with the mark it read from the archive: called directly,
     * nothing checks the mark against the archive until the archiver compares event ids.
     */
    startLog: internalMutationGeneric({
      args: startLogArgs,
      returns: vEventLogStart,
      handler: async (ctx, { archiveHighWaterMark }) => {
        const log = await eventLogOf(ctx);
        if (log) return { lastPosition: log.lastPosition, archivedThrough: log.archivedThrough };
        await ctx.db.insert("eventLog", { lastPosition: archiveHighWaterMark, archivedThrough: archiveHighWaterMark });
        return { lastPosition: archiveHighWaterMark, archivedThrough: archiveHighWaterMark };
      },
    }),

    /** Appends from outside an app mutation (scripts, the CLI, tests); app mutations call `reproject.appendEvents`. */
    append: internalMutationGeneric({
      args: { events: v.array(vNewEvent) },
      returns: v.array(v.number()),
      handler: async (ctx, { events }) =>
        (await appendEvents(ctx, wiring, events)).map((record) => record.globalPosition),
    }),

    /** The last position handed out and how far the archive holds the log; null before the log is started. */
    eventLogState: internalQueryGeneric({
      args: {},
      returns: vEventLogState,
      handler: async (ctx) => {
        const log = await eventLogOf(ctx);
        return log ? { lastPosition: log.lastPosition, archivedThrough: log.archivedThrough } : null;
      },
    }),
  };
}
