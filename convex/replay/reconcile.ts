// Automatic rebuilds: the code's registry compared with what is stored. A new projection is built,
// a bumped one rebuilt (a rebuild of an older version still running is restarted for the new one),
// each at most once per version; a projection gone from the code is reported and its data kept.
// Runs on deploy (`npx convex run replay/reconcile:run`), at local runtime start, and by cron.
import { v } from "convex/values";
import type { AnyProjection } from "../../src/registry/index.ts";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { recordAudit } from "../audit";
import { SYSTEM } from "../auth";
import { registry } from "../projections";
import { scheduleGenerationDeletion } from "./generations";
import { activeRebuildOf, createRebuild, projectionRow } from "./lifecycle";

const vOutcome = v.object({
  projection: v.string(),
  action: v.union(
    v.literal("up_to_date"),
    v.literal("started"),
    v.literal("restarted"),
    v.literal("already_requested"),
    v.literal("waiting_for_rebuild"),
    v.literal("removed"),
  ),
});

export const run = internalMutation({
  args: {},
  returns: v.array(vOutcome),
  handler: async (ctx) => {
    const outcomes = [];
    for (const projection of registry.projections as readonly AnyProjection[]) {
      outcomes.push({ projection: projection.name, action: await reconcileProjection(ctx, projection) });
    }
    for (const row of await ctx.db.query("projections").take(500)) {
      if (registry.get(row.name)) continue;
      if (row.removedAt === undefined) {
        await ctx.db.patch(row._id, { removedAt: Date.now() });
        await recordAudit(ctx, {
          actor: SYSTEM,
          action: "projection_removed",
          projection: row.name,
          outcome: "reported",
          details: `${row.name} is no longer in the code's registry; its read model (generation ${row.activeGeneration}) is kept until an admin deletes it`,
        });
      }
      outcomes.push({ projection: row.name, action: "removed" as const });
    }
    return outcomes;
  },
});

async function reconcileProjection(ctx: MutationCtx, projection: AnyProjection) {
  const row = await projectionRow(ctx, projection.name);
  if (row.version !== projection.version || row.removedAt !== undefined) {
    await ctx.db.patch(row._id, { version: projection.version, removedAt: undefined });
  }
  const upToDate = row.activeGeneration !== null && row.builtVersion === projection.version;
  if (upToDate) return "up_to_date" as const;
  if (row.activeGeneration !== null && row.staleSince === undefined) await ctx.db.patch(row._id, { staleSince: Date.now() });
  if (row.autoRebuildVersion === projection.version) return "already_requested" as const;

  const active = await activeRebuildOf(ctx, projection.name);
  if (active && active.version === projection.version) return "waiting_for_rebuild" as const;
  if (active) {
    // Its handlers changed under it: restart it, once, for the new version.
    await ctx.db.patch(active._id, { state: "cancelled", finishedAt: Date.now(), updatedAt: Date.now() });
    if (!active.dryRun) await scheduleGenerationDeletion(ctx, projection.name, active.generation);
  }
  const rebuildId = await createRebuild(ctx, projection.name, {}, SYSTEM);
  await ctx.db.patch(row._id, { autoRebuildVersion: projection.version });
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "version_rebuild",
    projection: projection.name,
    rebuildId,
    outcome: active ? "restarted" : "started",
    details:
      row.activeGeneration === null
        ? `new projection at version ${projection.version}`
        : `version ${row.builtVersion ?? "?"} → ${projection.version}`,
  });
  return active ? ("restarted" as const) : ("started" as const);
}
