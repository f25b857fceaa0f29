// The demo's functions over its live event log (src/server/event-log.ts): the tail a rebuild
// catches up from, starting the log after the archive, and appends from outside an app mutation.
import { v } from "convex/values";
import { eventLogOf, eventsAfter, vNewEvent } from "../src/server/event-log.ts";
import { vEventRecord } from "../src/server/event-validators.ts";
import { internalMutation, internalQuery } from "./_generated/server";
import { reproject } from "./reproject";

export const tail = internalQuery({
  args: { after: v.number(), limit: v.number() },
  returns: v.array(vEventRecord),
  handler: (ctx, { after, limit }) => eventsAfter(ctx, after, limit),
});

/** Starts the live log right after the archive's last position (once; later calls change nothing). */
export const initializeLog = internalMutation({
  args: { archiveHighWaterMark: v.number() },
  returns: v.object({ lastPosition: v.number(), archivedThrough: v.number() }),
  handler: async (ctx, { archiveHighWaterMark }) => {
    const log = await eventLogOf(ctx);
    if (log) return { lastPosition: log.lastPosition, archivedThrough: log.archivedThrough };
    await ctx.db.insert("eventLog", { lastPosition: archiveHighWaterMark, archivedThrough: archiveHighWaterMark });
    return { lastPosition: archiveHighWaterMark, archivedThrough: archiveHighWaterMark };
  },
});

/** Appends from outside an app mutation (the demo, the CLI, tests). */
export const append = internalMutation({
  args: { events: v.array(vNewEvent) },
  returns: v.array(v.number()),
  handler: async (ctx, { events }) => (await reproject.appendEvents(ctx, events)).map((record) => record.globalPosition),
});
