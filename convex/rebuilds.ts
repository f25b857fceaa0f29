// The public rebuild API. Mutations answer with a status instead of throwing on refusals, so that
// every attempt (refused ones included) lands in the audit log; queries refuse by throwing.
import { v } from "convex/values";
import { filterProblem, isEmptyFilter } from "../src/replay/filter.ts";
import { components } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { mutation, query, type MutationCtx } from "./_generated/server";
import { authorizeAdmin, requireAdminForRead } from "./auth";
import { envelope } from "./envelope";
import { recordAudit } from "./audit";
import { registry } from "./projections";
import { pageSize } from "./pageSize";
import { rebuildStatus } from "./rebuildStatus";
import { activeRebuildOf, createRebuild, enqueueNextChunk, type Rebuild } from "./replay/lifecycle";
import { scheduleGenerationDeletion } from "./replay/generations";
import { discardShadow, promoteShadow, releaseShadow } from "./replay/verify";
import { vRebuildOptions, type Actor, type RebuildOptions } from "../src/component/validators.ts";

const TARGET_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_RATE_LIMIT = 10_000_000;

type Refusal = { status: "refused" | "rejected"; reason: string };

async function authorized(ctx: MutationCtx, action: string, projection?: string): Promise<{ actor: Actor } | Refusal> {
  const authorization = await authorizeAdmin(ctx);
  if (authorization.allowed) return { actor: authorization.actor };
  await recordAudit(ctx, {
    actor: authorization.actor,
    action,
    outcome: "refused",
    details: authorization.reason,
    ...(projection ? { projection } : {}),
  });
  return { status: "refused", reason: authorization.reason };
}

async function reject(
  ctx: MutationCtx,
  actor: Actor,
  action: string,
  reason: string,
  projection?: string,
): Promise<Refusal> {
  await recordAudit(ctx, {
    actor,
    action,
    outcome: "rejected",
    details: reason,
    ...(projection ? { projection } : {}),
  });
  return { status: "rejected", reason };
}

/** What is wrong with the options, or null. */
function optionsProblem(options: RebuildOptions): string | null {
  if (options.rateLimit !== undefined && !(options.rateLimit >= 1 && options.rateLimit <= MAX_RATE_LIMIT)) {
    return `rateLimit must be between 1 and ${MAX_RATE_LIMIT} events per second, got ${options.rateLimit}`;
  }
  const filter = options.filter;
  if (filter?.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs >= filter.toMs) {
    return `filter.fromMs (${filter.fromMs}) must be before filter.toMs (${filter.toMs})`;
  }
  for (const bound of [filter?.fromMs, filter?.toMs]) {
    if (bound !== undefined && !Number.isSafeInteger(bound))
      return `filter time bounds must be whole epoch milliseconds, got ${bound}`;
  }
  if (filter?.eventTypes && filter.eventTypes.length === 0)
    return "filter.eventTypes is empty: leave it out to replay every type";
  for (const [attribute, values] of Object.entries(filter?.attributes ?? {})) {
    if (values.length === 0) return `filter.attributes.${attribute.slice(0, 80)} lists no value`;
  }
  const attributeProblem = filterProblem(filter, envelope);
  if (attributeProblem) return `filter: ${attributeProblem}`;
  if (options.target !== undefined && !TARGET_NAME.test(options.target)) {
    return `target must be 1-64 letters, digits, "_" or "-", starting with a letter, got "${options.target.slice(0, 80)}"`;
  }
  if (options.target !== undefined && isEmptyFilter(filter))
    return "target is only for filtered replays (give a filter)";
  return null;
}

export const trigger = mutation({
  args: { projection: v.string(), options: v.optional(vRebuildOptions) },
  handler: async (ctx, { projection, options = {} }) => {
    const auth = await authorized(ctx, "trigger", projection.slice(0, 100));
    if ("status" in auth) return auth;
    if (!registry.get(projection)) {
      return reject(
        ctx,
        auth.actor,
        "trigger",
        `unknown projection "${projection.slice(0, 100)}"; known: ${registry.projections.map((p) => p.name).join(", ")}`,
      );
    }
    const problem = optionsProblem(options);
    if (problem) return reject(ctx, auth.actor, "trigger", problem, projection);
    const active = await activeRebuildOf(ctx, projection);
    if (active?.state === "running") {
      await recordAudit(ctx, {
        actor: auth.actor,
        action: "trigger",
        projection,
        rebuildId: active._id,
        outcome: "already_running",
      });
      return { status: "already_running" as const, rebuildId: active._id };
    }
    if (active?.state === "paused") {
      await resumeRebuild(ctx, active);
      await recordAudit(ctx, {
        actor: auth.actor,
        action: "trigger",
        projection,
        rebuildId: active._id,
        outcome: "resumed",
      });
      return { status: "resumed" as const, rebuildId: active._id };
    }
    // A filtered replay goes to a named generation of its own, never to the active read model.
    const effective = isEmptyFilter(options.filter)
      ? options
      : { ...options, target: options.target ?? `filtered-${Date.now()}` };
    const rebuildId = await createRebuild(ctx, projection, effective, auth.actor);
    await recordAudit(ctx, {
      actor: auth.actor,
      action: "trigger",
      projection,
      rebuildId,
      outcome: "started",
      details: JSON.stringify(effective),
    });
    return { status: "started" as const, rebuildId };
  },
});

async function resumeRebuild(ctx: MutationCtx, rebuild: Rebuild): Promise<void> {
  await ctx.db.patch(rebuild._id, {
    state: "running",
    updatedAt: Date.now(),
    lastError: undefined,
    finishedAt: undefined,
  });
  await enqueueNextChunk(ctx, rebuild._id);
}

type ControlAction = "cancel" | "pause" | "resume" | "promote" | "discard";

/** cancel / pause / resume share their checks; each takes effect at the next batch boundary. */
function controlMutation(action: ControlAction) {
  return mutation({
    args: { rebuildId: v.string() },
    handler: async (ctx, args) => {
      const auth = await authorized(ctx, action);
      if ("status" in auth) return auth;
      const rebuildId = ctx.db.normalizeId("rebuilds", args.rebuildId);
      const rebuild = rebuildId ? await ctx.db.get(rebuildId) : null;
      if (!rebuild) return reject(ctx, auth.actor, action, `no rebuild with id "${args.rebuildId.slice(0, 100)}"`);
      const outcome = await applyControl(ctx, action, rebuild);
      await recordAudit(ctx, {
        actor: auth.actor,
        action,
        projection: rebuild.projection,
        rebuildId: rebuild._id,
        outcome,
      });
      return { status: outcome, rebuildId: rebuild._id as Id<"rebuilds"> };
    },
  });
}

type ControlOutcome =
  | "cancelled"
  | "not_active"
  | "paused"
  | "not_running"
  | "resumed"
  | "not_resumable"
  | "promoted"
  | "not_promotable"
  | "discarded"
  | "not_kept";

async function applyControl(ctx: MutationCtx, action: ControlAction, rebuild: Rebuild): Promise<ControlOutcome> {
  const now = Date.now();
  switch (action) {
    case "cancel":
      if (rebuild.state !== "running" && rebuild.state !== "paused") return "not_active" as const;
      await ctx.db.patch(rebuild._id, { state: "cancelled", finishedAt: now, updatedAt: now });
      if (rebuild.mode === "verify") await releaseShadow(ctx, rebuild);
      else if (!rebuild.dryRun) await scheduleGenerationDeletion(ctx, rebuild.projection, rebuild.generation);
      return "cancelled" as const;
    case "pause":
      if (rebuild.state !== "running") return "not_running" as const;
      await ctx.db.patch(rebuild._id, { state: "paused", updatedAt: now });
      return "paused" as const;
    case "resume":
      if (rebuild.state !== "paused" && rebuild.state !== "failed") return "not_resumable" as const;
      if (rebuild.state === "failed" && (await activeRebuildOf(ctx, rebuild.projection)))
        return "not_resumable" as const;
      await resumeRebuild(ctx, rebuild);
      return "resumed" as const;
    case "promote":
      return promoteShadow(ctx, rebuild);
    case "discard":
      return discardShadow(ctx, rebuild);
    default:
      throw new Error(`unknown control action ${action satisfies never}`);
  }
}

export const cancel = controlMutation("cancel");
export const pause = controlMutation("pause");
export const resume = controlMutation("resume");
/** Makes a verify run's kept shadow the active generation. */
export const promote = controlMutation("promote");
/** Deletes a verify run's kept shadow. */
export const discard = controlMutation("discard");

export const status = query({
  args: { rebuildId: v.string() },
  handler: async (ctx, args) => {
    await requireAdminForRead(ctx);
    const rebuildId = ctx.db.normalizeId("rebuilds", args.rebuildId);
    const rebuild = rebuildId ? await ctx.db.get(rebuildId) : null;
    return rebuild ? rebuildStatus(rebuild) : null;
  },
});

export const listActive = query({
  args: {},
  handler: async (ctx) => {
    await requireAdminForRead(ctx);
    const active = [];
    for (const state of ["running", "paused"] as const) {
      active.push(
        ...(await ctx.db
          .query("rebuilds")
          .withIndex("by_state", (q) => q.eq("state", state))
          .take(100)),
      );
    }
    return active.map((rebuild) => rebuildStatus(rebuild));
  },
});

export const history = query({
  args: { projection: v.optional(v.string()), limit: v.optional(v.number()) },
  handler: async (ctx, { projection, limit }) => {
    await requireAdminForRead(ctx);
    const count = pageSize(limit, { fallback: 50, max: 200 });
    const rebuilds = projection
      ? await ctx.db
          .query("rebuilds")
          .withIndex("by_projection", (q) => q.eq("projection", projection))
          .order("desc")
          .take(count)
      : await ctx.db.query("rebuilds").order("desc").take(count);
    return rebuilds.map((rebuild) => rebuildStatus(rebuild));
  },
});

export const deadLetters = query({
  args: { rebuildId: v.string(), limit: v.optional(v.number()) },
  handler: async (ctx, args) => {
    await requireAdminForRead(ctx);
    const rebuildId = ctx.db.normalizeId("rebuilds", args.rebuildId);
    if (!rebuildId) return [];
    const count = pageSize(args.limit, { fallback: 100, max: 500 });
    return ctx.runQuery(components.reproject.deadLetters.list, { rebuildId, limit: count });
  },
});

export const auditLog = query({
  args: { limit: v.optional(v.number()) },
  handler: async (ctx, { limit }) => {
    await requireAdminForRead(ctx);
    const count = pageSize(limit, { fallback: 100, max: 500 });
    return ctx.runQuery(components.reproject.audit.list, { limit: count });
  },
});

/** Every projection of the code's registry with its stored state: version, active generation, staleness, last rebuild. */
export const projections = query({
  args: {},
  handler: async (ctx) => {
    await requireAdminForRead(ctx);
    const rows = await ctx.db.query("projections").take(500);
    const names = new Set([
      ...registry.projections.map((projection) => projection.name),
      ...rows.map((row) => row.name),
    ]);
    const result = [];
    for (const name of [...names].sort()) {
      const code = registry.get(name);
      const row = rows.find((candidate) => candidate.name === name);
      const lastRebuild = row?.lastRebuildId ? await ctx.db.get(row.lastRebuildId) : null;
      result.push({
        name,
        codeVersion: code?.version ?? null,
        builtVersion: row?.builtVersion ?? null,
        activeGeneration: row?.activeGeneration ?? null,
        complexity: code?.complexity ?? null,
        eventTypes: code ? [...code.eventTypes] : [],
        staleSince: row?.staleSince ?? null,
        removed: !code,
        lastRebuild: lastRebuild ? rebuildStatus(lastRebuild) : null,
      });
    }
    return result;
  },
});
