// A rebuild's lanes (rebuildLanes): the archive phase of a rebuild split by lane key, each lane a
// checkpoint of its own. A lane's batches write its document only, never the rebuild's, so that
// lanes committing at once do not conflict; the rebuild's figures while they run are their sum,
// and the last lane to finish adds them into the rebuild, which goes on alone with the tail.
import { MAX_LANES } from "../registry/lane-key.ts";
import type { Doc, Id } from "./_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "./_generated/server.js";
import { ZERO_COUNTERS, type Counters, type LaneProgress } from "./validators.ts";

export type Rebuild = Doc<"rebuilds">;
export type Lane = Doc<"rebuildLanes">;

/** What holds a checkpoint: the rebuild itself, or one of its lanes during the archive phase. */
export type Checkpoint = { table: "rebuilds"; doc: Rebuild } | { table: "rebuildLanes"; doc: Lane };

/** Whether the rebuild's batches are its lanes' now: a rebuild in lanes, in its archive phase. */
export function runsInLanes(rebuild: Rebuild): boolean {
  return rebuild.lanes !== undefined && rebuild.phase === "archive";
}

export function checkedLaneCount(lanes: number | undefined): number | undefined {
  if (lanes === undefined || lanes === 1) return undefined;
  if (!Number.isSafeInteger(lanes) || lanes < 1 || lanes > MAX_LANES)
    throw new Error(`lanes must be a whole number from 1 to ${MAX_LANES}, got ${lanes}`);
  return lanes;
}

export async function lanesOf(ctx: QueryCtx, rebuild: Rebuild): Promise<Lane[]> {
  if (rebuild.lanes === undefined) return [];
  return ctx.db
    .query("rebuildLanes")
    .withIndex("by_rebuild_lane", (q) => q.eq("rebuildId", rebuild._id))
    .take(MAX_LANES);
}

export function laneOf(ctx: QueryCtx, rebuildId: Id<"rebuilds">, lane: number): Promise<Lane | null> {
  return ctx.db
    .query("rebuildLanes")
    .withIndex("by_rebuild_lane", (q) => q.eq("rebuildId", rebuildId).eq("lane", lane))
    .unique();
}

/** The checkpoint a call names: the lane's when it names one, else the rebuild's; null for a lane that is not there. */
export async function checkpointOf(
  ctx: QueryCtx,
  rebuild: Rebuild,
  lane: number | undefined,
): Promise<Checkpoint | null> {
  if (lane === undefined) return { table: "rebuilds", doc: rebuild };
  const doc = await laneOf(ctx, rebuild._id, lane);
  return doc ? { table: "rebuildLanes", doc } : null;
}

export async function patchCheckpoint(
  ctx: MutationCtx,
  checkpoint: Checkpoint,
  fields: Partial<Omit<LaneProgress, "counters">> & { counters?: Counters },
): Promise<void> {
  // One call per table: ctx.db.patch takes the id of one table at a time.
  if (checkpoint.table === "rebuilds") await ctx.db.patch(checkpoint.doc._id, fields);
  else await ctx.db.patch(checkpoint.doc._id, fields);
}

/** Starts the lanes of a planned rebuild, each at the start of the archive. */
export async function startLanes(ctx: MutationCtx, rebuild: Rebuild, now: number): Promise<void> {
  for (let lane = 0; lane < (rebuild.lanes ?? 0); lane++) {
    await ctx.db.insert("rebuildLanes", {
      rebuildId: rebuild._id,
      lane,
      cursor: null,
      processed: 0,
      counters: ZERO_COUNTERS,
      rate: { eventsPerSecond: 0, processed: 0, atMs: now },
      updatedAt: now,
      done: false,
    });
  }
}

/**
 * The rebuild's progress with its lanes' added in, while they have not been yet (its archive phase):
 * counters, usage and rates summed; the cursor is the lowest lane's (every position up to it is
 * covered by all lanes), the update time the latest.
 */
export function withLaneProgress(rebuild: Rebuild, lanes: readonly Lane[]): Rebuild {
  if (!runsInLanes(rebuild) || lanes.length === 0) return rebuild;
  const counters = { ...rebuild.counters };
  for (const lane of lanes) {
    for (const key of Object.keys(counters) as (keyof Counters)[]) counters[key] += lane.counters[key];
  }
  const usage = lanes.some((lane) => lane.usage)
    ? {
        batches: sum(lanes, (lane) => lane.usage?.batches ?? 0),
        documentsWritten: sum(lanes, (lane) => lane.usage?.documentsWritten ?? 0),
        bytesWritten: sum(lanes, (lane) => lane.usage?.bytesWritten ?? 0),
      }
    : rebuild.usage;
  const running = lanes.filter((lane) => !lane.done);
  const cursors = running.map((lane) => lane.cursor);
  return {
    ...rebuild,
    counters,
    processed: counters.found,
    ...(usage ? { usage } : {}),
    cursor: cursors.length === 0 ? rebuild.cursor : cursors.includes(null) ? null : Math.min(...(cursors as number[])),
    rate: {
      eventsPerSecond: sum(running, (lane) => lane.rate.eventsPerSecond),
      processed: counters.found,
      atMs: Math.max(rebuild.rate.atMs, ...lanes.map((lane) => lane.rate.atMs)),
    },
    updatedAt: Math.max(rebuild.updatedAt, ...lanes.map((lane) => lane.updatedAt)),
  };
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

/** A lane as status shows it. */
export function laneStatus(lane: Lane) {
  return {
    lane: lane.lane,
    cursor: lane.cursor,
    processed: lane.processed,
    eventsPerSecond: lane.done ? 0 : Math.round(lane.rate.eventsPerSecond),
    done: lane.done,
    retried: lane.counters.retried,
  };
}
