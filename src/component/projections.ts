// The stored state of each projection: its active generation (what queries read), a verify run's
// shadow, the version it was built with, staleness. Automatic rebuilds reconcile it with the code.
import { v } from "convex/values";
import { mutation, query, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { rememberAppFunctions } from "./appFunctions.ts";
import {
  activeRebuildOf,
  createRebuild,
  findProjection,
  projectionRow,
  cancelRebuild,
  rebuildById,
  type ProjectionCode,
} from "./lifecycle.ts";
import { statusOf } from "./status.ts";
import { SYSTEM, vAppFunctions, vProjectionCode } from "./validators.ts";

/** The generations of a projection: the active one (what queries read) and a verify run's shadow. */
export const liveGenerations = query({
  args: { name: v.string() },
  returns: v.object({ active: v.union(v.number(), v.null()), shadow: v.union(v.number(), v.null()) }),
  handler: async (ctx, { name }) => {
    const row = await findProjection(ctx, name);
    return { active: row?.activeGeneration ?? null, shadow: row?.shadowGeneration ?? null };
  },
});

/**
 * The generations of a projection that live appends keep current: the active one and a verify run's
 * shadow, each only while it was built by the code's version (`codeVersion`). A generation is written
 * by one handler version only: after a deploy that changes the version, the active generation
 * serves what it holds, unchanged, until the rebuild at the new version swaps in, and the events
 * appended meanwhile (after `frozenAfter`, the log position before the first of them) are that
 * rebuild's to apply, effects included.
 */
export const liveAppendTargets = mutation({
  args: { name: v.string(), codeVersion: v.number(), appendedAfter: v.number() },
  returns: v.object({ active: v.union(v.number(), v.null()), shadow: v.union(v.number(), v.null()) }),
  handler: async (ctx, { name, codeVersion, appendedAfter }) => {
    const row = await findProjection(ctx, name);
    if (!row) return { active: null, shadow: null };
    const activeIsCurrent = row.activeGeneration !== null && row.builtVersion === codeVersion;
    if (row.activeGeneration !== null && !activeIsCurrent && row.frozenAfter === undefined) {
      await ctx.db.patch(row._id, { frozenAfter: appendedAfter });
    }
    const shadowIsCurrent = row.shadowGeneration !== undefined && (row.shadowVersion ?? codeVersion) === codeVersion;
    return {
      active: activeIsCurrent ? row.activeGeneration : null,
      shadow: shadowIsCurrent ? row.shadowGeneration! : null,
    };
  },
});

/**
 * A rebuild whose version is no longer the code's (a deploy changed the handlers under it) had a
 * batch refused: it is cancelled, and the projection reconciled with the code at once, as the next
 * `reconcile` would (a rebuild at the code's version starts unless one is already under way).
 */
export const supersede = mutation({
  args: { rebuildId: v.string(), code: vProjectionCode, archiveLocation: v.string() },
  returns: v.null(),
  handler: async (ctx, { rebuildId, code, archiveLocation }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild || rebuild.state !== "running") return null;
    await cancelRebuild(ctx, rebuild);
    await recordAudit(ctx, {
      actor: SYSTEM,
      action: "rebuild_superseded",
      projection: rebuild.projection,
      rebuildId: rebuild._id,
      outcome: "cancelled",
      details: `its handlers are version ${rebuild.version}, the code's are version ${code.version}: no batch of another version is applied`,
    });
    await reconcileProjection(ctx, code, archiveLocation);
    return null;
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
          frozenAfter: row.frozenAfter ?? null,
          automaticRebuild:
            row.autoRebuildVersion === undefined
              ? null
              : {
                  version: row.autoRebuildVersion,
                  retries: row.autoRebuildRetries ?? 0,
                  failedAt: row.autoRebuildFailedAt ?? null,
                },
          lastRebuild: lastRebuild ? await statusOf(ctx, lastRebuild) : null,
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
  v.literal("automatic_rebuild_failed"),
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
    code: v.array(vProjectionCode),
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
  if (row.autoRebuildVersion === projection.version) {
    return row.autoRebuildFailedAt === undefined
      ? ("already_requested" as const)
      : ("automatic_rebuild_failed" as const);
  }

  const active = await activeRebuildOf(ctx, projection.name);
  if (active && active.version === projection.version) return "waiting_for_rebuild" as const;
  // Its handlers changed under it: restart it, once, for the new version.
  if (active) await cancelRebuild(ctx, active);
  // A bump of a projection that declares its expectation is verified first, and promoted by itself within it.
  const verifyFirst = projection.verifyBumps !== undefined && row.activeGeneration !== null;
  const options = verifyFirst
    ? { mode: "verify" as const, keepShadow: true, promoteWithin: projection.verifyBumps }
    : {};
  const rebuildId = await createRebuild(ctx, projection, options, SYSTEM, archiveLocation);
  await ctx.db.patch(row._id, {
    autoRebuildVersion: projection.version,
    autoRebuildRetries: undefined,
    autoRebuildFailedAt: undefined,
  });
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
