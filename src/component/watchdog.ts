// The watchdog: each chunk's onComplete enqueues the next one, and when that fails the Workpool only
// logs it, so the rebuild would stay `running` with nothing in flight for good. The cron finds such
// a rebuild, resumes it from its checkpoint and writes that to the audit log.
import type { WorkId } from "@convex-dev/workpool";
import { v, type Infer } from "convex/values";
import { mutation, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { rememberAppFunctions } from "./appFunctions.ts";
import { enqueueNextChunk, findProjection, type Rebuild } from "./lifecycle.ts";
import { lanesOf, patchCheckpoint, withLaneProgress, type Checkpoint } from "./lanes.ts";
import { notifyApp } from "./notifications.ts";
import { startRate } from "../progress/rate.ts";
import { replayPool } from "./replayPool.ts";
import { SYSTEM, vAppFunctions } from "./validators.ts";

/**
 * A rebuild with nothing in flight is stalled once it has made no progress for this long: a chunk's
 * onComplete may run (scheduled) a moment after the Workpool has let go of the chunk.
 */
export const STALL_AFTER_MS = 2 * 60_000;
/** Rebuilds looked at per run; running rebuilds are few (one per projection at most). */
const RUNNING_PER_RUN = 100;

const vSupervision = v.object({
  projection: v.string(),
  rebuildId: v.string(),
  outcome: v.union(v.literal("resumed"), v.literal("resume_failed")),
});

/** Resumes every running rebuild with no chunk in flight and no progress for STALL_AFTER_MS. */
export const resumeStalled = mutation({
  args: { app: vAppFunctions },
  returns: v.array(vSupervision),
  handler: async (ctx, { app }) => {
    await rememberAppFunctions(ctx, app);
    const now = Date.now();
    const running = await ctx.db
      .query("rebuilds")
      .withIndex("by_state", (q) => q.eq("state", "running"))
      .take(RUNNING_PER_RUN);
    const outcomes: Infer<typeof vSupervision>[] = [];
    for (const stored of running) {
      const rebuild = withLaneProgress(stored, await lanesOf(ctx, stored));
      if (now - (await lastActivityAt(ctx, rebuild)) < STALL_AFTER_MS || (await chunkInFlight(ctx, rebuild))) continue;
      // Waiting for another rebuild's chunk of the same projection (one in flight per projection).
      if (await slotHeldByChunkInFlight(ctx, rebuild)) continue;
      outcomes.push({
        projection: rebuild.projection,
        rebuildId: rebuild._id,
        outcome: await resume(ctx, rebuild, now),
      });
    }
    return outcomes;
  },
});

/** The rebuild's checkpoints that hold a chunk: its own, and its lanes'. */
async function checkpointsWithChunk(ctx: MutationCtx, rebuild: Rebuild): Promise<Checkpoint[]> {
  const lanes = await lanesOf(ctx, rebuild);
  const all: Checkpoint[] = [
    { table: "rebuilds", doc: rebuild },
    ...lanes.map((doc) => ({ table: "rebuildLanes" as const, doc })),
  ];
  return all.filter((checkpoint) => checkpoint.doc.chunk !== undefined);
}

/** `rebuild` with its lanes' progress in (withLaneProgress). */
async function lastActivityAt(ctx: MutationCtx, rebuild: Rebuild): Promise<number> {
  const enqueued = (await checkpointsWithChunk(ctx, rebuild)).map((checkpoint) => checkpoint.doc.chunk!.enqueuedAt);
  return Math.max(rebuild.updatedAt, rebuild.stall?.detectedAt ?? 0, ...enqueued);
}

/**
 * Whether the projection's chunk slot is another rebuild's whose chunk is still in flight. A slot
 * whose holder's chunk the Workpool has finished (its onComplete never ran: a chain that broke
 * before the holder was cancelled) is freed, so that this rebuild can go on.
 */
async function slotHeldByChunkInFlight(ctx: MutationCtx, rebuild: Rebuild): Promise<boolean> {
  const row = await findProjection(ctx, rebuild.projection);
  if (row?.chunkInFlight === undefined || row.chunkInFlight === rebuild._id) return false;
  const holder = await ctx.db.get(row.chunkInFlight);
  if (holder && (await chunkInFlight(ctx, holder))) return true;
  if (holder) await forgetFinishedChunks(ctx, holder);
  await ctx.db.patch(row._id, { chunkInFlight: undefined });
  return false;
}

/**
 * Whether a chunk of the rebuild (its own or a lane's) is queued, running or waiting out a retry's
 * backoff on the replay pool, by the Workpool's own record.
 */
async function chunkInFlight(ctx: MutationCtx, rebuild: Rebuild): Promise<boolean> {
  const pool = await replayPool(ctx);
  for (const checkpoint of await checkpointsWithChunk(ctx, rebuild)) {
    const status = await pool.status(ctx, checkpoint.doc.chunk!.workId as WorkId);
    if (status.state !== "finished") return true;
  }
  return false;
}

/** The chunks the rebuild remembers are finished (none is in flight): forget them, so that the next ones can be enqueued. */
async function forgetFinishedChunks(ctx: MutationCtx, rebuild: Rebuild): Promise<void> {
  for (const checkpoint of await checkpointsWithChunk(ctx, rebuild))
    await patchCheckpoint(ctx, checkpoint, { chunk: undefined });
}

async function resume(ctx: MutationCtx, rebuild: Rebuild, now: number): Promise<"resumed" | "resume_failed"> {
  const idleMinutes = Math.round((now - rebuild.updatedAt) / 60_000);
  const where = rebuild.cursor === null ? "from the start" : `from the checkpoint at position ${rebuild.cursor}`;
  const stall = {
    detectedAt: now,
    lastProgressAt: rebuild.updatedAt,
    resumes: rebuild.stall?.resumes ?? 0,
  };
  if (rebuild.stall?.lastProgressAt !== rebuild.updatedAt) {
    const reason = `no chunk in flight and no progress for ${idleMinutes} min; the watchdog resumes it ${where}`;
    await notifyApp(ctx, rebuild, "stalled", reason);
  }
  await forgetFinishedChunks(ctx, rebuild);
  await ctx.db.patch(rebuild._id, { rate: startRate(rebuild.processed, now) });
  try {
    await enqueueNextChunk(ctx, rebuild._id);
  } catch (error) {
    const message = (error as Error).message;
    await ctx.db.patch(rebuild._id, { stall: { ...stall, error: message } });
    if (rebuild.stall?.error !== message) {
      await audit(
        ctx,
        rebuild,
        "failed",
        `no chunk in flight and no progress for ${idleMinutes} min; could not resume: ${message}`,
      );
    }
    return "resume_failed";
  }
  await ctx.db.patch(rebuild._id, { stall: { ...stall, resumes: stall.resumes + 1 } });
  await audit(ctx, rebuild, "resumed", `no chunk in flight and no progress for ${idleMinutes} min; resumed ${where}`);
  return "resumed";
}

function audit(ctx: MutationCtx, rebuild: Rebuild, outcome: string, details: string) {
  return recordAudit(ctx, {
    actor: SYSTEM,
    action: "watchdog_resume",
    projection: rebuild.projection,
    rebuildId: rebuild._id,
    outcome,
    details,
  });
}
