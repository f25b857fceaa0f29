// Re-driving a `dead-letter-key` rebuild's dead letters into its generation after a fix: the app's
// batch mutation applies them through the code's handlers in position order (so per key in order),
// a bounded batch per transaction, and commits here in the same transaction, marking each applied
// letter (exactly once). A letter that fails again keeps its key parked, with the new reason, and
// the later letters of that key wait for the next re-drive.
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import type { Doc, Id } from "./_generated/dataModel.js";
import { recordAudit } from "./audit.ts";
import { findProjection, rebuildById, type Rebuild } from "./lifecycle.ts";
import { parkedKeyRow } from "./parkedKeys.ts";
import schema from "./schema.ts";
import { vActor } from "./validators.ts";
import { vEventRecord } from "./event-validators.ts";

type Redrive = Doc<"redrives">;

async function redriveById(ctx: QueryCtx, redriveId: string): Promise<Redrive | null> {
  const id = ctx.db.normalizeId("redrives", redriveId);
  return id ? ctx.db.get(id) : null;
}

function pendingLetters(ctx: QueryCtx, rebuildId: string, after: number | null) {
  return ctx.db.query("deadLetters").withIndex("by_rebuild_redriven_position", (q) => {
    const pending = q.eq("rebuildId", rebuildId).eq("redrivenAt", undefined);
    return after === null ? pending : pending.gt("position", after);
  });
}

/** Why the rebuild's letters cannot be re-driven into its generation, or null. */
async function redriveProblem(
  ctx: QueryCtx,
  rebuild: Rebuild,
  codeVersion: number | undefined,
): Promise<string | null> {
  if (rebuild.errorPolicy !== "dead-letter-key") {
    return (
      `rebuild ${rebuild._id} ran with errorPolicy "${rebuild.errorPolicy}": re-drive needs "dead-letter-key". Under ` +
      `"dead-letter" the later events of a letter's document were applied without it, so applying the letter now ` +
      `would fold it out of order; trigger a rebuild instead`
    );
  }
  if (rebuild.state !== "completed" && rebuild.state !== "failed")
    return `rebuild ${rebuild._id} is ${rebuild.state}: re-drive a completed or failed rebuild`;
  if (rebuild.dryRun) return `rebuild ${rebuild._id} was a dry run: it wrote no read model to re-drive into`;
  if (codeVersion === undefined) return `projection ${rebuild.projection} is no longer in the code's registry`;
  if (codeVersion !== rebuild.version) {
    return (
      `generation ${rebuild.generation} of ${rebuild.projection} was built by version ${rebuild.version}, the code is ` +
      `version ${codeVersion}: a generation is written by one handler version only (the version bump rebuilds it)`
    );
  }
  const deletion = await ctx.db
    .query("generationDeletions")
    .withIndex("by_projection_generation", (q) =>
      q.eq("projection", rebuild.projection).eq("generation", rebuild.generation),
    )
    .first();
  const row = await findProjection(ctx, rebuild.projection);
  const kept = row?.activeGeneration === rebuild.generation || row?.shadowGeneration === rebuild.generation;
  if (deletion || (rebuild.state === "completed" && !kept && rebuild.target === undefined))
    return `generation ${rebuild.generation} of ${rebuild.projection} is no longer kept: there is nothing to re-drive into`;
  return null;
}

/** Starts re-driving a rebuild's dead letters, once at a time per rebuild; refusals are audited. */
export const start = mutation({
  args: { rebuildId: v.string(), codeVersions: v.record(v.string(), v.number()), actor: vActor },
  returns: v.union(
    v.object({ status: v.union(v.literal("started"), v.literal("already_running")), redriveId: v.string() }),
    v.object({ status: v.union(v.literal("rejected"), v.literal("nothing_pending")), reason: v.string() }),
  ),
  handler: async (ctx, { rebuildId, codeVersions, actor }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    const reject = async (reason: string, outcome: "rejected" | "nothing_pending") => {
      await recordAudit(ctx, {
        actor,
        action: "redrive_dead_letters",
        outcome,
        details: reason,
        ...(rebuild ? { projection: rebuild.projection, rebuildId: rebuild._id } : {}),
      });
      return { status: outcome, reason };
    };
    if (!rebuild) return reject(`no rebuild ${rebuildId.slice(0, 100)}`, "rejected");
    const running = await ctx.db
      .query("redrives")
      .withIndex("by_rebuild_state", (q) => q.eq("rebuildId", rebuild._id).eq("state", "running"))
      .first();
    if (running) return { status: "already_running" as const, redriveId: running._id };
    const problem = await redriveProblem(ctx, rebuild, codeVersions[rebuild.projection]);
    if (problem) return reject(problem, "rejected");
    if (!(await pendingLetters(ctx, rebuild._id, null).first()))
      return reject(`rebuild ${rebuild._id} has no dead letter left to re-drive`, "nothing_pending");
    const redriveId = await ctx.db.insert("redrives", {
      rebuildId: rebuild._id,
      projection: rebuild.projection,
      state: "running",
      cursor: null,
      applied: 0,
      failedAgain: 0,
      actor,
      startedAt: Date.now(),
    });
    return { status: "started" as const, redriveId };
  },
});

/** The re-drive's next letters, if it is running with its cursor at `expectedCursor` (else a retried batch). */
export const openBatch = query({
  args: { redriveId: v.string(), expectedCursor: v.union(v.number(), v.null()), limit: v.number() },
  returns: v.union(
    v.object({
      status: v.literal("open"),
      rebuildId: v.string(),
      projection: v.string(),
      generation: v.number(),
      letters: v.array(v.object({ letterId: v.string(), event: vEventRecord })),
    }),
    v.object({ status: v.literal("stopped") }),
  ),
  handler: async (ctx, { redriveId, expectedCursor, limit }) => {
    const redrive = await redriveById(ctx, redriveId);
    if (!redrive || redrive.state !== "running" || redrive.cursor !== expectedCursor)
      return { status: "stopped" as const };
    const rebuild = (await rebuildById(ctx, redrive.rebuildId))!;
    const letters = await pendingLetters(ctx, rebuild._id, redrive.cursor).take(limit);
    return {
      status: "open" as const,
      rebuildId: rebuild._id,
      projection: rebuild.projection,
      generation: rebuild.generation,
      letters: letters.map((letter) => {
        if (!letter.event)
          throw new Error(`dead letter ${letter._id} of rebuild ${rebuild._id} holds no event to re-drive`);
        return { letterId: letter._id, event: letter.event };
      }),
    };
  },
});

/** Of `keys`, those a letter failed again on in this re-drive, with the event id each is parked behind now. */
export const blockedAmong = query({
  args: { redriveId: v.string(), rebuildId: v.string(), keys: v.array(v.string()) },
  returns: v.array(v.object({ key: v.string(), behind: v.string() })),
  handler: async (ctx, { redriveId, rebuildId, keys }) => {
    const rows = await Promise.all(keys.map((key) => parkedKeyRow(ctx, rebuildId, key)));
    return rows.flatMap((row) => (row?.blockedBy === redriveId ? [{ key: row.key, behind: row.behind }] : []));
  },
});

/**
 * Commits a batch the app applied in this transaction: applied letters are marked (and their keys
 * unparked once none is left), the others keep their keys parked behind the letter that failed
 * again. `done`: the batch was the last; the re-drive completes and is audited.
 */
export const commitBatch = mutation({
  args: {
    redriveId: v.string(),
    lastPosition: v.number(),
    applied: v.array(v.string()),
    failedAgain: v.array(v.object({ letterId: v.string(), kind: v.string(), reason: v.string() })),
    blocked: v.array(v.object({ key: v.string(), behind: v.string() })),
    done: v.boolean(),
  },
  returns: v.null(),
  handler: async (ctx, { redriveId, lastPosition, applied, failedAgain, blocked, done }) => {
    const redrive = await redriveById(ctx, redriveId);
    if (!redrive || redrive.state !== "running")
      throw new Error(`redrives.commitBatch: re-drive ${redriveId} is not running`);
    const now = Date.now();
    for (const letterId of applied) {
      const letter = (await ctx.db.get(letterId as Id<"deadLetters">))!;
      await ctx.db.patch(letter._id, { redrivenAt: now });
      for (const key of letter.keys ?? []) await releaseKey(ctx, redrive.rebuildId, key);
    }
    for (const { letterId, kind, reason } of failedAgain)
      await ctx.db.patch(letterId as Id<"deadLetters">, { kind, reason });
    for (const { key, behind } of blocked) {
      const row = await parkedKeyRow(ctx, redrive.rebuildId, key);
      if (row) await ctx.db.patch(row._id, { behind, blockedBy: redrive._id });
    }
    const totals = { applied: redrive.applied + applied.length, failedAgain: redrive.failedAgain + failedAgain.length };
    await ctx.db.patch(redrive._id, {
      cursor: lastPosition,
      ...totals,
      ...(done ? { state: "completed", finishedAt: now } : {}),
    });
    if (done)
      await auditRedrive(
        ctx,
        redrive,
        "completed",
        `applied ${totals.applied}, still dead-lettered ${totals.failedAgain}`,
      );
    return null;
  },
});

/** Stops a re-drive whose batch could not be applied at all (e.g. a letter the code can no longer decode). */
export const fail = mutation({
  args: { redriveId: v.string(), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { redriveId, error }) => {
    const redrive = await redriveById(ctx, redriveId);
    if (!redrive || redrive.state !== "running") return null;
    await ctx.db.patch(redrive._id, { state: "failed", lastError: error, finishedAt: Date.now() });
    await auditRedrive(ctx, redrive, "failed", `${error} (applied ${redrive.applied} before)`);
    return null;
  },
});

/** The rebuild's re-drives, latest first. */
export const list = query({
  args: { rebuildId: v.string(), limit: v.number() },
  returns: v.array(doc(schema, "redrives")),
  handler: async (ctx, { rebuildId, limit }) => {
    const rows = await ctx.db
      .query("redrives")
      .withIndex("by_rebuild_state", (q) => q.eq("rebuildId", rebuildId))
      .collect();
    return rows.sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
  },
});

async function releaseKey(ctx: MutationCtx, rebuildId: string, key: string) {
  const row = await parkedKeyRow(ctx, rebuildId, key);
  if (!row) return;
  if (row.pending <= 1) await ctx.db.delete(row._id);
  else await ctx.db.patch(row._id, { pending: row.pending - 1 });
}

async function auditRedrive(ctx: MutationCtx, redrive: Redrive, outcome: string, details: string) {
  await recordAudit(ctx, {
    actor: redrive.actor,
    action: "dead_letters_redriven",
    outcome,
    projection: redrive.projection,
    rebuildId: redrive.rebuildId,
    details,
  });
}
