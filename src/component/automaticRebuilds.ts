// Retries of automatic rebuilds: the rebuild reconcile started for a projection's code version
// (at most one per version) would leave the projection stale for good if it failed for a passing
// cause, such as an object-store outage longer than a chunk's retries. It is resumed from its
// checkpoint a bounded number of times, with growing pauses; then the projection says that its
// automatic rebuild failed, and an admin's trigger takes over.
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import type { Doc } from "./_generated/dataModel.js";
import { internalMutation, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { activeRebuildOf, findProjection, resumeRebuild, type Rebuild } from "./lifecycle.ts";
import { SYSTEM, type RebuildError } from "./validators.ts";

export const AUTOMATIC_REBUILD_RETRIES = 3;
/** The pause before the first retry; each next one is AUTOMATIC_RETRY_BASE times longer: 5, 15, 45 minutes. */
export const AUTOMATIC_RETRY_FIRST_MS = 5 * 60_000;
const AUTOMATIC_RETRY_BASE = 3;

export function automaticRetryDelayMs(retry: number): number {
  return AUTOMATIC_RETRY_FIRST_MS * AUTOMATIC_RETRY_BASE ** (retry - 1);
}

/** The rebuild reconcile started for the projection's current automatic version (not an admin's). */
function isAutomatic(rebuild: Rebuild, row: Doc<"projections">): boolean {
  return (
    row.autoRebuildVersion === rebuild.version &&
    row.lastRebuildId === rebuild._id &&
    rebuild.triggeredBy.subject === SYSTEM.subject
  );
}

/** After an automatic rebuild failed: schedules its next retry, or says that it failed for good. */
export async function retryIfAutomatic(ctx: MutationCtx, rebuild: Rebuild, error: RebuildError): Promise<void> {
  const row = await findProjection(ctx, rebuild.projection);
  if (!row || !isAutomatic(rebuild, row)) return;
  const retries = row.autoRebuildRetries ?? 0;
  const audit = (action: string, outcome: string, details: string) =>
    recordAudit(ctx, {
      actor: SYSTEM,
      action,
      projection: rebuild.projection,
      rebuildId: rebuild._id,
      outcome,
      details,
    });
  if (retries >= AUTOMATIC_REBUILD_RETRIES) {
    await ctx.db.patch(row._id, { autoRebuildFailedAt: Date.now() });
    await audit(
      "automatic_rebuild_failed",
      "failed",
      `version ${rebuild.version}: gave up after ${retries} retries: ${error.message}`,
    );
    return;
  }
  const retry = retries + 1;
  const delayMs = automaticRetryDelayMs(retry);
  await ctx.db.patch(row._id, { autoRebuildRetries: retry });
  await ctx.scheduler.runAfter(delayMs, internal.automaticRebuilds.retry, { rebuildId: rebuild._id });
  await audit(
    "automatic_rebuild_retry",
    "scheduled",
    `retry ${retry} of ${AUTOMATIC_REBUILD_RETRIES} in ${delayMs / 60_000} min after: ${error.message}`,
  );
}

/** Resumes a failed automatic rebuild from its checkpoint, unless it was resumed, superseded or replaced meanwhile. */
export const retry = internalMutation({
  args: { rebuildId: v.id("rebuilds") },
  returns: v.null(),
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "failed") return null;
    const row = await findProjection(ctx, rebuild.projection);
    if (!row || !isAutomatic(rebuild, row) || (await activeRebuildOf(ctx, rebuild.projection))) return null;
    await resumeRebuild(ctx, rebuild);
    await recordAudit(ctx, {
      actor: SYSTEM,
      action: "automatic_rebuild_retry",
      projection: rebuild.projection,
      rebuildId,
      outcome: "resumed",
      details: `retry ${row.autoRebuildRetries ?? 0} of ${AUTOMATIC_REBUILD_RETRIES}, ${rebuild.cursor === null ? "from the start" : `from the checkpoint at position ${rebuild.cursor}`}`,
    });
    return null;
  },
});
