// Planning a rebuild at trigger time: pin the archive's current snapshot and plan the slices the
// rebuild will read, with the filter pushed down; the exact total comes with the plan. Where there
// is no archive yet, the plan is empty and the rebuild reads the events table from its start.
import { internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v } from "convex/values";
import { checkArchiveCarriesEnvelope } from "../archive/archive-envelope.ts";
import { NoTableYetError } from "../archive/errors.ts";
import { ArchiveTable } from "../archive/table.ts";
import { replayColumns } from "../replay/archive-events.ts";
import { filterPredicate } from "../replay/filter.ts";
import { serializePlan } from "../replay/plan-json.ts";
import type { Wiring } from "../server/wiring.ts";
import { failFastOnPermanentErrors } from "./permanent-errors.ts";

export function planAction(wiring: Wiring) {
  return internalActionGeneric({
    args: { rebuildId: v.string() },
    returns: v.null(),
    handler: (ctx, { rebuildId }) => failFastOnPermanentErrors(() => planRebuild(ctx, wiring, rebuildId)),
  });
}

async function planRebuild(
  ctx: GenericActionCtx<any>,
  { component, envelope, refs }: Wiring,
  rebuildId: string,
): Promise<null> {
  const input = await ctx.runMutation(component.lifecycle.beginChunk, { rebuildId });
  if (!input || input.phase !== "planning") return null;
  const table = await openUnlessNotWrittenYet(input.archiveLocation);
  const snapshot = table?.snapshot();
  const filter = input.filter ?? undefined;
  if (table) checkArchiveCarriesEnvelope(table.schema, envelope, input.archiveLocation);
  const scanPlan =
    table && snapshot
      ? await table.plan({
          snapshotId: snapshot["snapshot-id"],
          columns: replayColumns(envelope),
          predicate: filterPredicate(filter, envelope),
          orderBy: envelope.columns.position,
        })
      : undefined;
  const highWaterMark =
    table && snapshot
      ? await table.columnUpperBound(envelope.columns.position, { snapshotId: snapshot["snapshot-id"] })
      : undefined;
  await ctx.runMutation(refs.storePlan, {
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

/**
 * The archive table, or null where the archiver has not created it yet (a new deployment): then
 * every event is still in the events table, and the rebuild reads that alone.
 */
async function openUnlessNotWrittenYet(location: string): Promise<ArchiveTable | null> {
  try {
    return await ArchiveTable.open(location);
  } catch (error) {
    if (error instanceof NoTableYetError) return null;
    throw error;
  }
}
