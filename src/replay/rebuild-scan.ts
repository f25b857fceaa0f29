// What a rebuild reads from the archive, decided at trigger time: the current snapshot pinned, its
// slices planned with the filter pushed down and ordered by position, and the snapshot's highest
// position (where the live tail takes over).
import type { PruningStats, ScanPlan } from "../archive/plan.ts";
import type { ArchiveTable } from "../archive/table.ts";
import type { EventEnvelope } from "../registry/index.ts";
import { replayColumns } from "./archive-events.ts";
import { filterPredicate, type ReplayFilter } from "./filter.ts";

export interface RebuildScan {
  snapshotId: bigint;
  plan: ScanPlan;
  /** 0 for a snapshot without rows. */
  highWaterMark: number;
}

/** Undefined for a table without a snapshot (nothing archived yet). */
export async function planRebuildScan(
  table: ArchiveTable,
  envelope: EventEnvelope,
  filter: ReplayFilter | undefined,
): Promise<RebuildScan | undefined> {
  const snapshot = table.snapshot();
  if (!snapshot) return undefined;
  const snapshotId = snapshot["snapshot-id"];
  const plan = (await table.plan({
    snapshotId,
    columns: replayColumns(envelope),
    predicate: filterPredicate(filter, envelope),
    orderBy: envelope.columns.position,
  }))!;
  // A plan that read every manifest has it; a filtered one that skipped some walks them again.
  const highWaterMark =
    plan.orderUpperBound ?? (await table.columnUpperBound(envelope.columns.position, { snapshotId }));
  return {
    snapshotId,
    plan,
    highWaterMark: highWaterMark === undefined || highWaterMark === null ? 0 : Number(highWaterMark),
  };
}

/** What a rebuild records of the plan's pushdown (manifest counts stay out: an operator reads files and row groups). */
export function pruningOf(stats: PruningStats) {
  return {
    dataFiles: stats.dataFiles,
    dataFilesSkipped: stats.dataFilesSkipped,
    rowGroups: stats.rowGroups,
    rowGroupsSkipped: stats.rowGroupsSkipped,
    rows: stats.rows,
    rowsSkipped: stats.rowsSkipped,
  };
}
