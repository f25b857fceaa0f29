// A handler bug on demand, for `vi.mock("../../convex/projections.ts", ...)`: sessionSummary's
// handlers throw for one event id while `bug.failingEventId` names it, and leave its session's
// document invalid (a negative error count) for the one `bug.invalidatingEventId` names; the
// registry is rebuilt around them.
import type * as DemoProjections from "../../convex/projections.ts";
import { defineRegistry } from "../../src/registry/index.ts";

export interface HandlerBug {
  failingEventId: string | null;
  invalidatingEventId?: string | null;
}

export function withHandlerBug(original: typeof DemoProjections, bug: HandlerBug) {
  const routes = new Map(
    [...original.sessionSummary.routes].map(([type, route]) => [
      type,
      {
        ...route,
        handle: async (ctx: Parameters<typeof route.handle>[0], event: Parameters<typeof route.handle>[1]) => {
          if (event.eventId === bug.failingEventId)
            throw new TypeError("Cannot read properties of undefined (reading 'length')");
          await route.handle(ctx, event);
          if (event.eventId === bug.invalidatingEventId) {
            await ctx.readModel.update({ streamId: event.streamId }, (doc) => ({ ...doc, errorCount: -1 }));
          }
        },
      },
    ]),
  );
  const sessionSummary = { ...original.sessionSummary, routes };
  return { ...original, sessionSummary, registry: defineRegistry([original.rebufferByCdn, sessionSummary]) };
}
