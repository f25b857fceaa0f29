// Planning a rebuild at trigger time: pin the archive's current snapshot and plan the slices the
// rebuild will read, with the filter pushed down; the exact total comes with the plan.
import { internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v } from "convex/values";
import { checkArchiveCarriesEnvelope } from "../archive/archive-envelope.ts";
import { ArchiveTable } from "../archive/table.ts";
import { replayColumns } from "../replay/archive-events.ts";
import { filterPredicate } from "../replay/filter.ts";
import { pagePlan, pageWrites } from "../replay/plan-pages.ts";
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
  const table = await ArchiveTable.open(input.archiveLocation);
  const snapshot = table.snapshot();
  const filter = input.filter ?? undefined;
  checkArchiveCarriesEnvelope(table.schema, envelope, input.archiveLocation);
  const [scanPlan, highWaterMark] = snapshot
    ? await Promise.all([
        table.plan({
          snapshotId: snapshot["snapshot-id"],
          columns: replayColumns(envelope),
          predicate: filterPredicate(filter, envelope),
          orderBy: envelope.columns.position,
        }),
        table.columnUpperBound(envelope.columns.position, { snapshotId: snapshot["snapshot-id"] }),
      ])
    : [undefined, undefined];
  const paged = scanPlan ? pagePlan(scanPlan) : undefined;
  for (const write of pageWrites(paged?.pages ?? [])) {
    await ctx.runMutation(component.lifecycle.storePlanPages, { rebuildId, ...write });
  }
  await ctx.runMutation(refs.storePlan, {
    rebuildId,
    archiveHighWaterMark: highWaterMark === undefined || highWaterMark === null ? 0 : Number(highWaterMark),
    planJson: paged?.header ?? "null",
    pageCount: paged?.pages.length ?? 0,
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
