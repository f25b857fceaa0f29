// Sustained appends during a rebuild's tail, made deterministic: after every tail page a chunk reads,
// an append of events commits in its own transaction (as a concurrent client's would), and every
// read the handover transaction makes of the log is recorded, to show which appends it conflicts with.
import { getFunctionName, internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v } from "convex/values";
import { internal } from "../../convex/_generated/api";
import type { NewEvent } from "../../src/server/event-log.ts";
import type * as Chunk from "../../src/node/chunk.ts";
import type * as EventLog from "../../src/server/event-log.ts";
import type * as Replay from "../../src/server/functions/replay.ts";
import type { Wiring } from "../../src/server/wiring.ts";

/** What was appended after each tail page: `pages[i]` events read, then `appended[i]` appended. */
export const interleavedAppends = {
  pages: [] as number[],
  appended: [] as number[],
  next: (_pageLength: number): NewEvent[] => [],
  reset(next: (pageLength: number) => NewEvent[]) {
    this.pages = [];
    this.appended = [];
    this.next = next;
  },
};

/** A read of the log by a handover transaction: the log's document, or events in (after, through]. */
export type LogRead = { table: "eventLog" } | { table: "events"; after: number; through: number };

/** The reads of each handover transaction (finishTail), in order. */
export const handoverReads: LogRead[][] = [];
let currentHandover: LogRead[] | null = null;

type Handler = (ctx: unknown, args: unknown) => Promise<unknown>;
const handlerOf = (fn: unknown) => (fn as { _handler: Handler })._handler;

export function appendingAfterTailPages(original: typeof Chunk): typeof Chunk {
  return {
    ...original,
    chunkAction: (wiring: Wiring) => {
      const run = handlerOf(original.chunkAction(wiring));
      return internalActionGeneric({
        args: { rebuildId: v.string() },
        returns: v.null(),
        handler: (ctx, args) => run(withAppendsAfterTailPages(ctx, wiring), args) as Promise<null>,
      });
    },
  };
}

/** The app function's name; null for a component's function (which has no name in the app's api). */
function nameOf(reference: Parameters<typeof getFunctionName>[0]): string | null {
  try {
    return getFunctionName(reference);
  } catch {
    return null;
  }
}

function withAppendsAfterTailPages(ctx: GenericActionCtx<any>, wiring: Wiring): GenericActionCtx<any> {
  return {
    ...ctx,
    runQuery: (async (reference: any, args: any) => {
      const answer = await ctx.runQuery(reference, args);
      if (nameOf(reference) === getFunctionName(wiring.refs.eventsAfter)) {
        const { rows } = answer as { rows: unknown[] };
        const events = interleavedAppends.next(rows.length);
        interleavedAppends.pages.push(rows.length);
        interleavedAppends.appended.push(events.length);
        if (events.length > 0) await ctx.runMutation(internal.reproject.append, { events });
      }
      return answer;
    }) as GenericActionCtx<any>["runQuery"],
  };
}

export function bracketingHandovers(original: typeof Replay): typeof Replay {
  return {
    ...original,
    replayFunctions: (wiring: Wiring) => {
      const functions = original.replayFunctions(wiring);
      const finishTail = handlerOf(functions.finishTail);
      (functions.finishTail as unknown as { _handler: Handler })._handler = async (ctx, args) => {
        currentHandover = [];
        try {
          return await finishTail(ctx, args);
        } finally {
          handoverReads.push(currentHandover);
          currentHandover = null;
        }
      };
      return functions;
    },
  };
}

export function recordingHandoverReads(original: typeof EventLog): typeof EventLog {
  const record = (read: LogRead) => currentHandover?.push(read);
  return {
    ...original,
    eventLogOf: (ctx) => {
      record({ table: "eventLog" });
      return original.eventLogOf(ctx);
    },
    eventsAfter: (ctx, position, limit) => {
      record({ table: "events", after: position, through: Infinity });
      return original.eventsAfter(ctx, position, limit);
    },
    eventsThrough: (ctx, after, through) => {
      record({ table: "events", after, through });
      return original.eventsThrough(ctx, after, through);
    },
  };
}
