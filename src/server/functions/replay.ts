// The batch mutations of a rebuild: the projection's handlers run and its read model is written in
// the same transaction as the component advances the checkpoint, so no event is applied twice.
import { internalMutationGeneric, type FunctionReturnType } from "convex/server";
import { v } from "convex/values";
import { describeEventError, type AnyProjection, type EventRecord } from "../../registry/index.ts";
import { eventsOfColumns } from "../../replay/event-columns.ts";
import { runOf } from "../../replay/event-run.ts";
import { typedFilter } from "../../replay/filter.ts";
import { appFunctions } from "../app-functions.ts";
import { archiveLocation } from "../archive-location.ts";
import { positionGap } from "../../replay/position-gap.ts";
import { commitEvents, eventFailure, gapFailure, type CommitInput, type OpenRebuild } from "../commit-events.ts";
import { countEventsAfter, eventsThrough, projectionCode } from "../event-log.ts";
import { transactionUsage } from "../transaction-usage.ts";
import { applyBatchArgs, finishTailArgs, storePlanArgs, vBatchOutcome, vTailOutcome } from "../function-validators.ts";
import type { Wiring } from "../wiring.ts";

export function replayFunctions(wiring: Wiring) {
  const { component, registry } = wiring;

  /** Commits, or fails the rebuild with the event that could not be applied. */
  async function commitOrFail(
    ctx: Parameters<typeof commitEvents>[0],
    rebuildId: string,
    rebuild: OpenRebuild,
    input: CommitInput,
  ) {
    const committed = await commitEvents(ctx, wiring, rebuildId, rebuild, input);
    if (committed.ok) return null;
    await ctx.runMutation(component.lifecycle.fail, { rebuildId, error: eventFailure(committed.failure) });
    return { status: "failed" as const, reason: describeEventError(committed.failure) };
  }

  /**
   * A generation is written by one handler version only: a batch of a rebuild whose version is no
   * longer the code's (a deploy changed the handlers under it) is refused, and the rebuild is
   * superseded by one at the code's version.
   */
  async function refuseOtherVersion(ctx: Parameters<typeof commitEvents>[0], rebuildId: string, rebuild: OpenRebuild) {
    const projection = registry.require(rebuild.projection);
    if (rebuild.version === projection.version) return null;
    const [code] = await projectionCode(ctx, [projection]);
    await ctx.runMutation(component.projections.supersede, {
      rebuildId,
      code: code!,
      archiveLocation: archiveLocation(),
    });
    return { status: "stopped" as const, state: "superseded" };
  }

  return {
    /** Stores the plan; the rebuild's total adds the events table's tail after the plan's high-water mark. */
    storePlan: internalMutationGeneric({
      args: storePlanArgs,
      returns: v.null(),
      handler: async (ctx, plan) => {
        const liveEvents = await countEventsAfter(ctx, plan.archiveHighWaterMark);
        await ctx.runMutation(component.lifecycle.storePlan, { ...plan, liveEvents });
        return null;
      },
    }),

    /**
     * Applies one batch and advances the checkpoint in the same transaction. A batch whose expected
     * cursor is not the stored one was already committed (a retried chunk): it is ignored.
     */
    applyBatch: internalMutationGeneric({
      args: applyBatchArgs,
      returns: vBatchOutcome,
      handler: async (ctx, { rebuildId, lane, expectedCursor, ...input }) => {
        const opening = await ctx.runQuery(component.lifecycle.openBatch, {
          rebuildId,
          expectedCursor,
          ...(lane === undefined ? {} : { lane }),
        });
        if (opening.status !== "open") return opening;
        const superseded = await refuseOtherVersion(ctx, rebuildId, opening.rebuild);
        if (superseded) return superseded;
        const events: EventRecord[] = eventsOfColumns(input.events);
        const failed = await commitOrFail(ctx, rebuildId, opening.rebuild, { ...input, events });
        return failed ?? { status: "applied" as const, cursor: input.lastPosition, usage: await transactionUsage(ctx) };
      },
    }),

    /**
     * The handover: in one transaction, apply whatever is left of the events table after the cursor
     * and complete the rebuild (swapping its generation in). Appends that commit before this
     * transaction are in the table and applied here; appends after it see the new generation active.
     * It reads one batch's window of positions after the cursor and not the log's document, so on a
     * deployment it conflicts only with an append into that window while it runs (Convex retries it,
     * and the retry applies that append too), never with later ones. Answers `behind` when the window
     * is full, so the chunk goes on catching up first. `through` is the log's last position the chunk
     * read before: positions up to it (the table's are contiguous) must all be there, or the rebuild
     * fails: no swap.
     */
    finishTail: internalMutationGeneric({
      args: finishTailArgs,
      returns: vTailOutcome,
      handler: async (ctx, { rebuildId, expectedCursor, through }) => {
        const opening = await ctx.runQuery(component.lifecycle.openBatch, { rebuildId, expectedCursor, phase: "tail" });
        if (opening.status === "stopped") return opening;
        // Another attempt moved the checkpoint: this one stops, the rebuild goes on from there.
        if (opening.status === "duplicate") return { status: "stopped" as const, state: "running" };
        const rebuild = opening.rebuild;
        const superseded = await refuseOtherVersion(ctx, rebuildId, rebuild);
        if (superseded) return superseded;
        const projection: AnyProjection = registry.require(rebuild.projection);
        const limit = projection.eventsPerMutation;
        const after = rebuild.cursor ?? 0;
        const { rows: remaining, cut } = await eventsThrough(ctx, after, after + limit + 1);
        const caughtUp = !cut && remaining.length <= limit;
        const gap = positionGap(after, remaining, caughtUp ? through : undefined);
        if (gap) {
          const error = gapFailure(gap, after);
          await ctx.runMutation(component.lifecycle.fail, { rebuildId, error });
          return { status: "failed" as const, reason: error.message };
        }
        if (!caughtUp) return { status: "behind" as const };
        if (remaining.length > 0) {
          const run = runOf(
            remaining,
            typedFilter(rebuild.filter ?? undefined, wiring.envelope),
            new Set(projection.eventTypes),
          );
          const failed = await commitOrFail(ctx, rebuildId, rebuild, {
            events: run.events,
            skipped: run.skipped,
            filtered: run.filtered,
            lastPosition: run.lastPosition!,
          });
          if (failed) return failed;
        }
        const status = await ctx.runMutation(component.lifecycle.handOver, {
          rebuildId,
          codeVersion: projection.version,
        });
        return { status };
      },
    }),

    /**
     * Automatic rebuilds: the code's registry compared with what the component stores. Run it on
     * deploy (`npx convex run reproject:reconcile`); the crons (`reproject.crons`) run it too.
     */
    reconcile: internalMutationGeneric({
      args: {},
      handler: async (ctx): Promise<FunctionReturnType<typeof component.projections.reconcile>> =>
        ctx.runMutation(component.projections.reconcile, {
          code: await projectionCode(ctx, registry.projections),
          archiveLocation: archiveLocation(),
          app: await appFunctions(wiring),
        }),
    }),
  };
}
