// A projection whose handler asks for a side effect on every event it applies, for
// `vi.mock("../../convex/projections.ts", ...)`: `eventsByCdn` counts every playback event per CDN
// and device (few documents, so that large archives rebuild quickly) and asks for `effectSink:record`
// with the event's id; it takes the effects of events no live generation applied
// (`effectsDuringRebuild: "after-previous-version"`). `effectSinkModule` is the sink, for the test's
// module map.
import { internalMutationGeneric, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import * as z from "zod";
import type * as DemoProjections from "../../convex/projections.ts";
import {
  defineProjection,
  defineRegistry,
  requireAttribute,
  type DecodedEvent,
  type HandlerContext,
} from "../../src/registry/index.ts";

/** The sink's path: what `_scheduled_functions` names each effect by. */
export const EFFECT_SINK = "effectSink:record";
const effectSink = makeFunctionReference<"mutation", { eventId: string }, null>(EFFECT_SINK);

/** The sink's module, keyed as convex-test's module map keys the demo's own (`./<module>.ts`). */
export const effectSinkModule = {
  "./effectSink.ts": async () => ({
    record: internalMutationGeneric({ args: { eventId: v.string() }, handler: async () => null }),
  }),
};

const eventCount = z.object({ cdn: z.string(), device: z.string(), events: z.int().nonnegative() });
type EventCount = z.output<typeof eventCount>;
type CdnKey = Pick<EventCount, "cdn" | "device">;

const cdnAndDevice = (event: DecodedEvent<unknown>): CdnKey => ({
  cdn: requireAttribute(event, "cdn"),
  device: requireAttribute(event, "device"),
});

export function withEffectPerEvent(original: typeof DemoProjections) {
  const countAndNotify = {
    prefetch: cdnAndDevice,
    handle: async ({ readModel, effects }: HandlerContext<EventCount, CdnKey>, event: DecodedEvent<unknown>) => {
      await readModel.update(cdnAndDevice(event), (doc) => ({ ...doc, events: doc.events + 1 }));
      effects.schedule(effectSink, { eventId: event.eventId });
    },
  };
  const eventsByCdn = defineProjection({
    name: "eventsByCdn",
    version: 1,
    complexity: "light",
    effectsDuringRebuild: "after-previous-version",
    readModel: {
      document: eventCount,
      key: ["cdn", "device"],
      initial: ({ cdn, device }) => ({ cdn, device, events: 0 }),
    },
    events: Object.fromEntries(
      Object.entries(original.playbackEvents).map(([type, event]) => [type, { event, ...countAndNotify }]),
    ),
  });
  return { ...original, registry: defineRegistry([original.rebufferByCdn, original.sessionSummary, eventsByCdn]) };
}
