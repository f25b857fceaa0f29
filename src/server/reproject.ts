// `defineReproject`: Reproject bound to the app's component, projections and envelope, giving the
// app's functions what they call (append events, read the active read models).
//
//   export const reproject = defineReproject({ component: components.reproject, registry, envelope });
//   await reproject.appendEvents(ctx, [{ eventId, eventType: "OrderPlaced", ... }]);
//   const orders = await reproject.activeReadModel(ctx, "orderSummary");
import type { GenericMutationCtx, GenericQueryCtx } from "convex/server";
import type { AnyProjection, EventRecord } from "../registry/index.ts";
import { activeReadModel } from "./active-read-model.ts";
import type { ReprojectConfig } from "./config.ts";
import { appendEvents, type NewEvent } from "./event-log.ts";

export function defineReproject<P extends AnyProjection>(config: ReprojectConfig<P>) {
  for (const [field, value] of Object.entries({ component: config.component, registry: config.registry, envelope: config.envelope })) {
    if (!value) throw new Error(`defineReproject: ${field} is missing (pass components.reproject, your registry and your envelope)`);
  }
  return {
    ...config,
    /**
     * Appends events in the caller's mutation and applies every projection with an active read
     * model to them; an event a projection rejects throws, so nothing is appended.
     */
    appendEvents: (ctx: GenericMutationCtx<any>, events: readonly NewEvent[]): Promise<EventRecord[]> =>
      appendEvents(ctx, config, events),
    /** The projection's active generation, for reading in queries. */
    activeReadModel: <Name extends P["name"]>(ctx: GenericQueryCtx<any>, name: Name) => activeReadModel(ctx, config, name),
  };
}
