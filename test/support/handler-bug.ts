// A handler bug on demand, for `vi.mock("../../convex/projections.ts", ...)`: sessionSummary's
// handlers throw for one event id while `bug` names it; the registry is rebuilt around them.
import type * as DemoProjections from "../../convex/projections.ts";
import { defineRegistry } from "../../src/registry/index.ts";

export function withHandlerBug(original: typeof DemoProjections, bug: { failingEventId: string | null }) {
  const routes = new Map(
    [...original.sessionSummary.routes].map(([type, route]) => [
      type,
      {
        ...route,
        handle: async (ctx: Parameters<typeof route.handle>[0], event: Parameters<typeof route.handle>[1]) => {
          if (event.eventId === bug.failingEventId)
            throw new TypeError("Cannot read properties of undefined (reading 'length')");
          return route.handle(ctx, event);
        },
      },
    ]),
  );
  const sessionSummary = { ...original.sessionSummary, routes };
  return { ...original, sessionSummary, registry: defineRegistry([original.rebufferByCdn, sessionSummary]) };
}
