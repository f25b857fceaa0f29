// The app-side functions over its live event log (../event-log.ts): the tail a rebuild catches up
// from, starting the log after the archive, its state, and appends from outside an app mutation.
import { internalMutationGeneric, internalQueryGeneric } from "convex/server";
import { v } from "convex/values";
import { appendEvents, eventLogOf, eventsAfter, vNewEvent } from "../event-log.ts";
import { eventsAfterArgs, vEventLogState, vEventRecords } from "../function-validators.ts";
import type { Wiring } from "../wiring.ts";

export function eventLogFunctions(wiring: Wiring) {
  return {
    eventsAfter: internalQueryGeneric({
      args: eventsAfterArgs,
      returns: vEventRecords,
      handler: (ctx, { after, limit }) => eventsAfter(ctx, after, limit),
    }),

    /** Starts the live log right after the archive's last position (once; later calls change nothing). */
    initializeLog: internalMutationGeneric({
      args: { archiveHighWaterMark: v.number() },
      returns: v.object({ lastPosition: v.number(), archivedThrough: v.number() }),
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

    /** The last position handed out and how far the archive holds the log; null before initializeLog. */
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
