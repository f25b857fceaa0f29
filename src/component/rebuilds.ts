// Starting and controlling rebuilds, and what the admin API lists. The app authorizes the caller
// and validates the request against its code (registry, envelope) first; every call here is
// written to the audit log with the actor the app passes.
import { v } from "convex/values";
import { query, mutation, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { rememberAppFunctions } from "./appFunctions.ts";
import {
  activeRebuildOf,
  cancelRebuild,
  createRebuild,
  rebuildById,
  resumeRebuild,
  type Rebuild,
} from "./lifecycle.ts";
import { statusOf } from "./status.ts";
import { vActor, vAppFunctions, vProjectionCode, vRebuildOptions } from "./validators.ts";
import { discardShadow, promoteShadow } from "./verify.ts";

export const trigger = mutation({
  args: {
    projection: vProjectionCode,
    options: vRebuildOptions,
    actor: vActor,
    archiveLocation: v.string(),
    app: vAppFunctions,
  },
  returns: v.object({
    status: v.union(v.literal("started"), v.literal("already_running"), v.literal("resumed")),
    rebuildId: v.string(),
  }),
  handler: async (ctx, { projection, options, actor, archiveLocation, app }) => {
    await rememberAppFunctions(ctx, app);
    const audit = (rebuildId: string, outcome: string, details?: string) =>
      recordAudit(ctx, {
        actor,
        action: "trigger",
        projection: projection.name,
        rebuildId,
        outcome,
        ...(details ? { details } : {}),
      });
    const active = await activeRebuildOf(ctx, projection.name);
    if (active?.state === "running") {
      await audit(active._id, "already_running");
      return { status: "already_running" as const, rebuildId: active._id };
    }
    if (active?.state === "paused") {
      await resumeRebuild(ctx, active);
      await audit(active._id, "resumed");
      return { status: "resumed" as const, rebuildId: active._id };
    }
    const rebuildId = await createRebuild(ctx, projection, options, actor, archiveLocation);
    await audit(rebuildId, "started", JSON.stringify(options));
    return { status: "started" as const, rebuildId };
  },
});

const vControlAction = v.union(
  v.literal("cancel"),
  v.literal("pause"),
  v.literal("resume"),
  v.literal("promote"),
  v.literal("discard"),
);

const vControlOutcome = v.union(
  v.literal("cancelled"),
  v.literal("not_active"),
  v.literal("paused"),
  v.literal("not_running"),
  v.literal("resumed"),
  v.literal("not_resumable"),
  v.literal("promoted"),
  v.literal("not_promotable"),
  v.literal("discarded"),
  v.literal("not_kept"),
);

const vControlAnswer = v.union(
  v.object({ status: vControlOutcome, rebuildId: v.string() }),
  v.object({ status: v.literal("rejected"), reason: v.string() }),
);

/**
 * cancel / pause / resume / promote / discard, each taking effect at the next batch boundary.
 * `codeVersions` are the versions of the projections in the app's code (promote clears staleness).
 */
export const control = mutation({
  args: {
    action: vControlAction,
    rebuildId: v.string(),
    actor: vActor,
    codeVersions: v.record(v.string(), v.number()),
    app: vAppFunctions,
  },
  returns: vControlAnswer,
  handler: async (ctx, { action, rebuildId, actor, codeVersions, app }): Promise<typeof vControlAnswer.type> => {
    await rememberAppFunctions(ctx, app);
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild) {
      const reason = `no rebuild with id "${rebuildId.slice(0, 100)}"`;
      await recordAudit(ctx, { actor, action, outcome: "rejected", details: reason });
      return { status: "rejected" as const, reason };
    }
    const outcome = await applyControl(ctx, action, rebuild, codeVersions[rebuild.projection] ?? null);
    await recordAudit(ctx, { actor, action, projection: rebuild.projection, rebuildId: rebuild._id, outcome });
    return { status: outcome, rebuildId: rebuild._id };
  },
});

async function applyControl(
  ctx: MutationCtx,
  action: typeof vControlAction.type,
  rebuild: Rebuild,
  codeVersion: number | null,
): Promise<typeof vControlOutcome.type> {
  const now = Date.now();
  switch (action) {
    case "cancel":
      if (rebuild.state !== "running" && rebuild.state !== "paused") return "not_active";
      await cancelRebuild(ctx, rebuild);
      return "cancelled";
    case "pause":
      if (rebuild.state !== "running") return "not_running";
      await ctx.db.patch(rebuild._id, { state: "paused", updatedAt: now });
      return "paused";
    case "resume":
      if (rebuild.state !== "paused" && rebuild.state !== "failed") return "not_resumable";
      if (rebuild.state === "failed" && (await activeRebuildOf(ctx, rebuild.projection))) return "not_resumable";
      await resumeRebuild(ctx, rebuild);
      return "resumed";
    case "promote":
      return promoteShadow(ctx, rebuild, codeVersion);
    case "discard":
      return discardShadow(ctx, rebuild);
    default:
      throw new Error(`unknown control action ${action satisfies never}`);
  }
}

export const status = query({
  args: { rebuildId: v.string() },
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    return rebuild ? statusOf(ctx, rebuild) : null;
  },
});

export const listActive = query({
  args: {},
  handler: async (ctx) => {
    const active = [];
    for (const state of ["running", "paused"] as const) {
      active.push(
        ...(await ctx.db
          .query("rebuilds")
          .withIndex("by_state", (q) => q.eq("state", state))
          .take(100)),
      );
    }
    return Promise.all(active.map((rebuild) => statusOf(ctx, rebuild)));
  },
});

/** The latest `limit` rebuilds, of one projection or of all, newest first. */
export const history = query({
  args: { projection: v.optional(v.string()), limit: v.number() },
  handler: async (ctx, { projection, limit }) => {
    const rebuilds = projection
      ? await ctx.db
          .query("rebuilds")
          .withIndex("by_projection", (q) => q.eq("projection", projection))
          .order("desc")
          .take(limit)
      : await ctx.db.query("rebuilds").order("desc").take(limit);
    return Promise.all(rebuilds.map((rebuild) => statusOf(ctx, rebuild)));
  },
});
