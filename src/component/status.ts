// What status queries return for a rebuild: its checkpoint plus derived progress (percent, rate, ETA).
// Only stored facts, no clock: a reactive query does not re-run as time passes, so whatever depends
// on time is written when it happens (a retried chunk restarts the rate, the watchdog marks a stall)
// and `rateMeasuredAt` lets a client judge the rate's age by its own clock.
import { estimateSecondsLeft, percentDone } from "../progress/rate.ts";
import type { Doc } from "./_generated/dataModel.js";
import type { QueryCtx } from "./_generated/server.js";
import { lanesOf, laneStatus, withLaneProgress, type Lane } from "./lanes.ts";

/** Stalled: the watchdog found no chunk in flight and no progress, and the rebuild has not moved since. */
function isStalled(rebuild: Doc<"rebuilds">): boolean {
  return (
    rebuild.state === "running" && rebuild.stall !== undefined && rebuild.updatedAt <= rebuild.stall.lastProgressAt
  );
}

/** The rebuild's status, its lanes' progress included. */
export async function statusOf(ctx: QueryCtx, rebuild: Doc<"rebuilds">) {
  return rebuildStatus(rebuild, await lanesOf(ctx, rebuild));
}

/** A rebuild with lanes (`lanes`: its rebuildLanes) shows their sum, and each of them. */
export function rebuildStatus(stored: Doc<"rebuilds">, lanes: readonly Lane[] = []) {
  const rebuild = withLaneProgress(stored, lanes);
  const total = rebuild.total ?? null;
  const stalled = isStalled(rebuild);
  const active = rebuild.state === "running" && !stalled;
  const eventsPerSecond = active ? rebuild.rate.eventsPerSecond : 0;
  return {
    rebuildId: rebuild._id,
    projection: rebuild.projection,
    version: rebuild.version,
    generation: rebuild.generation,
    state: rebuild.state,
    phase: rebuild.phase,
    processed: rebuild.processed,
    total,
    percent: total === null ? 0 : rebuild.state === "completed" ? 100 : percentDone(rebuild.processed, total),
    eventsPerSecond: Math.round(eventsPerSecond),
    rateMeasuredAt: rebuild.rate.atMs,
    stalled,
    stall: rebuild.stall ?? null,
    etaSeconds: total === null || !active ? null : estimateSecondsLeft(rebuild.processed, total, eventsPerSecond),
    cursor: rebuild.cursor,
    pruning: rebuild.pruning ?? null,
    counters: rebuild.counters,
    filter: rebuild.filter ?? null,
    dryRun: rebuild.dryRun,
    rateLimit: rebuild.rateLimit ?? null,
    errorPolicy: rebuild.errorPolicy,
    target: rebuild.target ?? null,
    mode: rebuild.mode ?? "rebuild",
    keepShadow: rebuild.keepShadow ?? false,
    verify: rebuild.verify ?? null,
    archive: rebuild.archive,
    triggeredBy: rebuild.triggeredBy,
    startedAt: rebuild.startedAt,
    updatedAt: rebuild.updatedAt,
    finishedAt: rebuild.finishedAt ?? null,
    lastError: rebuild.lastError ?? null,
    lanes: lanes.map(laneStatus),
  };
}

export type RebuildStatus = ReturnType<typeof rebuildStatus>;
