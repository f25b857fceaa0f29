// Effects the handlers asked for, scheduled in the transaction that applies their events: they run
// once that transaction commits, and never if it rolls back.
import type { GenericMutationCtx } from "convex/server";
import type { PendingEffect } from "../registry/index.ts";

export async function scheduleEffects(ctx: GenericMutationCtx<any>, effects: readonly PendingEffect[]): Promise<void> {
  for (const effect of effects) await ctx.scheduler.runAfter(effect.delayMs, effect.fn, effect.args);
}
