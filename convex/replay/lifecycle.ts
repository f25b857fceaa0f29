// The app's side of a rebuild: the mutations that run the projection's handlers and write its read
// model in the same transaction as the component advances the checkpoint, and the function handles
// through which the component's replay pool runs the app's planning and chunk actions.
import { createFunctionHandle } from "convex/server";
import { v } from "convex/values";
import { describeEventError, type AnyProjection } from "../../src/registry/index.ts";
import { runOf } from "../../src/replay/event-run.ts";
import { typedFilter } from "../../src/replay/filter.ts";
import { eventsOfColumns } from "../../src/replay/event-columns.ts";
import { vPruning, type AppFunctions } from "../../src/component/validators.ts";
import { components, internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { envelope } from "../envelope";
import { countEventsAfter, eventsAfter } from "../../src/server/event-log.ts";
import { registry } from "../projections";
import { commitEvents, eventFailure } from "./commit";
import { vEventColumns } from "../../src/server/event-validators.ts";

export function archiveLocation(): string {
  const location = process.env.REPROJECT_ARCHIVE;
  if (!location)
    throw new Error(
      "REPROJECT_ARCHIVE is not set: point it at the event archive (a directory, s3://bucket/prefix or a REST catalog table)",
    );
  return location;
}

/** The app's functions the component runs, as function handles. */
export async function appFunctions(): Promise<AppFunctions> {
  return {
    plan: await createFunctionHandle(internal.replay.planning.plan),
    chunk: await createFunctionHandle(internal.replay.chunk.run),
    deleteGeneration: await createFunctionHandle(internal.replay.generations.deleteGeneration),
    selfCheck: await createFunctionHandle(internal.selfCheckNode.probeNodeRuntime),
  };
}

/** Stores the plan; the rebuild's total adds the events table's tail after the plan's high-water mark. */
export const storePlan = internalMutation({
  args: {
    rebuildId: v.string(),
    planJson: v.string(),
    snapshotId: v.optional(v.string()),
    total: v.number(),
    pruning: v.optional(vPruning),
    archiveHighWaterMark: v.number(),
  },
  returns: v.null(),
  handler: async (ctx, plan) => {
    const liveEvents = await countEventsAfter(ctx, plan.archiveHighWaterMark);
    await ctx.runMutation(components.reproject.lifecycle.storePlan, { ...plan, liveEvents });
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
    rebuildId: v.string(),
    expectedCursor: v.union(v.number(), v.null()),
    lastPosition: v.number(),
    events: vEventColumns,
    skipped: v.number(),
    filtered: v.number(),
  },
  returns: vBatchOutcome,
  handler: async (ctx, { rebuildId, expectedCursor, ...input }) => {
    const opening = await ctx.runQuery(components.reproject.lifecycle.openBatch, { rebuildId, expectedCursor });
    if (opening.status !== "open") return opening;
    const committed = await commitEvents(ctx, rebuildId, opening.rebuild, { ...input, events: eventsOfColumns(input.events) });
    if (!committed.ok) {
      await ctx.runMutation(components.reproject.lifecycle.fail, { rebuildId, error: eventFailure(committed.failure) });
      return { status: "failed" as const, reason: describeEventError(committed.failure) };
    }
    return { status: "applied" as const, cursor: input.lastPosition };
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
  args: { rebuildId: v.string(), expectedCursor: v.union(v.number(), v.null()) },
  returns: vTailOutcome,
  handler: async (ctx, { rebuildId, expectedCursor }) => {
    const opening = await ctx.runQuery(components.reproject.lifecycle.openBatch, { rebuildId, expectedCursor, phase: "tail" });
    if (opening.status === "stopped") return opening;
    // Another attempt moved the checkpoint: this one stops, the rebuild goes on from there.
    if (opening.status === "duplicate") return { status: "stopped" as const, state: "running" };
    const rebuild = opening.rebuild;
    const projection: AnyProjection = registry.require(rebuild.projection);
    const limit = projection.eventsPerMutation;
    const remaining = await eventsAfter(ctx, rebuild.cursor ?? 0, limit + 1);
    if (remaining.length > limit) return { status: "behind" as const };
    if (remaining.length > 0) {
      const run = runOf(remaining, typedFilter(rebuild.filter ?? undefined, envelope), new Set(projection.eventTypes));
      const committed = await commitEvents(ctx, rebuildId, rebuild, {
        events: run.events,
        skipped: run.skippedPositions.length,
        filtered: run.filteredPositions.length,
        lastPosition: run.lastPosition!,
      });
      if (!committed.ok) {
        await ctx.runMutation(components.reproject.lifecycle.fail, { rebuildId, error: eventFailure(committed.failure) });
        return { status: "failed" as const, reason: describeEventError(committed.failure) };
      }
    }
    const status = await ctx.runMutation(components.reproject.lifecycle.handOver, { rebuildId, codeVersion: projection.version });
    return { status };
  },
});
