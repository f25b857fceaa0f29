"use node";
// Planning a rebuild at trigger time: pin the archive's current snapshot and plan the slices the
// rebuild will read, with the filter pushed down; the exact total comes with the plan.
import { v } from "convex/values";
import { ArchiveTable } from "../../src/archive/table.ts";
import { checkArchiveCarriesEnvelope } from "../../src/archive/archive-envelope.ts";
import { replayColumns } from "../../src/replay/archive-events.ts";
import { filterPredicate } from "../../src/replay/filter.ts";
import { serializePlan } from "../../src/replay/plan-json.ts";
import { components, internal } from "../_generated/api";
import { internalAction, type ActionCtx } from "../_generated/server";
import { envelope } from "../envelope";
import { failFastOnPermanentErrors } from "./permanentErrors";

export const plan = internalAction({
  args: { rebuildId: v.string() },
  returns: v.null(),
  handler: (ctx, { rebuildId }) => failFastOnPermanentErrors(() => planRebuild(ctx, rebuildId)),
});

async function planRebuild(ctx: ActionCtx, rebuildId: string): Promise<null> {
  const input = await ctx.runMutation(components.reproject.lifecycle.beginChunk, { rebuildId });
  if (!input || input.phase !== "planning") return null;
  const table = await ArchiveTable.open(input.archiveLocation);
  const snapshot = table.snapshot();
  const filter = input.filter ?? undefined;
  checkArchiveCarriesEnvelope(table.schema, envelope, input.archiveLocation);
  const scanPlan = snapshot
    ? await table.plan({
        snapshotId: snapshot["snapshot-id"],
        columns: replayColumns(envelope),
        predicate: filterPredicate(filter, envelope),
        orderBy: envelope.columns.position,
      })
    : undefined;
  const highWaterMark = snapshot
    ? await table.columnUpperBound(envelope.columns.position, { snapshotId: snapshot["snapshot-id"] })
    : undefined;
  await ctx.runMutation(internal.replay.lifecycle.storePlan, {
    rebuildId,
    archiveHighWaterMark: highWaterMark === undefined || highWaterMark === null ? 0 : Number(highWaterMark),
    planJson: scanPlan ? serializePlan(scanPlan) : "null",
    ...(snapshot ? { snapshotId: String(snapshot["snapshot-id"]) } : {}),
    total: scanPlan?.rowCount ?? 0,
    ...(scanPlan
      ? {
          pruning: {
            dataFiles: scanPlan.stats.dataFiles,
            dataFilesSkipped: scanPlan.stats.dataFilesSkipped,
            rowGroups: scanPlan.stats.rowGroups,
            rowGroupsSkipped: scanPlan.stats.rowGroupsSkipped,
            rows: scanPlan.stats.rows,
            rowsSkipped: scanPlan.stats.rowsSkipped,
          },
        }
      : {}),
  });
  return null;
}
