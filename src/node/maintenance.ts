// Archive maintenance as Convex actions: compaction, snapshot expiry (keeping every snapshot a
// rebuild has pinned) and orphan cleanup, each audited. `maintain` does all three for the cron, one
// run at a time (reproject:startMaintenance); each can also be run by hand
// (`npx convex run reprojectNode:expire`).
//
// Serialized with the archiver through the archive's own commit protocol: every commit is a
// create-only put of the next metadata version, so of two writers on the same version exactly
// one wins. Compaction then commits its rewrite again on top of the archiver's append (its files
// are reused, nothing it rewrote changed); expiry decides again on the newer table; an archiver
// that loses fails clearly and its next run appends the same events (it is idempotent by position).
import { internalActionGeneric, type GenericActionCtx } from "convex/server";
import { v, type Infer } from "convex/values";
import { CommitConflictError } from "../archive/errors.ts";
import {
  cleanOrphans as cleanOrphansOf,
  compactTable,
  DEPLOYMENT_PROPERTY,
  expireSnapshots,
  openMaintainedTable,
  parsePartitionFilter,
} from "../archive/maintenance/index.ts";
import { partitionSpecById } from "../archive/metadata.ts";
import { setTableProperties } from "../archive/writer/index.ts";
import { archiveLocation } from "../server/archive-location.ts";
import { maintainArgs } from "../server/function-validators.ts";
import type { MaintenanceOperation } from "../server/functions/maintenance.ts";
import { maintenanceSettings } from "../server/maintenance-settings.ts";
import type { EngineReferences } from "../server/references.ts";
import type { Wiring } from "../server/wiring.ts";

type ActionCtx = GenericActionCtx<any>;

const vCompaction = v.object({
  outcome: v.union(v.literal("completed"), v.literal("nothing_to_do")),
  snapshotId: v.union(v.string(), v.null()),
  partitions: v.number(),
  partitionsLeft: v.number(),
  filesRead: v.number(),
  filesWritten: v.number(),
  deleteFilesRemoved: v.number(),
  rowsRead: v.number(),
  rowsWritten: v.number(),
  bytesBefore: v.number(),
  bytesAfter: v.number(),
  dataFilesBefore: v.number(),
  dataFilesAfter: v.number(),
  commitAttempts: v.number(),
});

const vExpiry = v.object({
  outcome: v.union(v.literal("completed"), v.literal("nothing_to_do"), v.literal("deferred")),
  /** Why it was deferred: rebuilds about to pin a snapshot. */
  reason: v.optional(v.string()),
  expiredSnapshots: v.number(),
  /** The first LISTED_IN_RESULT of them: a table can expire more snapshots than a value may hold ids. */
  expiredSnapshotIds: v.array(v.string()),
  keptForPins: v.array(v.string()),
  filesDeleted: v.number(),
  bytesDeleted: v.number(),
});

const vOrphans = v.object({
  outcome: v.union(v.literal("completed"), v.literal("nothing_to_do")),
  filesScanned: v.number(),
  filesDeleted: v.number(),
  bytesDeleted: v.number(),
  /** The first LISTED_IN_RESULT of them. */
  orphans: v.array(v.string()),
});

const vRunResult = v.object({
  compact: v.optional(v.union(vCompaction, v.object({ outcome: v.literal("failed"), error: v.string() }))),
  expire: v.optional(v.union(vExpiry, v.object({ outcome: v.literal("failed"), error: v.string() }))),
  cleanOrphans: v.optional(v.union(vOrphans, v.object({ outcome: v.literal("failed"), error: v.string() }))),
});

type Failed = { outcome: "failed"; error: string };

/**
 * Snapshot ids and orphans listed in a result (and its audit entry) at most; the counts cover all of
 * them. A result is a Convex value (arrays of at most 8,192 items) and an audit entry a document.
 */
export const LISTED_IN_RESULT = 20;

export function maintenanceActions({ refs }: Wiring) {
  return {
    /** Rewrites small data files into files near the target size (a replace snapshot). */
    compact: internalActionGeneric({
      args: { partition: v.optional(v.string()), targetFileMb: v.optional(v.number()) },
      returns: vCompaction,
      handler: (ctx, args) => audited(ctx, refs, "compact", () => runCompaction(args)),
    }),

    /** Expires snapshots older than the threshold, except those rebuilds have pinned. */
    expire: internalActionGeneric({
      args: { olderThanMs: v.optional(v.number()), retainLast: v.optional(v.number()), nowMs: v.optional(v.number()) },
      returns: vExpiry,
      handler: (ctx, args) => audited(ctx, refs, "expire", () => runExpiry(ctx, refs, args)),
    }),

    /** Deletes unreferenced files older than the threshold (REPROJECT_MAINTENANCE_ORPHAN_MIN_AGE_MS, at least an hour, by default). */
    cleanOrphans: internalActionGeneric({
      args: { olderThanMs: v.optional(v.number()), dryRun: v.optional(v.boolean()), nowMs: v.optional(v.number()) },
      returns: vOrphans,
      handler: (ctx, args) => audited(ctx, refs, "cleanOrphans", () => runOrphanCleanup(args)),
    }),

    /** The scheduled maintenance (started by startMaintenance): the operations in order, each audited; one failing does not stop the next. */
    maintain: internalActionGeneric({
      args: maintainArgs,
      returns: vRunResult,
      handler: async (ctx, { operations, nowMs }): Promise<Infer<typeof vRunResult>> => {
        const result: Infer<typeof vRunResult> = {};
        const attempt = async <T extends { outcome: string }>(
          operation: MaintenanceOperation,
          work: () => Promise<T>,
        ): Promise<T | Failed> => {
          try {
            return await audited(ctx, refs, operation, work);
          } catch (error) {
            return { outcome: "failed", error: messageOf(error) };
          }
        };
        if (operations.includes("compact")) result.compact = await attempt("compact", () => runCompaction({}));
        if (operations.includes("expire"))
          result.expire = await attempt("expire", () => runExpiry(ctx, refs, { nowMs }));
        if (operations.includes("cleanOrphans"))
          result.cleanOrphans = await attempt("cleanOrphans", () => runOrphanCleanup({ nowMs }));
        return result;
      },
    }),
  };
}

const AUDIT_ACTIONS: Record<MaintenanceOperation, string> = {
  compact: "compact",
  expire: "expire",
  cleanOrphans: "clean_orphans",
};

/** Runs one operation and writes its audit entry (`archive_compact`, … by `system`), failure included. */
async function audited<T extends { outcome: string }>(
  ctx: ActionCtx,
  refs: EngineReferences,
  operation: MaintenanceOperation,
  work: () => Promise<T>,
): Promise<T> {
  const name = AUDIT_ACTIONS[operation];
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await ctx.runMutation(refs.recordMaintenance, { operation: name, outcome: "failed", details: messageOf(error) });
    throw error;
  }
  await ctx.runMutation(refs.recordMaintenance, {
    operation: name,
    outcome: result.outcome as "completed" | "nothing_to_do" | "deferred",
    details: JSON.stringify(result),
  });
  return result;
}

/** Opens the deployment's archive and marks it as such, so the CLI refuses to expire it blind. */
async function openDeploymentArchive() {
  const maintained = await openMaintainedTable(archiveLocation());
  const deployment = process.env.CONVEX_CLOUD_URL ?? "a Convex deployment";
  if (maintained.table.metadata.properties[DEPLOYMENT_PROPERTY] !== deployment) {
    try {
      maintained.table = await setTableProperties(maintained.store, maintained.table, {
        [DEPLOYMENT_PROPERTY]: deployment,
      });
    } catch (error) {
      // Another writer committed meanwhile: the mark waits for the next run, nothing else depends on it.
      if (!(error instanceof CommitConflictError)) throw error;
    }
  }
  return maintained;
}

async function runCompaction(args: { partition?: string; targetFileMb?: number }): Promise<Infer<typeof vCompaction>> {
  const settings = maintenanceSettings();
  const { store, table } = await openDeploymentArchive();
  const result = await compactTable(store, {
    targetFileBytes: args.targetFileMb === undefined ? settings.targetFileBytes : args.targetFileMb * 1024 * 1024,
    partition:
      args.partition === undefined
        ? undefined
        : parsePartitionFilter(partitionSpecById(table.metadata, table.metadata["default-spec-id"]), args.partition),
    budgetMs: settings.compactionBudgetMs,
  });
  return {
    outcome: result.snapshotId === null ? "nothing_to_do" : "completed",
    snapshotId: result.snapshotId === null ? null : String(result.snapshotId),
    partitions: result.partitions,
    partitionsLeft: result.partitionsLeft,
    filesRead: result.filesRead,
    filesWritten: result.filesWritten,
    deleteFilesRemoved: result.deleteFilesRemoved,
    rowsRead: result.rowsRead,
    rowsWritten: result.rowsWritten,
    bytesBefore: result.bytesBefore,
    bytesAfter: result.bytesAfter,
    dataFilesBefore: result.dataFilesBefore,
    dataFilesAfter: result.dataFilesAfter,
    commitAttempts: result.commitAttempts,
  };
}

async function runExpiry(
  ctx: ActionCtx,
  refs: EngineReferences,
  args: { olderThanMs?: number; retainLast?: number; nowMs?: number },
): Promise<Infer<typeof vExpiry>> {
  const settings = maintenanceSettings();
  // Read the pins first: a rebuild that starts planning after this read pins the current snapshot,
  // which expiry never removes; one planning now might pin one that is about to stop being current.
  const pins = await ctx.runQuery(refs.pinnedSnapshots, {});
  const empty = { expiredSnapshots: 0, expiredSnapshotIds: [], keptForPins: [], filesDeleted: 0, bytesDeleted: 0 };
  if (pins.planning.length > 0) {
    return {
      outcome: "deferred",
      reason: `${pins.planning.length} rebuild(s) are planning and about to pin a snapshot: ${pins.planning.join(", ")}`,
      ...empty,
    };
  }
  const { store } = await openDeploymentArchive();
  const result = await expireSnapshots(store, {
    olderThanMs: args.olderThanMs ?? (args.nowMs ?? Date.now()) - settings.snapshotMaxAgeMs,
    retainLast: args.retainLast ?? settings.retainLast,
    keepSnapshotIds: pins.snapshotIds.map((id) => BigInt(id)),
  });
  return {
    outcome: result.expiredSnapshotIds.length === 0 ? "nothing_to_do" : "completed",
    expiredSnapshots: result.expiredSnapshotIds.length,
    expiredSnapshotIds: result.expiredSnapshotIds.slice(0, LISTED_IN_RESULT).map(String),
    keptForPins: result.pinnedSnapshotIds.slice(0, LISTED_IN_RESULT).map(String),
    filesDeleted: Object.values(result.filesDeleted).reduce((sum, count) => sum + count, 0),
    bytesDeleted: result.bytesDeleted,
  };
}

async function runOrphanCleanup(args: {
  olderThanMs?: number;
  dryRun?: boolean;
  nowMs?: number;
}): Promise<Infer<typeof vOrphans>> {
  const settings = maintenanceSettings();
  const { store } = await openDeploymentArchive();
  const result = await cleanOrphansOf(store, {
    olderThanMs: args.olderThanMs ?? (args.nowMs ?? Date.now()) - settings.orphanMinAgeMs,
    dryRun: args.dryRun,
  });
  return {
    outcome: result.orphans.length === 0 ? "nothing_to_do" : "completed",
    filesScanned: result.filesScanned,
    filesDeleted: result.dryRun ? 0 : result.orphans.length,
    bytesDeleted: result.dryRun ? 0 : result.bytesDeleted,
    orphans: result.orphans.slice(0, LISTED_IN_RESULT).map((orphan) => orphan.key),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
