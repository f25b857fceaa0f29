// Archive maintenance, the Convex side: which snapshots rebuilds have pinned, the single entry
// point the cron uses (one run at a time, the run in flight known by its job id), and the audit trail. The work itself is the Node
// actions of ../../node/maintenance.ts.
import { internalMutationGeneric, internalQueryGeneric, type GenericMutationCtx } from "convex/server";
import { v, type Infer } from "convex/values";
import { SYSTEM, vPinnedSnapshots, type PinnedSnapshots } from "../../component/validators.ts";
import { recordAudit } from "../audit.ts";
import { maintenanceRecordArgs, vMaintenanceOperation } from "../function-validators.ts";
import { maintenanceSettings } from "../maintenance-settings.ts";
import type { Wiring } from "../wiring.ts";

export type MaintenanceOperation = Infer<typeof vMaintenanceOperation>;
export const MAINTENANCE_OPERATIONS: readonly MaintenanceOperation[] = ["compact", "expire", "cleanOrphans"];

const vStartAnswer = v.union(
  v.object({ status: v.literal("started"), jobId: v.id("_scheduled_functions") }),
  v.object({ status: v.union(v.literal("already_running"), v.literal("disabled")) }),
);

type MaintenanceRecord = { operation: string; outcome: Infer<typeof maintenanceRecordArgs.outcome>; details: string };

export function maintenanceFunctions({ component, refs }: Wiring) {
  const record = (ctx: GenericMutationCtx<any>, entry: MaintenanceRecord) =>
    recordAudit(ctx, component, {
      actor: SYSTEM,
      action: `archive_${entry.operation}`,
      outcome: entry.outcome,
      details: entry.details,
    });

  /** Whether the run startMaintenance scheduled last is still pending or in progress: one job read. */
  async function runInFlight(ctx: GenericMutationCtx<any>): Promise<boolean> {
    const latest = await ctx.runQuery(component.maintenanceRuns.latest, {});
    const jobId = latest && ctx.db.system.normalizeId("_scheduled_functions", latest.jobId);
    const job = jobId ? await ctx.db.system.get(jobId) : null;
    return job?.state.kind === "pending" || job?.state.kind === "inProgress";
  }

  return {
    /** What expiry must not remove (also for the CLI: `npx convex run reproject:pinnedSnapshots`). */
    pinnedSnapshots: internalQueryGeneric({
      args: {},
      returns: vPinnedSnapshots,
      handler: (ctx): Promise<PinnedSnapshots> => ctx.runQuery(component.pins.pinnedSnapshots, {}),
    }),

    /**
     * The entry point of the cron and of manual runs (`npx convex run reproject:startMaintenance`):
     * schedules one maintenance run unless one is pending or in progress, so two runs never overlap.
     */
    startMaintenance: internalMutationGeneric({
      args: { operations: v.optional(v.array(vMaintenanceOperation)) },
      returns: vStartAnswer,
      handler: async (ctx, { operations }): Promise<Infer<typeof vStartAnswer>> => {
        if (!maintenanceSettings().enabled) {
          await record(ctx, { operation: "maintenance", outcome: "disabled", details: "REPROJECT_MAINTENANCE is off" });
          return { status: "disabled" as const };
        }
        if (await runInFlight(ctx)) {
          await record(ctx, {
            operation: "maintenance",
            outcome: "skipped",
            details: "a maintenance run is already pending or in progress",
          });
          return { status: "already_running" as const };
        }
        const jobId = await ctx.scheduler.runAfter(0, refs.maintain, {
          operations: operations ?? [...MAINTENANCE_OPERATIONS],
        });
        await ctx.runMutation(component.maintenanceRuns.started, { jobId });
        return { status: "started" as const, jobId };
      },
    }),

    /** The audit entry of one maintenance operation, written by the action that ran it. */
    recordMaintenance: internalMutationGeneric({
      args: maintenanceRecordArgs,
      returns: v.null(),
      handler: async (ctx, entry) => {
        await record(ctx, entry);
        return null;
      },
    }),
  };
}
