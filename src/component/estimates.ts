// A pre-flight plan's estimates, from the projection's earlier completed rebuilds: their measured
// rate (events over wall-clock time, trigger to completion) at the same number of lanes, and what
// their batches wrote per event (whatever their lanes). Without one, mutations come from the
// complexity class and the rest says so.
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query } from "./_generated/server.js";
import { vRebuildEstimate, type RebuildEstimate } from "./validators.ts";

/** The latest runs measured: recent enough to reflect today's handlers and archive, enough to damp one odd run. */
export const MEASURED_RUNS = 5;
/** Completed rebuilds looked at to find them (dry runs and rate-limited ones do not measure the projection). */
const COMPLETED_SCANNED = 50;

export const estimate = query({
  args: {
    projection: v.string(),
    events: v.number(),
    /** The projection's batch size from its complexity class (or its own setting). */
    eventsPerMutation: v.number(),
    rateLimit: v.optional(v.number()),
    dryRun: v.optional(v.boolean()),
    lanes: v.optional(v.number()),
  },
  returns: vRebuildEstimate,
  handler: async (ctx, args) => {
    const completed = await ctx.db
      .query("rebuilds")
      .withIndex("by_projection_state", (q) => q.eq("projection", args.projection).eq("state", "completed"))
      .order("desc")
      .take(COMPLETED_SCANNED);
    return estimateFromRuns(completed.filter(measuresProjection).slice(0, MEASURED_RUNS), args);
  },
});

function measuresProjection(rebuild: Doc<"rebuilds">): boolean {
  return (
    !rebuild.dryRun &&
    rebuild.rateLimit === undefined &&
    rebuild.processed > 0 &&
    rebuild.finishedAt !== undefined &&
    rebuild.finishedAt > rebuild.startedAt
  );
}

export function estimateFromRuns(
  runs: Doc<"rebuilds">[],
  {
    projection,
    events,
    eventsPerMutation,
    rateLimit,
    dryRun,
    lanes = 1,
  }: {
    projection: string;
    events: number;
    eventsPerMutation: number;
    rateLimit?: number;
    dryRun?: boolean;
    lanes?: number;
  },
): RebuildEstimate {
  // Lanes change the rate, not what each event writes.
  const timed = runs.filter((run) => (run.lanes ?? 1) === lanes);
  const measured = median(timed.map((run) => run.processed / ((run.finishedAt! - run.startedAt) / 1000)));
  const withUsage = runs.filter((run) => run.usage !== undefined && run.usage.batches > 0);
  const perBatch = median(withUsage.map((run) => run.processed / run.usage!.batches));
  const documentsPerEvent = median(withUsage.map((run) => run.usage!.documentsWritten / run.processed));
  const bytesPerEvent = median(withUsage.map((run) => run.usage!.bytesWritten / run.processed));
  const batchSize = perBatch ?? eventsPerMutation;
  const written = (perEvent: number | null) =>
    dryRun
      ? { count: 0, perEvent: 0, basis: "dry_run" as const }
      : perEvent === null
        ? { count: null, perEvent: null, basis: "none" as const }
        : { count: Math.round(events * perEvent), perEvent, basis: "measured" as const };
  return {
    measuredOn: runs.map((run) => run._id),
    duration: durationEstimate(projection, events, { rate: measured, runs: timed.length, lanes }, rateLimit),
    mutations: {
      count: Math.ceil(events / batchSize),
      eventsPerMutation: Math.round(batchSize),
      basis: perBatch === null ? "complexity_class" : "measured",
    },
    documentsWritten: written(documentsPerEvent),
    bytesWritten: written(bytesPerEvent),
  };
}

function durationEstimate(
  projection: string,
  events: number,
  { rate: measured, runs, lanes }: { rate: number | null; runs: number; lanes: number },
  rateLimit: number | undefined,
): RebuildEstimate["duration"] {
  const inLanes = lanes > 1 ? ` in ${lanes} lanes` : "";
  if (measured === null) {
    if (rateLimit === undefined)
      return {
        seconds: null,
        eventsPerSecond: null,
        basis: "none",
        note: `no earlier rebuild of ${projection}${inLanes || " in one chain"} has completed without a rate limit or dry run: no measured rate yet`,
      };
    return {
      seconds: Math.ceil(events / rateLimit),
      eventsPerSecond: rateLimit,
      basis: "rate_limit",
      note: `no earlier rebuild of ${projection} to measure a rate on: at least this long at the rate limit of ${rateLimit} events/s`,
    };
  }
  const rate = rateLimit === undefined ? measured : Math.min(measured, rateLimit);
  const capped = rate < measured ? ` (${Math.round(measured)} events/s), capped by the rate limit` : "";
  return {
    seconds: Math.ceil(events / rate),
    eventsPerSecond: Math.round(rate),
    basis: "measured",
    note: `median rate of ${runs} earlier completed rebuild(s) of ${projection}${inLanes}${capped}`,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
