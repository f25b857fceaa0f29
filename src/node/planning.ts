// Planning a rebuild at trigger time: pin the archive's current snapshot and plan the slices the
// rebuild will read, with the filter pushed down; the exact total comes with the plan. Where there
// is no archive yet, the plan is empty and the rebuild reads the events table from its start.
import { internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v } from "convex/values";
import { checkArchiveCarriesEnvelope } from "../archive/archive-envelope.ts";
import { NoTableYetError } from "../archive/errors.ts";
import { ArchiveTable } from "../archive/table.ts";
import { pagePlan, pageWrites } from "../replay/plan-pages.ts";
import { planRebuildScan } from "../replay/rebuild-scan.ts";
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
  if (table) checkArchiveCarriesEnvelope(table.schema, envelope, input.archiveLocation);
  const scan = table ? await planRebuildScan(table, envelope, input.filter ?? undefined) : undefined;
  const paged = scan ? pagePlan(scan.plan) : undefined;
  for (const write of pageWrites(paged?.pages ?? [])) {
    await ctx.runMutation(component.lifecycle.storePlanPages, { rebuildId, ...write });
  }
  const stats = scan?.plan.stats;
  await ctx.runMutation(refs.storePlan, {
    rebuildId,
    archiveHighWaterMark: scan?.highWaterMark ?? 0,
    planJson: paged?.header ?? "null",
    pageCount: paged?.pages.length ?? 0,
    ...(scan ? { snapshotId: String(scan.snapshotId) } : {}),
    total: scan?.plan.rowCount ?? 0,
    ...(stats
      ? {
          pruning: {
            dataFiles: stats.dataFiles,
            dataFilesSkipped: stats.dataFilesSkipped,
            rowGroups: stats.rowGroups,
            rowGroupsSkipped: stats.rowGroupsSkipped,
            rows: stats.rows,
            rowsSkipped: stats.rowsSkipped,
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
