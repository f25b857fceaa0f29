// A rebuild's progress over time, for the panel's charts: events processed and the rate, sampled
// where its batches commit. However long the rebuild, at most MAX_SAMPLES_PER_REBUILD are kept:
// when they reach it, every other one is dropped and the spacing between samples doubles. Lanes
// sample their own progress (a series each, sharing the bound), so that they never write one
// document; the rebuild's series is their sum, then its own.
import { v } from "convex/values";
import { query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import type { Doc } from "./_generated/dataModel.js";
import { lanesOf } from "./lanes.ts";

export const MAX_SAMPLES_PER_REBUILD = 300;
/** Spacing of a new rebuild's samples: 300 of them cover its first 5 minutes. */
const FIRST_SAMPLE_INTERVAL_MS = 1_000;

export interface ProgressPoint {
  at: number;
  processed: number;
  eventsPerSecond: number;
}

/** A series: the rebuild's own (`lane` undefined) or one lane's. */
function samplesOf(ctx: QueryCtx, rebuildId: string, lane: number | undefined) {
  return ctx.db
    .query("rebuildSamples")
    .withIndex("by_rebuild_lane_at", (q) => q.eq("rebuildId", rebuildId).eq("lane", lane));
}

/** The samples one series keeps at most: the bound is the rebuild's, shared by its lanes. */
function seriesBound(lanes: number | undefined, lane: number | undefined): number {
  return lane === undefined ? MAX_SAMPLES_PER_REBUILD : Math.floor(MAX_SAMPLES_PER_REBUILD / (lanes ?? 1));
}

/**
 * Records a committed batch's progress. The latest sample follows the rebuild until the spacing is
 * reached (so the last one always shows where the rebuild stands), then a new one is started.
 */
export async function recordSample(
  ctx: MutationCtx,
  rebuild: Doc<"rebuilds">,
  lane: number | undefined,
  point: ProgressPoint,
): Promise<void> {
  const rebuildId = rebuild._id;
  const bound = seriesBound(rebuild.lanes, lane);
  const [latest, previous] = await samplesOf(ctx, rebuildId, lane).order("desc").take(2);
  const followsLatest = latest && (point.at === latest.at || (previous && point.at - previous.at < latest.intervalMs));
  if (followsLatest) {
    await ctx.db.patch(latest._id, point);
    return;
  }
  const kept = (latest?.kept ?? 0) + 1;
  const intervalMs = latest?.intervalMs ?? FIRST_SAMPLE_INTERVAL_MS;
  await ctx.db.insert("rebuildSamples", {
    rebuildId,
    ...(lane === undefined ? {} : { lane }),
    ...point,
    kept,
    intervalMs,
  });
  if (kept > bound) await thinSamples(ctx, rebuildId, lane, bound, intervalMs * 2);
}

/** Drops every other sample, keeping the first and the latest, which carries the new count and spacing. */
async function thinSamples(
  ctx: MutationCtx,
  rebuildId: string,
  lane: number | undefined,
  bound: number,
  intervalMs: number,
): Promise<void> {
  const samples = await samplesOf(ctx, rebuildId, lane).take(bound + 1);
  const latest = samples[samples.length - 1]!;
  const dropped = samples.filter((sample, index) => index % 2 === 1 && sample !== latest);
  for (const sample of dropped) await ctx.db.delete(sample._id);
  await ctx.db.patch(latest._id, { kept: samples.length - dropped.length, intervalMs });
}

/** Deletes a rebuild's samples (at most twice MAX_SAMPLES_PER_REBUILD documents): call it where a rebuild is deleted. */
export async function deleteRebuildSamples(ctx: MutationCtx, rebuildId: string): Promise<void> {
  const samples = ctx.db.query("rebuildSamples").withIndex("by_rebuild_lane_at", (q) => q.eq("rebuildId", rebuildId));
  for (const sample of await samples.take(2 * MAX_SAMPLES_PER_REBUILD + 2)) await ctx.db.delete(sample._id);
}

function pointOf({ at, processed, eventsPerSecond }: Doc<"rebuildSamples">): ProgressPoint {
  return { at, processed, eventsPerSecond };
}

/**
 * The lanes' series as one: at each lane sample, every lane's latest progress and rate summed (the
 * rate of a lane that is done stops counting after its last sample).
 */
export function sumOfLanes(series: readonly (readonly ProgressPoint[])[], done: readonly boolean[]): ProgressPoint[] {
  const latest = series.map(() => null as ProgressPoint | null);
  const ends = series.map((points) => points[points.length - 1]?.at ?? -Infinity);
  const merged = series.flatMap((points, lane) => points.map((point) => ({ lane, point })));
  merged.sort((a, b) => a.point.at - b.point.at);
  return merged.map(({ lane, point }) => {
    latest[lane] = point;
    let processed = 0;
    let eventsPerSecond = 0;
    for (const [index, known] of latest.entries()) {
      processed += known?.processed ?? 0;
      if (known && !(done[index] && point.at > ends[index]!)) eventsPerSecond += known.eventsPerSecond;
    }
    return { at: point.at, processed, eventsPerSecond };
  });
}

/** A rebuild's samples, oldest first: its lanes' summed, then its own. */
export const list = query({
  args: { rebuildId: v.string() },
  returns: v.array(v.object({ at: v.number(), processed: v.number(), eventsPerSecond: v.number() })),
  handler: async (ctx, { rebuildId }) => {
    const id = ctx.db.normalizeId("rebuilds", rebuildId);
    const rebuild = id && (await ctx.db.get(id));
    const own = (await samplesOf(ctx, rebuildId, undefined).take(MAX_SAMPLES_PER_REBUILD + 1)).map(pointOf);
    if (!rebuild?.lanes) return own;
    const lanes = await lanesOf(ctx, rebuild);
    const series = [];
    for (const lane of lanes) {
      series.push(
        (await samplesOf(ctx, rebuildId, lane.lane).take(seriesBound(rebuild.lanes, lane.lane) + 1)).map(pointOf),
      );
    }
    return [
      ...sumOfLanes(
        series,
        lanes.map((lane) => lane.done),
      ),
      ...own,
    ];
  },
});
