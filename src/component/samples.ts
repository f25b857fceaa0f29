// A rebuild's progress over time, for the panel's charts: events processed and the rate, sampled
// where its batches commit. However long the rebuild, at most MAX_SAMPLES_PER_REBUILD are kept:
// when they reach it, every other one is dropped and the spacing between samples doubles.
import { v } from "convex/values";
import { query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import type { Doc } from "./_generated/dataModel.js";

export const MAX_SAMPLES_PER_REBUILD = 300;
/** Spacing of a new rebuild's samples: 300 of them cover its first 5 minutes. */
const FIRST_SAMPLE_INTERVAL_MS = 1_000;

export interface ProgressPoint {
  at: number;
  processed: number;
  eventsPerSecond: number;
}

function samplesOf(ctx: QueryCtx, rebuildId: string) {
  return ctx.db.query("rebuildSamples").withIndex("by_rebuild_at", (q) => q.eq("rebuildId", rebuildId));
}

/**
 * Records a committed batch's progress. The latest sample follows the rebuild until the spacing is
 * reached (so the last one always shows where the rebuild stands), then a new one is started.
 */
export async function recordSample(ctx: MutationCtx, rebuildId: string, point: ProgressPoint): Promise<void> {
  const [latest, previous] = await samplesOf(ctx, rebuildId).order("desc").take(2);
  const followsLatest = latest && (point.at === latest.at || (previous && point.at - previous.at < latest.intervalMs));
  if (followsLatest) {
    await ctx.db.patch(latest._id, point);
    return;
  }
  const kept = (latest?.kept ?? 0) + 1;
  const intervalMs = latest?.intervalMs ?? FIRST_SAMPLE_INTERVAL_MS;
  await ctx.db.insert("rebuildSamples", { rebuildId, ...point, kept, intervalMs });
  if (kept > MAX_SAMPLES_PER_REBUILD) await thinSamples(ctx, rebuildId, intervalMs * 2);
}

/** Drops every other sample, keeping the first and the latest, which carries the new count and spacing. */
async function thinSamples(ctx: MutationCtx, rebuildId: string, intervalMs: number): Promise<void> {
  const samples = await samplesOf(ctx, rebuildId).take(MAX_SAMPLES_PER_REBUILD + 1);
  const latest = samples[samples.length - 1]!;
  const dropped = samples.filter((sample, index) => index % 2 === 1 && sample !== latest);
  for (const sample of dropped) await ctx.db.delete(sample._id);
  await ctx.db.patch(latest._id, { kept: samples.length - dropped.length, intervalMs });
}

/** Deletes a rebuild's samples (at most MAX_SAMPLES_PER_REBUILD documents): call it where a rebuild is deleted. */
export async function deleteRebuildSamples(ctx: MutationCtx, rebuildId: string): Promise<void> {
  for (const sample of await samplesOf(ctx, rebuildId).take(MAX_SAMPLES_PER_REBUILD + 1)) {
    await ctx.db.delete(sample._id);
  }
}

function pointOf({ at, processed, eventsPerSecond }: Doc<"rebuildSamples">): ProgressPoint {
  return { at, processed, eventsPerSecond };
}

/** A rebuild's samples, oldest first. */
export const list = query({
  args: { rebuildId: v.string() },
  returns: v.array(v.object({ at: v.number(), processed: v.number(), eventsPerSecond: v.number() })),
  handler: async (ctx, { rebuildId }) =>
    (await samplesOf(ctx, rebuildId).take(MAX_SAMPLES_PER_REBUILD + 1)).map(pointOf),
});
