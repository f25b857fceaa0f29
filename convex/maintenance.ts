// Archive maintenance on the deployment, the Convex side: which snapshots rebuilds have pinned,
// the settings (environment variables), the single entry point the cron uses (one run at a time),
// and the audit trail. The work itself is in maintenanceNode.ts.
import { v, type Infer } from "convex/values";
import { SYSTEM, vPinnedSnapshots, type PinnedSnapshots } from "../src/component/validators.ts";
import { components, internal } from "./_generated/api";
import { internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { recordAudit } from "./audit";
import { numberSetting } from "./settings";

export const vMaintenanceOperation = v.union(v.literal("compact"), v.literal("expire"), v.literal("cleanOrphans"));
export type MaintenanceOperation = Infer<typeof vMaintenanceOperation>;
export const MAINTENANCE_OPERATIONS: readonly MaintenanceOperation[] = ["compact", "expire", "cleanOrphans"];

/** What expiry must not remove (also for the CLI: `npx convex run maintenance:pinnedSnapshots`). */
export const pinnedSnapshots = internalQuery({
  args: {},
  returns: vPinnedSnapshots,
  handler: (ctx): Promise<PinnedSnapshots> => ctx.runQuery(components.reproject.pins.pinnedSnapshots, {}),
});

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;

/** Thresholds of the scheduled maintenance, from the deployment's environment. */
export interface MaintenanceSettings {
  enabled: boolean;
  targetFileBytes: number;
  /** Snapshots older than this expire (unless pinned or among the last `retainLast`). */
  snapshotMaxAgeMs: number;
  retainLast: number;
  /** Unreferenced files older than this are deleted; younger ones may belong to a write in progress. */
  orphanMinAgeMs: number;
  /** Compaction starts no new partition after this long, keeping well inside a Node action's 10 minutes. */
  compactionBudgetMs: number;
}

export const DEFAULT_MAINTENANCE_SETTINGS: MaintenanceSettings = {
  enabled: true,
  targetFileBytes: 32 * MIB,
  snapshotMaxAgeMs: 7 * DAY_MS,
  retainLast: 1,
  orphanMinAgeMs: 3 * DAY_MS,
  compactionBudgetMs: 5 * 60_000,
};

/** Orphan cleanup never takes files younger than this, whatever the setting: the archiver may be about to commit them. */
export const MIN_ORPHAN_AGE_MS = 60 * 60_000;

export function maintenanceSettings(env: Record<string, string | undefined> = process.env): MaintenanceSettings {
  const number = (name: string, fallback: number, minimum = 0) => numberSetting(name, fallback, minimum, env);
  const defaults = DEFAULT_MAINTENANCE_SETTINGS;
  return {
    enabled: !/^(off|false|0|no)$/i.test(env.REPROJECT_MAINTENANCE ?? ""),
    targetFileBytes: number("REPROJECT_MAINTENANCE_TARGET_FILE_MB", defaults.targetFileBytes / MIB, 1) * MIB,
    snapshotMaxAgeMs: number("REPROJECT_MAINTENANCE_SNAPSHOT_MAX_AGE_MS", defaults.snapshotMaxAgeMs),
    retainLast: Math.floor(number("REPROJECT_MAINTENANCE_RETAIN_LAST", defaults.retainLast, 1)),
    orphanMinAgeMs: Math.max(MIN_ORPHAN_AGE_MS, number("REPROJECT_MAINTENANCE_ORPHAN_MIN_AGE_MS", defaults.orphanMinAgeMs)),
    compactionBudgetMs: number("REPROJECT_MAINTENANCE_BUDGET_MS", defaults.compactionBudgetMs),
  };
}

/** A maintenance run lasts at most a Node action's 10 minutes: scheduled runs older than this are over. */
const RUN_HORIZON_MS = 15 * 60_000;
const RUN_FUNCTION = /^maintenanceNode(\.js)?:run$/;

/**
 * The entry point of the cron and of manual runs (`npx convex run maintenance:start`): schedules
 * one maintenance run unless one is pending or in progress, so two runs never overlap.
 */
const vStartAnswer = v.union(
  v.object({ status: v.literal("started"), jobId: v.id("_scheduled_functions") }),
  v.object({ status: v.union(v.literal("already_running"), v.literal("disabled")) }),
);

export const start = internalMutation({
  args: { operations: v.optional(v.array(vMaintenanceOperation)) },
  returns: vStartAnswer,
  handler: async (ctx, { operations }): Promise<Infer<typeof vStartAnswer>> => {
    if (!maintenanceSettings().enabled) {
      await recordMaintenance(ctx, { operation: "maintenance", outcome: "disabled", details: "REPROJECT_MAINTENANCE is off" });
      return { status: "disabled" as const };
    }
    if (await runInFlight(ctx)) {
      await recordMaintenance(ctx, { operation: "maintenance", outcome: "skipped", details: "a maintenance run is already pending or in progress" });
      return { status: "already_running" as const };
    }
    const jobId = await ctx.scheduler.runAfter(0, internal.maintenanceNode.run, { operations: operations ?? [...MAINTENANCE_OPERATIONS] });
    return { status: "started" as const, jobId };
  },
});

async function runInFlight(ctx: MutationCtx): Promise<boolean> {
  const since = Date.now() - RUN_HORIZON_MS;
  for await (const job of ctx.db.system.query("_scheduled_functions").order("desc")) {
    if (job._creationTime < since) break;
    if (RUN_FUNCTION.test(job.name) && (job.state.kind === "pending" || job.state.kind === "inProgress")) return true;
  }
  return false;
}

export const vMaintenanceOutcome = v.union(
  v.literal("completed"),
  v.literal("nothing_to_do"),
  v.literal("deferred"),
  v.literal("failed"),
  v.literal("skipped"),
  v.literal("disabled"),
);

const vMaintenanceRecord = v.object({ operation: v.string(), outcome: vMaintenanceOutcome, details: v.string() });

async function recordMaintenance(ctx: MutationCtx, entry: Infer<typeof vMaintenanceRecord>): Promise<void> {
  await recordAudit(ctx, { actor: SYSTEM, action: `archive_${entry.operation}`, outcome: entry.outcome, details: entry.details });
}

/** The audit entry of one maintenance operation, written by the action that ran it. */
export const record = internalMutation({
  args: vMaintenanceRecord,
  returns: v.null(),
  handler: async (ctx, entry) => {
    await recordMaintenance(ctx, entry);
    return null;
  },
});
