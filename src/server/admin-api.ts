// The public rebuild API, behind the app's admin check: `reproject.adminApi()`, exported from the
// app's module of choice (the panel, the React hooks and the CLI call it). Mutations answer with a
// status instead of throwing on refusals, so that every attempt (refused ones included) lands in
// the audit log; queries refuse by throwing.
import { mutationGeneric, queryGeneric, type FunctionReturnType, type GenericMutationCtx } from "convex/server";
import { v } from "convex/values";
import { vRebuildOptions, type Actor, type RebuildOptions } from "../component/validators.ts";
import { eventTypesWithoutKeys, MAX_LANES, type AnyProjection, type EventEnvelope } from "../registry/index.ts";
import { filterProblem, isEmptyFilter } from "../replay/filter.ts";
import { requireAdminForRead } from "./admin.ts";
import { appFunctions } from "./app-functions.ts";
import { archiveLocation } from "./archive-location.ts";
import { recordAudit } from "./audit.ts";
import { eventLogOf, projectionCode } from "./event-log.ts";
import { lagBehind } from "./lag.ts";
import { pageSize } from "./page-size.ts";
import type { Wiring } from "./wiring.ts";

const TARGET_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_RATE_LIMIT = 10_000_000;

type Refusal = { status: "refused" | "rejected"; reason: string };
type MutationCtx = GenericMutationCtx<any>;

/** What is wrong with a verify run's expectation, or null. */
export function verifyExpectationProblem({ maxChangedShare }: { maxChangedShare: number }): string | null {
  if (!(maxChangedShare >= 0 && maxChangedShare <= 1))
    return `maxChangedShare must be a share of the documents between 0 and 1, got ${maxChangedShare}`;
  return null;
}

/** What is wrong with the options, or null. */
export function rebuildOptionsProblem(options: RebuildOptions, envelope: EventEnvelope, projection: AnyProjection): string | null {
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
  if (options.errorPolicy === "dead-letter-key") {
    const unkeyed = eventTypesWithoutKeys(projection);
    if (unkeyed.length > 0)
      return (
        `errorPolicy "dead-letter-key" needs a prefetch on every handler of ${projection.name}, to know the keys an ` +
        `event touches before it runs; none on ${unkeyed.join(", ")}: add one, or use "dead-letter"`
      );
  }
  if (options.lanes !== undefined) {
    if (!Number.isSafeInteger(options.lanes) || options.lanes < 1 || options.lanes > MAX_LANES)
      return `lanes must be a whole number from 1 to ${MAX_LANES}, got ${options.lanes}`;
    if (options.lanes > 1 && !projection.lanes)
      return (
        `${projection.name} cannot be rebuilt in lanes: it declares no lane key (lanes: { key } in defineProjection), ` +
        "so nothing says which events may be folded apart; rebuild it in 1 lane"
      );
  }
  if (options.promoteWithin) {
    if (options.mode !== "verify") return 'promoteWithin is for verify runs: add mode: "verify"';
    return verifyExpectationProblem(options.promoteWithin);
  }
  return null;
}

/** Whether a projection can be rebuilt in lanes: the lanes a rebuild runs in unless asked, and the most it may ask. */
function projectionLanes(projection: AnyProjection): { defaultCount: number; maxCount: number } | null {
  return projection.lanes ? { defaultCount: projection.lanes.count, maxCount: MAX_LANES } : null;
}

type ControlAction = "cancel" | "pause" | "resume" | "promote" | "discard";

export function adminApi(wiring: Wiring) {
  const { component, registry, envelope, authorize, refs } = wiring;
  type ControlAnswer = Exclude<FunctionReturnType<typeof component.rebuilds.control>, { status: "rejected" }>;

  async function authorized(
    ctx: MutationCtx,
    action: string,
    projection?: string,
  ): Promise<{ actor: Actor } | Refusal> {
    const authorization = await authorize(ctx);
    if (authorization.allowed) return { actor: authorization.actor };
    await recordAudit(ctx, component, {
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
    await recordAudit(ctx, component, {
      actor,
      action,
      outcome: "rejected",
      details: reason,
      ...(projection ? { projection } : {}),
    });
    return { status: "rejected", reason };
  }

  const trigger = mutationGeneric({
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
      const problem = rebuildOptionsProblem(options, envelope, registry.require(projection));
      if (problem) return reject(ctx, auth.actor, "trigger", problem, projection);
      // A filtered replay goes to a named generation of its own, never to the active read model.
      const effective = isEmptyFilter(options.filter)
        ? options
        : { ...options, target: options.target ?? `filtered-${Date.now()}` };
      return ctx.runMutation(component.rebuilds.trigger, {
        projection: (await projectionCode(ctx, [registry.require(projection)]))[0]!,
        options: effective,
        actor: auth.actor,
        archiveLocation: archiveLocation(),
        app: await appFunctions(wiring),
      });
    },
  });

  /** cancel / pause / resume / promote / discard share their checks; each takes effect at the next batch boundary. */
  function controlMutation(action: ControlAction) {
    return mutationGeneric({
      args: { rebuildId: v.string() },
      handler: async (ctx, { rebuildId }): Promise<Refusal | ControlAnswer> => {
        const auth = await authorized(ctx, action);
        if ("status" in auth) return auth;
        return ctx.runMutation(component.rebuilds.control, {
          action,
          rebuildId,
          actor: auth.actor,
          codeVersions: Object.fromEntries(registry.projections.map(({ name, version }) => [name, version])),
          app: await appFunctions(wiring),
        });
      },
    });
  }

  const cancel = controlMutation("cancel");
  const pause = controlMutation("pause");
  const resume = controlMutation("resume");
  /** Makes a verify run's kept shadow the active generation. */
  const promote = controlMutation("promote");
  /** Deletes a verify run's kept shadow. */
  const discard = controlMutation("discard");

  /**
   * Re-drives a `dead-letter-key` rebuild's dead letters into its generation through the code's
   * handlers (after a fix is deployed), in batches; audited as `dead_letters_redriven`.
   */
  const redriveDeadLetters = mutationGeneric({
    args: { rebuildId: v.string() },
    handler: async (ctx, { rebuildId }) => {
      const auth = await authorized(ctx, "redrive_dead_letters");
      if ("status" in auth) return auth;
      const started = await ctx.runMutation(component.redrives.start, {
        rebuildId,
        codeVersions: Object.fromEntries(registry.projections.map(({ name, version }) => [name, version])),
        actor: auth.actor,
      });
      if (started.status === "started")
        await ctx.scheduler.runAfter(0, refs.redriveBatch, { redriveId: started.redriveId, expectedCursor: null });
      return started;
    },
  });

  /** A rebuild's re-drives of its dead letters, latest first. */
  const redrives = queryGeneric({
    args: { rebuildId: v.string() },
    handler: async (ctx, { rebuildId }) => {
      await requireAdminForRead(authorize, ctx);
      return ctx.runQuery(component.redrives.list, { rebuildId, limit: 20 });
    },
  });

  const status = queryGeneric({
    args: { rebuildId: v.string() },
    handler: async (ctx, { rebuildId }) => {
      await requireAdminForRead(authorize, ctx);
      return ctx.runQuery(component.rebuilds.status, { rebuildId });
    },
  });

  const listActive = queryGeneric({
    args: {},
    handler: async (ctx) => {
      await requireAdminForRead(authorize, ctx);
      return ctx.runQuery(component.rebuilds.listActive, {});
    },
  });

  const history = queryGeneric({
    args: { projection: v.optional(v.string()), limit: v.optional(v.number()) },
    handler: async (ctx, { projection, limit }) => {
      await requireAdminForRead(authorize, ctx);
      const count = pageSize(limit, { fallback: 50, max: 200 });
      return ctx.runQuery(component.rebuilds.history, { ...(projection ? { projection } : {}), limit: count });
    },
  });

  /** A rebuild's progress over time (events processed, events/s), oldest first, at most a few hundred points. */
  const samples = queryGeneric({
    args: { rebuildId: v.string() },
    handler: async (ctx, { rebuildId }) => {
      await requireAdminForRead(authorize, ctx);
      return ctx.runQuery(component.samples.list, { rebuildId });
    },
  });

  /** A page of a rebuild's dead letters in position order: the next page starts `after` the last one's position. */
  const deadLetters = queryGeneric({
    args: { rebuildId: v.string(), limit: v.optional(v.number()), after: v.optional(v.number()) },
    handler: async (ctx, { rebuildId, limit, after }) => {
      await requireAdminForRead(authorize, ctx);
      const count = pageSize(limit, { fallback: 100, max: 500 });
      return ctx.runQuery(component.deadLetters.list, {
        rebuildId,
        limit: count,
        ...(after === undefined ? {} : { after }),
      });
    },
  });

  const auditLog = queryGeneric({
    args: { limit: v.optional(v.number()) },
    handler: async (ctx, { limit }) => {
      await requireAdminForRead(authorize, ctx);
      const count = pageSize(limit, { fallback: 100, max: 500 });
      return ctx.runQuery(component.audit.list, { limit: count });
    },
  });

  /**
   * Every projection of the code's registry with its stored state: version, active generation, staleness, last rebuild,
   * and whether it can be rebuilt in lanes (null: it declares no lane key).
   */
  const projections = queryGeneric({
    args: {},
    handler: async (ctx) => {
      await requireAdminForRead(authorize, ctx);
      const rows = await ctx.runQuery(component.projections.list, {});
      const logPosition = (await eventLogOf(ctx))?.lastPosition ?? 0;
      const names = new Set([
        ...registry.projections.map((projection) => projection.name),
        ...rows.map((row) => row.name),
      ]);
      return Promise.all(
        [...names].sort().map(async (name) => {
          const code = registry.get(name);
          const row = rows.find((candidate) => candidate.name === name);
          return {
            name,
            codeVersion: code?.version ?? null,
            builtVersion: row?.builtVersion ?? null,
            activeGeneration: row?.activeGeneration ?? null,
            complexity: code?.complexity ?? null,
            eventTypes: code ? [...code.eventTypes] : [],
            lanes: code ? projectionLanes(code) : null,
            staleSince: row?.staleSince ?? null,
            automaticRebuild: row?.automaticRebuild ?? null,
            removed: !code,
            lastRebuild: row?.lastRebuild ?? null,
            logPosition,
            behind: row?.frozenAfter == null ? null : await lagBehind(ctx, row.frozenAfter, logPosition),
          };
        }),
      );
    },
  });

  return {
    trigger,
    cancel,
    pause,
    resume,
    promote,
    discard,
    status,
    listActive,
    history,
    samples,
    deadLetters,
    redriveDeadLetters,
    redrives,
    auditLog,
    projections,
  };
}
