// What status queries return for a rebuild: its checkpoint plus derived progress (percent, rate, ETA).
import { estimateSecondsLeft, percentDone } from "../progress/rate.ts";
import type { Doc } from "./_generated/dataModel.js";

/** A rate not updated for this long is stale: the rebuild is idle (paused, queued, retrying). */
const RATE_STALE_MS = 30_000;

export function rebuildStatus(rebuild: Doc<"rebuilds">, now = Date.now()) {
  const total = rebuild.total ?? null;
  const active = rebuild.state === "running";
  const eventsPerSecond = active && now - rebuild.rate.atMs < RATE_STALE_MS ? rebuild.rate.eventsPerSecond : 0;
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
  };
}

export type RebuildStatus = ReturnType<typeof rebuildStatus>;
