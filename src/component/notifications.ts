// Tells the app when a rebuild is done or needs attention: its `notify` function (a handle it passed
// with its other functions) is scheduled with the rebuild's state, in the transaction that decided it.
import type { FunctionHandle } from "convex/server";
import type { MutationCtx } from "./_generated/server.js";
import { lanesOf, withLaneProgress } from "./lanes.ts";
import type { Rebuild } from "./lifecycle.ts";
import type { RebuildNotification } from "./validators.ts";

export async function notifyApp(
  ctx: MutationCtx,
  rebuild: Rebuild,
  kind: RebuildNotification["kind"],
  reason: string | null = null,
): Promise<void> {
  const notify = (await ctx.db.query("appFunctions").first())?.notify;
  if (!notify) return;
  const notification: RebuildNotification = {
    kind,
    projection: rebuild.projection,
    rebuildId: rebuild._id,
    mode: rebuild.mode ?? "rebuild",
    state: rebuild.state,
    processed: withLaneProgress(rebuild, await lanesOf(ctx, rebuild)).processed,
    total: rebuild.total ?? null,
    reason,
    at: Date.now(),
  };
  await ctx.scheduler.runAfter(0, notify as FunctionHandle<"mutation">, notification);
}
