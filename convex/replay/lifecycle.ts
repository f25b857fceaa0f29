// The rebuild state machine on Convex: creating a rebuild, chaining its chunks on the replay pool
// (one in flight per projection), committing batches together with the checkpoint, finishing.
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { v, type Infer } from "convex/values";
import { describeEventError, type AnyProjection } from "../../src/registry/index.ts";
import { runOf } from "../../src/replay/event-run.ts";
import { typedFilter } from "../../src/replay/filter.ts";
import { startRate, updateRate } from "../../src/progress/rate.ts";
import { components, internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { recordAudit } from "../audit";
import { envelope } from "../envelope";
import { registry } from "../projections";
import { replayPool } from "../replayPool";
import {
  vFilter,
  vPruning,
  vRebuildPhase,
  ZERO_COUNTERS,
  type Actor,
  type RebuildOptions,
  type RebuildError,
} from "../../src/component/validators.ts";
import { SYSTEM } from "../auth";
import { countEventsAfter, eventsAfter } from "../events";
import { commitEvents, eventFailure } from "./commit";
import { scheduleGenerationDeletion } from "./generations";
import { startDiffing } from "./verify";
import { eventsOfColumns } from "../../src/replay/event-columns.ts";
import { vEventColumns } from "./eventValidator";

export type Rebuild = Doc<"rebuilds">;

export function archiveLocation(): string {
  const location = process.env.REPROJECT_ARCHIVE;
  if (!location)
    throw new Error(
      "REPROJECT_ARCHIVE is not set: point it at the event archive (a directory, s3://bucket/prefix or a REST catalog table)",
    );
  return location;
}

/** The projection's registry row, created from the code's declaration on first use. */
export async function projectionRow(ctx: MutationCtx, name: string): Promise<Doc<"projections">> {
  const existing = await ctx.db
    .query("projections")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (existing) return existing;
  const projection = registry.require(name);
  const id = await ctx.db.insert("projections", {
    name,
    version: projection.version,
    activeGeneration: null,
    lastGeneration: 0,
  });
  return (await ctx.db.get(id))!;
}

export async function activeRebuildOf(ctx: MutationCtx, projection: string): Promise<Rebuild | null> {
  for (const state of ["running", "paused"] as const) {
    const rebuild = await ctx.db
      .query("rebuilds")
      .withIndex("by_projection_state", (q) => q.eq("projection", projection).eq("state", state))
      .first();
    if (rebuild) return rebuild;
  }
  return null;
}

export async function createRebuild(
  ctx: MutationCtx,
  projectionName: string,
  options: RebuildOptions,
  actor: Actor,
): Promise<Id<"rebuilds">> {
  const projection = registry.require(projectionName);
  const row = await projectionRow(ctx, projectionName);
  await discardFailedGenerations(ctx, projectionName);
  const generation = row.lastGeneration + 1;
  await ctx.db.patch(row._id, { lastGeneration: generation });
  const now = Date.now();
  const rebuildId = await ctx.db.insert("rebuilds", {
    projection: projectionName,
    version: projection.version,
    generation,
    state: "running",
    phase: "planning",
    ...(options.filter ? { filter: options.filter } : {}),
    dryRun: options.dryRun ?? false,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    errorPolicy: options.errorPolicy ?? "fail",
    ...(options.target ? { target: options.target } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.keepShadow ? { keepShadow: true } : {}),
    archive: { location: archiveLocation() },
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
    await ctx.db.patch(rebuild._id, {
      state: "cancelled",
      lastError: {
        ...rebuild.lastError!,
        message: `${rebuild.lastError?.message ?? "failed"} (superseded by a new rebuild)`,
      },
    });
    if (!rebuild.dryRun) await scheduleGenerationDeletion(ctx, projection, rebuild.generation);
  }
}

/** Puts the rebuild's next chunk on the replay pool unless it is not running or a chunk is in flight. */
export async function enqueueNextChunk(ctx: MutationCtx, rebuildId: Id<"rebuilds">): Promise<void> {
  const rebuild = await ctx.db.get(rebuildId);
  if (!rebuild || rebuild.state !== "running" || rebuild.chunk) return;
  const work = rebuild.phase === "planning" ? internal.replay.planning.plan : internal.replay.chunk.run;
  const workId = await replayPool.enqueueAction(
    ctx,
    work,
    { rebuildId },
    {
      name: `replay:${rebuild.projection}`,
      onComplete: internal.replay.lifecycle.chunkFinished,
      context: { rebuildId },
    },
  );
  await ctx.db.patch(rebuildId, { chunk: { workId, attempts: 0, enqueuedAt: Date.now() } });
}

/** onComplete of every chunk: frees the projection's slot and chains the next chunk. */
export const chunkFinished = internalMutation({
  args: vOnCompleteArgs(v.object({ rebuildId: v.id("rebuilds") })),
  returns: v.null(),
  handler: async (ctx, { workId, context, result }) => {
    const rebuild = await ctx.db.get(context.rebuildId);
    if (!rebuild) return null;
    if (rebuild.chunk?.workId === workId) await ctx.db.patch(rebuild._id, { chunk: undefined });
    if (result.kind === "failed" && rebuild.state === "running") {
      await failRebuild(ctx, rebuild, { message: `chunk failed after its retries: ${result.error}`, at: Date.now() });
      return null;
    }
    await enqueueNextChunk(ctx, rebuild._id);
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
}

/** What a chunk needs to run; also counts the attempt (a retried chunk is counted in `retried`). */
export const vChunkInput = v.union(
  v.null(),
  v.object({
    projection: v.string(),
    phase: vRebuildPhase,
    cursor: v.union(v.number(), v.null()),
    filter: v.union(vFilter, v.null()),
    rateLimit: v.union(v.number(), v.null()),
    archiveLocation: v.string(),
    planJson: v.union(v.string(), v.null()),
  }),
);
export type ChunkInput = NonNullable<Infer<typeof vChunkInput>>;

export const beginChunk = internalMutation({
  args: { rebuildId: v.id("rebuilds") },
  returns: vChunkInput,
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "running") return null;
    const attempts = (rebuild.chunk?.attempts ?? 0) + 1;
    await ctx.db.patch(rebuildId, {
      ...(rebuild.chunk ? { chunk: { ...rebuild.chunk, attempts } } : {}),
      ...(attempts > 1 ? { counters: { ...rebuild.counters, retried: rebuild.counters.retried + 1 } } : {}),
    });
    const planJson = await ctx.runQuery(components.reproject.plans.get, { rebuildId });
    return {
      projection: rebuild.projection,
      phase: rebuild.phase,
      cursor: rebuild.cursor,
      filter: rebuild.filter ?? null,
      rateLimit: rebuild.rateLimit ?? null,
      archiveLocation: rebuild.archive.location,
      planJson,
    };
  },
});

export const storePlan = internalMutation({
  args: {
    rebuildId: v.id("rebuilds"),
    planJson: v.string(),
    snapshotId: v.optional(v.string()),
    total: v.number(),
    pruning: v.optional(vPruning),
    archiveHighWaterMark: v.number(),
  },
  returns: v.null(),
  handler: async (ctx, { rebuildId, planJson, snapshotId, total, pruning, archiveHighWaterMark }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.phase !== "planning") return null;
    await ctx.runMutation(components.reproject.plans.store, { rebuildId, planJson });
    await ctx.db.patch(rebuildId, {
      phase: "archive",
      total: total + (await countEventsAfter(ctx, archiveHighWaterMark)),
      archiveHighWaterMark,
      ...(pruning ? { pruning } : {}),
      archive: { ...rebuild.archive, ...(snapshotId ? { snapshotId } : {}) },
      updatedAt: Date.now(),
    });
    return null;
  },
});

export const vBatchOutcome = v.union(
  v.object({ status: v.literal("applied"), cursor: v.number() }),
  v.object({ status: v.literal("duplicate"), cursor: v.union(v.number(), v.null()) }),
  v.object({ status: v.literal("stopped"), state: v.string() }),
  v.object({ status: v.literal("failed"), reason: v.string() }),
);

/**
 * Applies one batch and advances the checkpoint in the same transaction. A batch whose expected
 * cursor is not the stored one was already committed (a retried chunk): it is ignored.
 */
export const applyBatch = internalMutation({
  args: {
    rebuildId: v.id("rebuilds"),
    expectedCursor: v.union(v.number(), v.null()),
    lastPosition: v.number(),
    events: vEventColumns,
    skipped: v.number(),
    filtered: v.number(),
  },
  returns: vBatchOutcome,
  handler: async (ctx, { rebuildId, expectedCursor, ...input }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "running")
      return { status: "stopped" as const, state: rebuild?.state ?? "missing" };
    if (rebuild.cursor !== expectedCursor) return { status: "duplicate" as const, cursor: rebuild.cursor };
    const committed = await commitEvents(ctx, rebuild, { ...input, events: eventsOfColumns(input.events) });
    if (!committed.ok) {
      await failRebuild(ctx, rebuild, eventFailure(committed.failure));
      return { status: "failed" as const, reason: describeEventError(committed.failure) };
    }
    return { status: "applied" as const, cursor: input.lastPosition };
  },
});

/**
 * The archive is replayed up to `cursor`: go on with the live events table after the pinned
 * snapshot's high-water mark (positions up to it are the archive's, even where pruning skipped them).
 */
export const finishArchive = internalMutation({
  args: { rebuildId: v.id("rebuilds"), expectedCursor: v.union(v.number(), v.null()) },
  returns: v.boolean(),
  handler: async (ctx, { rebuildId, expectedCursor }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "archive" || rebuild.cursor !== expectedCursor) {
      return false;
    }
    const tailStart = Math.max(rebuild.cursor ?? 0, rebuild.archiveHighWaterMark ?? 0);
    await ctx.db.patch(rebuildId, { phase: "tail", cursor: tailStart, updatedAt: Date.now() });
    return true;
  },
});

/** The tail phase's cursor, once the rebuild is in it and still running. */
export const beginTail = internalQuery({
  args: { rebuildId: v.id("rebuilds") },
  returns: v.union(v.null(), v.object({ cursor: v.union(v.number(), v.null()) })),
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "tail") return null;
    return { cursor: rebuild.cursor };
  },
});

export const vTailOutcome = v.union(
  v.object({ status: v.literal("completed") }),
  v.object({ status: v.literal("diffing") }),
  v.object({ status: v.literal("behind") }),
  v.object({ status: v.literal("stopped"), state: v.string() }),
  v.object({ status: v.literal("failed"), reason: v.string() }),
);

/**
 * The handover: in one transaction, apply whatever is left of the events table after the cursor
 * and complete the rebuild (swapping its generation in). Appends that commit before this
 * transaction are in the table and applied here; appends after it see the new generation active.
 * Answers `behind` when more is left than one batch, so the chunk goes on catching up first.
 */
export const finishTail = internalMutation({
  args: { rebuildId: v.id("rebuilds"), expectedCursor: v.union(v.number(), v.null()) },
  returns: vTailOutcome,
  handler: async (ctx, { rebuildId, expectedCursor }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "tail" || rebuild.cursor !== expectedCursor) {
      return { status: "stopped" as const, state: rebuild?.state ?? "missing" };
    }
    const projection: AnyProjection = registry.require(rebuild.projection);
    const limit = projection.eventsPerMutation;
    const remaining = await eventsAfter(ctx, rebuild.cursor ?? 0, limit + 1);
    if (remaining.length > limit) return { status: "behind" as const };
    if (remaining.length > 0) {
      const run = runOf(remaining, typedFilter(rebuild.filter, envelope), new Set(projection.eventTypes));
      const committed = await commitEvents(ctx, rebuild, {
        events: run.events,
        skipped: run.skippedPositions.length,
        filtered: run.filteredPositions.length,
        lastPosition: run.lastPosition!,
      });
      if (!committed.ok) {
        await failRebuild(ctx, rebuild, eventFailure(committed.failure));
        return { status: "failed" as const, reason: describeEventError(committed.failure) };
      }
    }
    if (rebuild.mode === "verify") {
      const row = await projectionRow(ctx, rebuild.projection);
      await startDiffing(ctx, rebuild, row.activeGeneration, row._id);
      return { status: "diffing" as const };
    }
    await completeRebuild(ctx, rebuildId);
    return { status: "completed" as const };
  },
});

async function completeRebuild(ctx: MutationCtx, rebuildId: Id<"rebuilds">): Promise<void> {
  const rebuild = (await ctx.db.get(rebuildId))!;
  const now = Date.now();
  const counters = rebuild.counters;
  await ctx.db.patch(rebuildId, {
    state: "completed",
    phase: "finishing",
    total: Math.max(rebuild.total ?? 0, counters.found),
    rate: updateRate(rebuild.rate, counters.found, now),
    finishedAt: now,
    updatedAt: now,
  });
  if (!rebuild.dryRun && !rebuild.target) await swapGeneration(ctx, rebuild);
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "rebuild_completed",
    projection: rebuild.projection,
    rebuildId,
    outcome: "completed",
    details: `${counters.applied} applied of ${counters.found} found`,
  });
}

/** Makes the rebuild's generation the one queries read, and deletes the one it replaces in the background. */
async function swapGeneration(ctx: MutationCtx, rebuild: Rebuild): Promise<void> {
  const row = await projectionRow(ctx, rebuild.projection);
  await ctx.db.patch(row._id, {
    activeGeneration: rebuild.generation,
    builtVersion: rebuild.version,
    ...(rebuild.version === registry.require(rebuild.projection).version ? { staleSince: undefined } : {}),
  });
  if (row.activeGeneration !== null && row.activeGeneration !== rebuild.generation) {
    await scheduleGenerationDeletion(ctx, rebuild.projection, row.activeGeneration);
  }
}
