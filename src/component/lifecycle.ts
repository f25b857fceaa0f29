// The rebuild state machine: creating a rebuild, chaining its chunks on the replay pool (one in
// flight per projection), opening and committing batches with the checkpoint, finishing. The app's
// functions do the work that needs its code (handlers, read models, the archive, the events table)
// and call these in the same transaction.
import { vOnCompleteArgs } from "@convex-dev/workpool";
import type { FunctionHandle } from "convex/server";
import { v, type Infer } from "convex/values";
import { startRate, updateRate } from "../progress/rate.ts";
import { addBatchWrites } from "../progress/write-usage.ts";
import { internal } from "./_generated/api.js";
import type { Doc, Id } from "./_generated/dataModel.js";
import { internalMutation, mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { appFunctionsOf } from "./appFunctions.ts";
import { notifyApp } from "./notifications.ts";
import { retryIfAutomatic } from "./automaticRebuilds.ts";
import { scheduleGenerationDeletion } from "./generationDeletions.ts";
import {
  checkedLaneCount,
  checkpointOf,
  lanesOf,
  patchCheckpoint,
  runsInLanes,
  startLanes,
  withLaneProgress,
  type Checkpoint,
  type Lane,
} from "./lanes.ts";
import { replayPool } from "./replayPool.ts";
import { recordSample } from "./samples.ts";
import {
  vBatchWrites,
  vCounters,
  vDeadLetter,
  vErrorPolicy,
  vFilter,
  vPruning,
  vRebuildError,
  vRebuildPhase,
  SYSTEM,
  ZERO_COUNTERS,
  type Actor,
  type AppFunctions,
  type ProjectionCode,
  type RebuildError,
  type RebuildOptions,
} from "./validators.ts";
import { releaseShadow, startDiffing } from "./verify.ts";

export type Rebuild = Doc<"rebuilds">;

/** The rebuild with this id (as the app passes it, a string), or null. */
export async function rebuildById(ctx: QueryCtx, rebuildId: string): Promise<Rebuild | null> {
  const id = ctx.db.normalizeId("rebuilds", rebuildId);
  return id ? ctx.db.get(id) : null;
}

/** The projection's row, created at the code's version on first use. */
export async function projectionRow(
  ctx: MutationCtx,
  name: string,
  version: number,
  logPosition?: number,
): Promise<Doc<"projections">> {
  const existing = await findProjection(ctx, name);
  if (existing) return existing;
  const id = await ctx.db.insert("projections", {
    name,
    version,
    activeGeneration: null,
    lastGeneration: 0,
    ...(logPosition === undefined ? {} : { effectsFrom: logPosition }),
  });
  return (await ctx.db.get(id))!;
}

export function findProjection(ctx: QueryCtx, name: string): Promise<Doc<"projections"> | null> {
  return ctx.db
    .query("projections")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
}

export async function activeRebuildOf(ctx: QueryCtx, projection: string): Promise<Rebuild | null> {
  for (const state of ["running", "paused"] as const) {
    const rebuild = await ctx.db
      .query("rebuilds")
      .withIndex("by_projection_state", (q) => q.eq("projection", projection).eq("state", state))
      .first();
    if (rebuild) return rebuild;
  }
  return null;
}

/** What the engine needs of a projection's code to start a rebuild of it. */
export type { ProjectionCode };

export async function createRebuild(
  ctx: MutationCtx,
  code: ProjectionCode,
  options: RebuildOptions,
  actor: Actor,
  archiveLocation: string,
): Promise<Id<"rebuilds">> {
  const row = await projectionRow(ctx, code.name, code.version, code.logPosition);
  const lanes = checkedLaneCount(options.lanes ?? code.lanes);
  await discardFailedGenerations(ctx, code.name);
  const generation = row.lastGeneration + 1;
  await ctx.db.patch(row._id, { lastGeneration: generation });
  const now = Date.now();
  const rebuildId = await ctx.db.insert("rebuilds", {
    projection: code.name,
    version: code.version,
    generation,
    state: "running",
    phase: "planning",
    ...(options.filter ? { filter: options.filter } : {}),
    dryRun: options.dryRun ?? false,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    errorPolicy: options.errorPolicy ?? "fail",
    ...(options.target ? { target: options.target } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    // A shadow that may be promoted by itself is kept until then.
    ...(options.keepShadow || options.promoteWithin ? { keepShadow: true } : {}),
    ...(options.promoteWithin ? { promoteWithin: options.promoteWithin } : {}),
    ...(lanes ? { lanes } : {}),
    archive: { location: archiveLocation },
    processed: 0,
    cursor: null,
    counters: ZERO_COUNTERS,
    rate: startRate(0, now),
    startedAt: now,
    updatedAt: now,
    triggeredBy: actor,
  });
  await ctx.db.patch(row._id, { lastRebuildId: rebuildId });
  await enqueueNextChunk(ctx, rebuildId);
  return rebuildId;
}

/**
 * A failed rebuild keeps its partial generation so that it can be resumed after a fix; a new
 * rebuild of the projection supersedes it, and the partial generation is deleted then.
 */
async function discardFailedGenerations(ctx: MutationCtx, projection: string): Promise<void> {
  const failed = await ctx.db
    .query("rebuilds")
    .withIndex("by_projection_state", (q) => q.eq("projection", projection).eq("state", "failed"))
    .collect();
  for (const rebuild of failed) {
    await cancelRebuild(ctx, rebuild, {
      ...rebuild.lastError!,
      message: `${rebuild.lastError?.message ?? "failed"} (superseded by a new rebuild)`,
    });
  }
}

/**
 * Cancels a rebuild for good: its plan is deleted now, its generation in the background. A verify
 * run's shadow stops receiving live appends first, so that none writes into a generation being deleted.
 */
export async function cancelRebuild(ctx: MutationCtx, rebuild: Rebuild, lastError?: RebuildError): Promise<void> {
  const now = Date.now();
  await ctx.db.patch(rebuild._id, {
    state: "cancelled",
    finishedAt: rebuild.finishedAt ?? now,
    updatedAt: now,
    ...(lastError ? { lastError } : {}),
  });
  let pagesLeft = PLAN_PAGES_PER_CANCEL;
  await deletePlan(ctx, rebuild._id, async () => --pagesLeft > 0);
  if (rebuild.mode === "verify") await releaseShadow(ctx, rebuild);
  else if (!rebuild.dryRun) await scheduleGenerationDeletion(ctx, rebuild.projection, rebuild.generation);
}

/**
 * Puts the rebuild's next chunks on the replay pool: one per lane of its archive phase that has none
 * in flight, else its own once none of its chunks is in flight. None while it is not running, or
 * while the chunks of another rebuild of its projection are in flight: a cancelled or superseded
 * rebuild's chunk may still be running, and this one waits for its onComplete.
 */
export async function enqueueNextChunk(ctx: MutationCtx, rebuildId: Id<"rebuilds">): Promise<void> {
  const rebuild = await ctx.db.get(rebuildId);
  if (!rebuild || rebuild.state !== "running") return;
  const row = await findProjection(ctx, rebuild.projection);
  if (row?.chunkInFlight !== undefined && row.chunkInFlight !== rebuildId) return;
  const lanes = await lanesOf(ctx, rebuild);
  const due: Checkpoint[] = runsInLanes(rebuild)
    ? lanes.filter((lane) => !lane.done && !lane.chunk).map((doc) => ({ table: "rebuildLanes", doc }))
    : rebuild.chunk || lanes.some((lane) => lane.chunk)
      ? []
      : [{ table: "rebuilds", doc: rebuild }];
  if (due.length === 0) return;
  const app: AppFunctions = await appFunctionsOf(ctx);
  const pool = await replayPool(ctx);
  const work = (rebuild.phase === "planning" ? app.plan : app.chunk) as FunctionHandle<"action">;
  for (const checkpoint of due) {
    const context = checkpoint.table === "rebuildLanes" ? { rebuildId, lane: checkpoint.doc.lane } : { rebuildId };
    const workId = await pool.enqueueAction(ctx, work, context, {
      name: `replay:${rebuild.projection}`,
      onComplete: internal.lifecycle.chunkFinished,
      context,
    });
    await patchCheckpoint(ctx, checkpoint, { chunk: { workId, attempts: 0, enqueuedAt: Date.now() } });
  }
  // Written only when it changes: every batch of the lanes reads the row, and a write would conflict with them.
  if (row && row.chunkInFlight !== rebuildId) await ctx.db.patch(row._id, { chunkInFlight: rebuildId });
}

/** Whether any chunk of the rebuild, its own or a lane's, is on the replay pool by its own record. */
export function hasChunkRecorded(rebuild: Rebuild, lanes: readonly Lane[]): boolean {
  return rebuild.chunk !== undefined || lanes.some((lane) => lane.chunk !== undefined);
}

/**
 * onComplete of every chunk: frees its checkpoint's chunk (and the projection's slot once none of
 * the rebuild's is left) and chains what comes next, of this rebuild or of one that waited.
 */
export const chunkFinished = internalMutation({
  args: vOnCompleteArgs(v.object({ rebuildId: v.id("rebuilds"), lane: v.optional(v.number()) })),
  returns: v.null(),
  handler: async (ctx, { workId, context, result }) => {
    const rebuild = await ctx.db.get(context.rebuildId);
    const checkpoint = rebuild && (await checkpointOf(ctx, rebuild, context.lane));
    // A late completion of a chunk the watchdog gave up on and replaced: the current chunk decides.
    if (!rebuild || !checkpoint || (checkpoint.doc.chunk && checkpoint.doc.chunk.workId !== workId)) return null;
    if (checkpoint.doc.chunk) {
      await patchCheckpoint(ctx, checkpoint, { chunk: undefined });
      const current = (await ctx.db.get(rebuild._id))!;
      const row = await findProjection(ctx, rebuild.projection);
      if (row?.chunkInFlight === rebuild._id && !hasChunkRecorded(current, await lanesOf(ctx, current))) {
        await ctx.db.patch(row._id, { chunkInFlight: undefined });
      }
    }
    if (result.kind === "failed" && rebuild.state === "running") {
      await failRebuild(ctx, rebuild, { message: `chunk failed after its retries: ${result.error}`, at: Date.now() });
    } else {
      await enqueueNextChunk(ctx, rebuild._id);
    }
    const waiting = await activeRebuildOf(ctx, rebuild.projection);
    if (waiting && waiting._id !== rebuild._id) await enqueueNextChunk(ctx, waiting._id);
    return null;
  },
});

export async function failRebuild(ctx: MutationCtx, rebuild: Rebuild, error: RebuildError): Promise<void> {
  const now = Date.now();
  await ctx.db.patch(rebuild._id, { state: "failed", lastError: error, finishedAt: now, updatedAt: now });
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "rebuild_failed",
    projection: rebuild.projection,
    rebuildId: rebuild._id,
    outcome: "failed",
    details: error.message,
  });
  await notifyApp(ctx, { ...rebuild, state: "failed" }, "failed", error.message);
  await retryIfAutomatic(ctx, rebuild, error);
}

/** Back to running from paused or failed: the next chunk starts from the checkpoint. */
export async function resumeRebuild(ctx: MutationCtx, rebuild: Rebuild): Promise<void> {
  await ctx.db.patch(rebuild._id, {
    state: "running",
    updatedAt: Date.now(),
    lastError: undefined,
    finishedAt: undefined,
  });
  await enqueueNextChunk(ctx, rebuild._id);
}

/** Fails a running rebuild: an event its handlers rejected, found by the app's batch mutation. */
export const fail = mutation({
  args: { rebuildId: v.string(), error: vRebuildError },
  returns: v.null(),
  handler: async (ctx, { rebuildId, error }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (rebuild?.state === "running") await failRebuild(ctx, rebuild, error);
    return null;
  },
});

/** What a chunk needs to run; also counts the attempt (a retried chunk is counted in `retried`). */
export const vChunkInput = v.union(
  v.null(),
  v.object({
    projection: v.string(),
    phase: vRebuildPhase,
    /** The lane the chunk replays the archive for, of how many; null: the rebuild's own chunk. */
    lane: v.union(v.null(), v.object({ index: v.number(), count: v.number() })),
    cursor: v.union(v.number(), v.null()),
    filter: v.union(vFilter, v.null()),
    rateLimit: v.union(v.number(), v.null()),
    archiveLocation: v.string(),
    planJson: v.union(v.string(), v.null()),
  }),
);
export type ChunkInput = NonNullable<Infer<typeof vChunkInput>>;

export const beginChunk = mutation({
  args: { rebuildId: v.string(), lane: v.optional(v.number()) },
  returns: vChunkInput,
  handler: async (ctx, args) => {
    const rebuild = await rebuildById(ctx, args.rebuildId);
    if (!rebuild || rebuild.state !== "running") return null;
    const checkpoint = await laneCheckpoint(ctx, rebuild, args.lane);
    if (!checkpoint) return null;
    const { doc } = checkpoint;
    const attempts = (doc.chunk?.attempts ?? 0) + 1;
    // A retry follows a failure and its backoff: the rate measured before them says nothing now.
    const retry =
      attempts > 1
        ? {
            counters: { ...doc.counters, retried: doc.counters.retried + 1 },
            rate: startRate(doc.processed, Date.now()),
          }
        : {};
    await patchCheckpoint(ctx, checkpoint, { ...(doc.chunk ? { chunk: { ...doc.chunk, attempts } } : {}), ...retry });
    const plan = await planOf(ctx, rebuild._id);
    return {
      projection: rebuild.projection,
      phase: rebuild.phase,
      lane: args.lane === undefined ? null : { index: args.lane, count: rebuild.lanes! },
      cursor: doc.cursor,
      filter: rebuild.filter ?? null,
      rateLimit: rebuild.rateLimit ?? null,
      archiveLocation: rebuild.archive.location,
      planJson: plan?.planJson ?? null,
    };
  },
});

/**
 * The checkpoint a lane's call works on: the lane's while the rebuild runs in lanes and the lane is
 * not done (else null: the call stops), the rebuild's own for a call that names no lane and while
 * the rebuild does not run in lanes.
 */
async function laneCheckpoint(ctx: QueryCtx, rebuild: Rebuild, lane: number | undefined): Promise<Checkpoint | null> {
  if (runsInLanes(rebuild) !== (lane !== undefined)) return null;
  const checkpoint = await checkpointOf(ctx, rebuild, lane);
  return checkpoint && !(checkpoint.table === "rebuildLanes" && checkpoint.doc.done) ? checkpoint : null;
}

/** Plan pages a cancel deletes at most (128 KiB each): a bigger plan keeps the rest, and its header, for retention. */
const PLAN_PAGES_PER_CANCEL = 32;

/**
 * Deletes a rebuild's plan, its pages first and its header once none is left, asking `roomForAnother`
 * after each page. Answers whether the plan is gone; when not, call it again (in another transaction).
 */
export async function deletePlan(
  ctx: MutationCtx,
  rebuildId: string,
  roomForAnother: () => Promise<boolean>,
): Promise<boolean> {
  const pages = ctx.db.query("rebuildPlanPages").withIndex("by_rebuild_page", (q) => q.eq("rebuildId", rebuildId));
  for await (const page of pages) {
    await ctx.db.delete(page._id);
    if (!(await roomForAnother())) return false;
  }
  const plan = await planOf(ctx, rebuildId);
  if (plan) await ctx.db.delete(plan._id);
  return true;
}

function planOf(ctx: QueryCtx, rebuildId: string) {
  return ctx.db
    .query("rebuildPlans")
    .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId))
    .unique();
}

function planPageOf(ctx: QueryCtx, rebuildId: string, page: number) {
  return ctx.db
    .query("rebuildPlanPages")
    .withIndex("by_rebuild_page", (q) => q.eq("rebuildId", rebuildId).eq("page", page))
    .unique();
}

/** Pages of the plan of a rebuild still planning, from `first` on; `storePlan` then makes them its plan. */
export const storePlanPages = mutation({
  args: { rebuildId: v.string(), first: v.number(), pages: v.array(v.string()) },
  returns: v.null(),
  handler: async (ctx, { rebuildId, first, pages }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild || rebuild.phase !== "planning") return null;
    for (const [offset, slicesJson] of pages.entries()) {
      const page = { rebuildId: rebuild._id as string, page: first + offset, slicesJson };
      // A retried planning writes its pages again.
      const existing = await planPageOf(ctx, page.rebuildId, page.page);
      if (existing) await ctx.db.replace(existing._id, page);
      else await ctx.db.insert("rebuildPlanPages", page);
    }
    return null;
  },
});

/** One page of a rebuild's plan, as a chunk reads it. */
export const planPage = query({
  args: { rebuildId: v.string(), page: v.number() },
  returns: v.string(),
  handler: async (ctx, { rebuildId, page }) => {
    const stored = await planPageOf(ctx, rebuildId, page);
    if (!stored) {
      throw new Error(
        `rebuild ${rebuildId}: page ${page} of its plan is not stored (its plan was deleted or never completed); ` +
          "cancel the rebuild and trigger it again",
      );
    }
    return stored.slicesJson;
  },
});

/** The plan of a rebuild still planning; `liveEvents` are the events table's after the plan's high-water mark. */
export const storePlan = mutation({
  args: {
    rebuildId: v.string(),
    planJson: v.string(),
    /** Pages `storePlanPages` wrote; any beyond are an earlier attempt's and are removed. */
    pageCount: v.number(),
    snapshotId: v.optional(v.string()),
    total: v.number(),
    liveEvents: v.number(),
    pruning: v.optional(vPruning),
    archiveHighWaterMark: v.number(),
  },
  returns: v.null(),
  handler: async (
    ctx,
    { rebuildId, planJson, pageCount, snapshotId, total, liveEvents, pruning, archiveHighWaterMark },
  ) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    // A rebuild cancelled while it was planning keeps no plan.
    if (!rebuild || rebuild.phase !== "planning" || rebuild.state === "cancelled") return null;
    const existing = await planOf(ctx, rebuild._id);
    if (existing) await ctx.db.delete(existing._id);
    const stale = await ctx.db
      .query("rebuildPlanPages")
      .withIndex("by_rebuild_page", (q) => q.eq("rebuildId", rebuild._id).gte("page", pageCount))
      .collect();
    for (const page of stale) await ctx.db.delete(page._id);
    await ctx.db.insert("rebuildPlans", { rebuildId: rebuild._id, planJson });
    await startLanes(ctx, rebuild, Date.now());
    await ctx.db.patch(rebuild._id, {
      phase: "archive",
      total: total + liveEvents,
      archiveHighWaterMark,
      ...(pruning ? { pruning } : {}),
      archive: { ...rebuild.archive, ...(snapshotId ? { snapshotId } : {}) },
      updatedAt: Date.now(),
    });
    return null;
  },
});

/** The rebuild a batch writes to, as the app's batch mutation needs it. */
const vOpenRebuild = v.object({
  projection: v.string(),
  version: v.number(),
  generation: v.number(),
  errorPolicy: vErrorPolicy,
  dryRun: v.boolean(),
  filter: v.union(vFilter, v.null()),
  cursor: v.union(v.number(), v.null()),
  mode: v.union(v.literal("rebuild"), v.literal("verify")),
  /** Events after this position may schedule effects (gated projections); null: none may. */
  effectsAfter: v.union(v.number(), v.null()),
  /** The lane whose checkpoint the batch advances; null: the rebuild's. */
  lane: v.union(v.number(), v.null()),
});

export const vBatchOpening = v.union(
  v.object({ status: v.literal("open"), rebuild: vOpenRebuild }),
  v.object({ status: v.literal("duplicate"), cursor: v.union(v.number(), v.null()) }),
  v.object({ status: v.literal("stopped"), state: v.string() }),
);

/**
 * While the projection has an active generation of the code's version, live processing applies
 * every appended event, so a rebuild schedules no effect; before its first generation is live, the
 * events after it reached the engine were seen by no one, and while its active generation is of
 * another version (frozen after a deploy), the events after `frozenAfter` were not either.
 */
async function effectsAfter(ctx: QueryCtx, rebuild: Rebuild): Promise<number | null> {
  if (rebuild.dryRun || rebuild.mode === "verify" || rebuild.target) return null;
  const row = await findProjection(ctx, rebuild.projection);
  if (!row) return null;
  return row.activeGeneration === null ? (row.effectsFrom ?? null) : (row.frozenAfter ?? null);
}

function opened(rebuild: Rebuild, checkpoint: Checkpoint, effectsFrom: number | null) {
  return {
    status: "open" as const,
    rebuild: {
      projection: rebuild.projection,
      version: rebuild.version,
      generation: rebuild.generation,
      errorPolicy: rebuild.errorPolicy,
      dryRun: rebuild.dryRun,
      filter: rebuild.filter ?? null,
      cursor: checkpoint.doc.cursor,
      mode: rebuild.mode ?? "rebuild",
      effectsAfter: effectsFrom,
      lane: checkpoint.table === "rebuildLanes" ? checkpoint.doc.lane : null,
    },
  };
}

/**
 * Opens a batch: the rebuild must be running in `phase` with the checkpoint (its lane's, for a
 * lane) at `expectedCursor`. A batch whose expected cursor is not the stored one was already
 * committed (a retried chunk). Reads the rebuild's document and writes none: lanes' batches do not
 * conflict.
 */
export const openBatch = query({
  args: {
    rebuildId: v.string(),
    expectedCursor: v.union(v.number(), v.null()),
    phase: v.optional(vRebuildPhase),
    lane: v.optional(v.number()),
  },
  returns: vBatchOpening,
  handler: async (ctx, { rebuildId, expectedCursor, phase, lane }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    const checkpoint =
      rebuild?.state === "running" && (phase === undefined || rebuild.phase === phase)
        ? await laneCheckpoint(ctx, rebuild, lane)
        : null;
    if (!rebuild || !checkpoint) return { status: "stopped" as const, state: rebuild?.state ?? "missing" };
    const cursor = checkpoint.doc.cursor;
    if (cursor !== expectedCursor) return { status: "duplicate" as const, cursor };
    return opened(rebuild, checkpoint, await effectsAfter(ctx, rebuild));
  },
});

/** Advances the checkpoint over a batch the app applied in this transaction, with its counters and dead letters. */
export const commitBatch = mutation({
  args: {
    rebuildId: v.string(),
    lane: v.optional(v.number()),
    lastPosition: v.number(),
    counters: vCounters,
    deadLetters: v.array(vDeadLetter),
    writes: v.optional(vBatchWrites),
  },
  returns: v.null(),
  handler: async (ctx, { rebuildId, lane, lastPosition, counters: batch, deadLetters, writes }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    const checkpoint = rebuild && (await checkpointOf(ctx, rebuild, lane));
    if (!rebuild || !checkpoint)
      throw new Error(`commitBatch: no rebuild ${rebuildId}${lane === undefined ? "" : ` lane ${lane}`}`);
    const now = Date.now();
    for (const letter of deadLetters) {
      await ctx.db.insert("deadLetters", {
        rebuildId: rebuild._id,
        projection: rebuild.projection,
        ...letter,
        at: now,
      });
    }
    const { doc } = checkpoint;
    const counters = { ...doc.counters };
    for (const key of Object.keys(batch) as (keyof typeof batch)[]) counters[key] += batch[key];
    const rate = updateRate(doc.rate, counters.found, now);
    await patchCheckpoint(ctx, checkpoint, {
      cursor: lastPosition,
      counters,
      processed: counters.found,
      ...(writes ? { usage: addBatchWrites(doc.usage, writes) } : {}),
      rate,
      updatedAt: now,
    });
    await recordSample(ctx, rebuild, lane, {
      at: now,
      processed: counters.found,
      eventsPerSecond: rate.eventsPerSecond,
    });
    return null;
  },
});

/**
 * The archive (a lane's share of it, for a lane) is replayed up to `cursor`: go on with the live
 * events table after the pinned snapshot's high-water mark (positions up to it are the archive's,
 * even where pruning skipped them). A lane that is done waits for the others; the last one adds the
 * lanes' figures into the rebuild, which goes on with the tail in a chunk of its own.
 */
export const finishArchive = mutation({
  args: { rebuildId: v.string(), expectedCursor: v.union(v.number(), v.null()), lane: v.optional(v.number()) },
  returns: v.boolean(),
  handler: async (ctx, { rebuildId, expectedCursor, lane }) => {
    const found = await rebuildById(ctx, rebuildId);
    const checkpoint =
      found?.state === "running" && found.phase === "archive" ? await laneCheckpoint(ctx, found, lane) : null;
    if (!found || !checkpoint || checkpoint.doc.cursor !== expectedCursor) return false;
    const now = Date.now();
    if (checkpoint.table === "rebuilds") {
      const tailStart = Math.max(found.cursor ?? 0, found.archiveHighWaterMark ?? 0);
      await ctx.db.patch(found._id, { phase: "tail", cursor: tailStart, updatedAt: now });
      return true;
    }
    await patchCheckpoint(ctx, checkpoint, { done: true, updatedAt: now });
    const lanes = await lanesOf(ctx, found);
    if (lanes.some((other) => !other.done)) return true;
    const { processed, counters, usage, rate } = withLaneProgress(found, lanes);
    const lastCovered = Math.max(0, ...lanes.map((other) => other.cursor ?? 0));
    await ctx.db.patch(found._id, {
      phase: "tail",
      cursor: Math.max(lastCovered, found.archiveHighWaterMark ?? 0),
      processed,
      counters,
      ...(usage ? { usage } : {}),
      rate: { ...rate, atMs: now },
      updatedAt: now,
    });
    return true;
  },
});

/** The tail phase's cursor, once the rebuild is in it and still running. */
export const beginTail = query({
  args: { rebuildId: v.string() },
  returns: v.union(v.null(), v.object({ cursor: v.union(v.number(), v.null()) })),
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "tail") return null;
    return { cursor: rebuild.cursor };
  },
});

/**
 * The handover, called by the app's tail mutation once it applied the rest of the events table in
 * the same transaction: completes the rebuild and swaps its generation in (a verify run starts
 * comparing instead). `codeVersion` is the projection's version in the app's code now.
 */
export const handOver = mutation({
  args: { rebuildId: v.string(), codeVersion: v.number() },
  returns: v.union(v.literal("completed"), v.literal("diffing")),
  handler: async (ctx, { rebuildId, codeVersion }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "tail")
      throw new Error(`handOver: rebuild ${rebuildId} is not in its tail phase`);
    const row = await projectionRow(ctx, rebuild.projection, codeVersion);
    if (rebuild.mode === "verify") {
      await startDiffing(ctx, rebuild, row.activeGeneration, row._id);
      return "diffing" as const;
    }
    await completeRebuild(ctx, rebuild, row, codeVersion);
    return "completed" as const;
  },
});

async function completeRebuild(ctx: MutationCtx, rebuild: Rebuild, row: Doc<"projections">, codeVersion: number) {
  const now = Date.now();
  const counters = rebuild.counters;
  await ctx.db.patch(rebuild._id, {
    state: "completed",
    phase: "finishing",
    total: Math.max(rebuild.total ?? 0, counters.found),
    rate: updateRate(rebuild.rate, counters.found, now),
    finishedAt: now,
    updatedAt: now,
  });
  if (!rebuild.dryRun && !rebuild.target) await swapGeneration(ctx, rebuild, row, codeVersion);
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "rebuild_completed",
    projection: rebuild.projection,
    rebuildId: rebuild._id,
    outcome: "completed",
    details: `${counters.applied} applied of ${counters.found} found`,
  });
  await notifyApp(ctx, { ...rebuild, state: "completed" }, "completed");
}

/** Makes the rebuild's generation the one queries read, and deletes the one it replaces in the background. */
async function swapGeneration(ctx: MutationCtx, rebuild: Rebuild, row: Doc<"projections">, codeVersion: number) {
  await ctx.db.patch(row._id, {
    activeGeneration: rebuild.generation,
    builtVersion: rebuild.version,
    frozenAfter: undefined,
    ...(rebuild.version === codeVersion
      ? { staleSince: undefined, autoRebuildRetries: undefined, autoRebuildFailedAt: undefined }
      : {}),
  });
  if (row.activeGeneration !== null && row.activeGeneration !== rebuild.generation) {
    await scheduleGenerationDeletion(ctx, rebuild.projection, row.activeGeneration);
  }
}
