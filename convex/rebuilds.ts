// The public rebuild API. Mutations answer with a status instead of throwing on refusals, so that
// every attempt (refused ones included) lands in the audit log; queries refuse by throwing.
import type { FunctionReturnType } from "convex/server";
import { v } from "convex/values";
import { filterProblem, isEmptyFilter } from "../src/replay/filter.ts";
import { components } from "./_generated/api";
import { mutation, query, type MutationCtx } from "./_generated/server";
import { authorizeAdmin, requireAdminForRead } from "./auth";
import { envelope } from "./envelope";
import { recordAudit } from "./audit";
import { registry } from "./projections";
import { pageSize } from "./pageSize";
import { appFunctions, archiveLocation } from "./replay/lifecycle";
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
    // A filtered replay goes to a named generation of its own, never to the active read model.
    const effective = isEmptyFilter(options.filter)
      ? options
      : { ...options, target: options.target ?? `filtered-${Date.now()}` };
    return ctx.runMutation(components.reproject.rebuilds.trigger, {
      projection: { name: projection, version: registry.require(projection).version },
      options: effective,
      actor: auth.actor,
      archiveLocation: archiveLocation(),
      app: await appFunctions(),
    });
  },
});

type ControlAction = "cancel" | "pause" | "resume" | "promote" | "discard";
type ControlAnswer = Exclude<FunctionReturnType<typeof components.reproject.rebuilds.control>, { status: "rejected" }>;

/** cancel / pause / resume / promote / discard share their checks; each takes effect at the next batch boundary. */
function controlMutation(action: ControlAction) {
  return mutation({
    args: { rebuildId: v.string() },
    handler: async (ctx, { rebuildId }): Promise<Refusal | ControlAnswer> => {
      const auth = await authorized(ctx, action);
      if ("status" in auth) return auth;
      return ctx.runMutation(components.reproject.rebuilds.control, {
        action,
        rebuildId,
        actor: auth.actor,
        codeVersions: Object.fromEntries(registry.projections.map(({ name, version }) => [name, version])),
        app: await appFunctions(),
      });
    },
  });
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
  handler: async (ctx, { rebuildId }) => {
    await requireAdminForRead(ctx);
    return ctx.runQuery(components.reproject.rebuilds.status, { rebuildId });
  },
});

export const listActive = query({
  args: {},
  handler: async (ctx) => {
    await requireAdminForRead(ctx);
    return ctx.runQuery(components.reproject.rebuilds.listActive, {});
  },
});

export const history = query({
  args: { projection: v.optional(v.string()), limit: v.optional(v.number()) },
  handler: async (ctx, { projection, limit }) => {
    await requireAdminForRead(ctx);
    const count = pageSize(limit, { fallback: 50, max: 200 });
    return ctx.runQuery(components.reproject.rebuilds.history, { ...(projection ? { projection } : {}), limit: count });
  },
});

export const deadLetters = query({
  args: { rebuildId: v.string(), limit: v.optional(v.number()) },
  handler: async (ctx, { rebuildId, limit }) => {
    await requireAdminForRead(ctx);
    const count = pageSize(limit, { fallback: 100, max: 500 });
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
    const rows = await ctx.runQuery(components.reproject.projections.list, {});
    const names = new Set([...registry.projections.map((projection) => projection.name), ...rows.map((row) => row.name)]);
    return [...names].sort().map((name) => {
      const code = registry.get(name);
      const row = rows.find((candidate) => candidate.name === name);
      return {
        name,
        codeVersion: code?.version ?? null,
        builtVersion: row?.builtVersion ?? null,
        activeGeneration: row?.activeGeneration ?? null,
        complexity: code?.complexity ?? null,
        eventTypes: code ? [...code.eventTypes] : [],
        staleSince: row?.staleSince ?? null,
        removed: !code,
        lastRebuild: row?.lastRebuild ?? null,
      };
    });
  },
});
