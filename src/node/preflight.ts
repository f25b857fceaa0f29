// The pre-flight plan: what a rebuild with these options would read and cost, planned exactly as
// its planning action will (same snapshot, same pushdown), before anything runs. Stores nothing.
import { actionGeneric, type GenericActionCtx } from "convex/server";
import { ConvexError, v, type Infer } from "convex/values";
import { checkArchiveCarriesEnvelope } from "../archive/archive-envelope.ts";
import { vPruning, vRebuildEstimate, vRebuildOptions, type RebuildOptions } from "../component/validators.ts";
import { isEmptyFilter } from "../replay/filter.ts";
import { preflightWarnings } from "../replay/preflight-warnings.ts";
import { planRebuildScan, pruningOf } from "../replay/rebuild-scan.ts";
import { rebuildOptionsProblem } from "../server/admin-api.ts";
import { requireAdminForRead } from "../server/admin.ts";
import { archiveLocation } from "../server/archive-location.ts";
import type { Wiring } from "../server/wiring.ts";
import { openUnlessNotWrittenYet } from "./planning.ts";

export const vPreflightPlan = v.object({
  projection: v.string(),
  archive: v.object({ location: v.string(), snapshotId: v.union(v.string(), v.null()) }),
  /** What the plan reads of the archive and what its pushdown skips; null before anything is archived. */
  scan: v.union(
    v.null(),
    v.object({
      ...vPruning.fields,
      /** Sizes of the data files the rebuild opens: an upper bound, as it reads only their selected row groups and columns. */
      bytesToRead: v.number(),
    }),
  ),
  events: v.object({
    /** Exactly the total the rebuild starts with: archive rows planned plus the events table after the snapshot. */
    total: v.number(),
    archive: v.number(),
    live: v.number(),
    /** False when delete files or a row filter apply: the rebuild then applies fewer than it reads. */
    archiveRowsExact: v.boolean(),
  }),
  estimate: vRebuildEstimate,
  warnings: v.array(
    v.object({
      kind: v.union(v.literal("filter_not_pushed_down"), v.literal("small_files"), v.literal("slow_rate_limit")),
      message: v.string(),
    }),
  ),
});
export type PreflightPlan = Infer<typeof vPreflightPlan>;

export function preflightAction(wiring: Wiring) {
  return actionGeneric({
    args: { projection: v.string(), options: v.optional(vRebuildOptions) },
    returns: vPreflightPlan,
    handler: async (ctx, { projection, options = {} }) => {
      await requireAdminForRead(wiring.authorize, ctx);
      return planPreflight(ctx, wiring, projection, options);
    },
  });
}

async function planPreflight(
  ctx: GenericActionCtx<any>,
  { registry, envelope, component, refs }: Wiring,
  name: string,
  options: RebuildOptions,
): Promise<PreflightPlan> {
  const projection = registry.get(name);
  if (!projection)
    throw new ConvexError(
      `unknown projection "${name.slice(0, 100)}"; known: ${registry.projections.map((p) => p.name).join(", ")}`,
    );
  const problem = rebuildOptionsProblem(options, envelope, projection);
  if (problem) throw new ConvexError(problem);
  const location = archiveLocation();
  const table = await openUnlessNotWrittenYet(location);
  if (table) checkArchiveCarriesEnvelope(table.schema, envelope, location);
  const scan = table ? await planRebuildScan(table, envelope, options.filter) : undefined;
  const log = await ctx.runQuery(refs.eventLogState, {});
  const archived = scan?.plan.rowCount ?? 0;
  const live = log ? Math.max(0, log.lastPosition - (scan?.highWaterMark ?? 0)) : 0;
  const total = archived + live;
  const estimate = await ctx.runQuery(component.estimates.estimate, {
    projection: projection.name,
    events: total,
    eventsPerMutation: projection.eventsPerMutation,
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.lanes !== undefined ? { lanes: options.lanes } : {}),
  });
  const slices = scan?.plan.slices ?? [];
  const stats = scan?.plan.stats;
  return {
    projection: projection.name,
    archive: { location, snapshotId: scan ? String(scan.snapshotId) : null },
    scan: stats
      ? { ...pruningOf(stats), bytesToRead: slices.reduce((sum, slice) => sum + slice.sizeInBytes, 0) }
      : null,
    events: { total, archive: archived, live, archiveRowsExact: scan?.plan.rowCountExact ?? true },
    estimate,
    warnings: preflightWarnings({
      filtered: !isEmptyFilter(options.filter),
      stats,
      slices,
      events: total,
      rateLimit: options.rateLimit,
    }),
  };
}
