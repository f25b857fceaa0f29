// The stored state of each projection: its active generation (what queries read), a verify run's
// shadow, the version it was built with, staleness. Automatic rebuilds reconcile it with the code.
import { v } from "convex/values";
import { mutation, query, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { rememberAppFunctions } from "./appFunctions.ts";
import { scheduleGenerationDeletion } from "./generationDeletions.ts";
import { activeRebuildOf, createRebuild, findProjection, projectionRow, type ProjectionCode } from "./lifecycle.ts";
import { rebuildStatus } from "./status.ts";
import { SYSTEM, vAppFunctions } from "./validators.ts";

/** The generations of a projection that live appends keep current: the active one and a verify run's shadow. */
export const liveGenerations = query({
  args: { name: v.string() },
  returns: v.object({ active: v.union(v.number(), v.null()), shadow: v.union(v.number(), v.null()) }),
  handler: async (ctx, { name }) => {
    const row = await findProjection(ctx, name);
    return { active: row?.activeGeneration ?? null, shadow: row?.shadowGeneration ?? null };
  },
});

/** Every stored projection with its last rebuild, by name (at most 500). */
export const list = query({
  args: {},
  handler: async (ctx) => {
    const rows = await ctx.db.query("projections").take(500);
    return Promise.all(
      rows.map(async (row) => {
        const lastRebuild = row.lastRebuildId ? await ctx.db.get(row.lastRebuildId) : null;
        return {
          name: row.name,
          builtVersion: row.builtVersion ?? null,
          activeGeneration: row.activeGeneration,
          staleSince: row.staleSince ?? null,
          lastRebuild: lastRebuild ? rebuildStatus(lastRebuild) : null,
        };
      }),
    );
  },
});

const vReconcileAction = v.union(
  v.literal("up_to_date"),
  v.literal("started"),
  v.literal("restarted"),
  v.literal("already_requested"),
  v.literal("waiting_for_rebuild"),
  v.literal("removed"),
);

/**
 * Automatic rebuilds: the code's projections compared with what is stored. A new projection is
 * built, a bumped one rebuilt (a rebuild of an older version still running is restarted for the new
 * one), each at most once per version; a projection gone from the code is reported, its data kept.
 */
export const reconcile = mutation({
  args: {
    code: v.array(v.object({ name: v.string(), version: v.number(), logPosition: v.optional(v.number()) })),
    archiveLocation: v.string(),
    app: vAppFunctions,
  },
  returns: v.array(v.object({ projection: v.string(), action: vReconcileAction })),
  handler: async (ctx, { code, archiveLocation, app }) => {
    await rememberAppFunctions(ctx, app);
    const outcomes = [];
    for (const projection of code) {
      outcomes.push({
        projection: projection.name,
        action: await reconcileProjection(ctx, projection, archiveLocation),
      });
    }
    const names = new Set(code.map((projection) => projection.name));
    for (const row of await ctx.db.query("projections").take(500)) {
      if (names.has(row.name)) continue;
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

async function reconcileProjection(ctx: MutationCtx, projection: ProjectionCode, archiveLocation: string) {
  const row = await projectionRow(ctx, projection.name, projection.version, projection.logPosition);
  if (row.version !== projection.version || row.removedAt !== undefined) {
    await ctx.db.patch(row._id, { version: projection.version, removedAt: undefined });
  }
  const upToDate = row.activeGeneration !== null && row.builtVersion === projection.version;
  if (upToDate) return "up_to_date" as const;
  if (row.activeGeneration !== null && row.staleSince === undefined)
    await ctx.db.patch(row._id, { staleSince: Date.now() });
  if (row.autoRebuildVersion === projection.version) return "already_requested" as const;

  const active = await activeRebuildOf(ctx, projection.name);
  if (active && active.version === projection.version) return "waiting_for_rebuild" as const;
  if (active) {
    // Its handlers changed under it: restart it, once, for the new version.
    await ctx.db.patch(active._id, { state: "cancelled", finishedAt: Date.now(), updatedAt: Date.now() });
    if (!active.dryRun) await scheduleGenerationDeletion(ctx, projection.name, active.generation);
  }
  const rebuildId = await createRebuild(ctx, projection, {}, SYSTEM, archiveLocation);
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
