// Retention of the tables that would otherwise only grow. Finished rebuilds beyond the newest
// `rebuildsPerProjection` of their projection go, with their plans and dead letters; plans of
// finished rebuilds beyond the newest `plansPerProjection`; dead letters and audit entries older
// than their maximum age. Nothing a rebuild that can still go on needs is removed: a running,
// paused or failed rebuild (a failed one can be resumed), a verify run whose shadow is kept, a
// `dead-letter-key` rebuild whose generation is still read (its letters can be re-driven into it),
// and a projection's last rebuild keep their row, plan and dead letters, however old. A sweep runs in
// pages, each cut by the transaction's budget, chained by the scheduler; failed generation
// deletions are started again on the way.
import { v, type Infer } from "convex/values";
import { TransactionBudget } from "../replay/transaction-budget.ts";
import { internal } from "./_generated/api.js";
import type { Doc } from "./_generated/dataModel.js";
import { internalMutation, mutation, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { scheduleGenerationDeletion } from "./generationDeletions.ts";
import { deletePlan, findProjection, rebuildById, type Rebuild } from "./lifecycle.ts";
import { deleteRebuildSamples } from "./samples.ts";
import { SYSTEM } from "./validators.ts";

export const vRetentionPolicy = v.object({
  /** Finished rebuilds kept per projection (history rows, with their plans and dead letters). */
  rebuildsPerProjection: v.number(),
  /** Of those, the newest that keep their plan. */
  plansPerProjection: v.number(),
  deadLetterMaxAgeMs: v.number(),
  auditLogMaxAgeMs: v.number(),
});
export type RetentionPolicy = Infer<typeof vRetentionPolicy>;

const vSweepCursor = v.object({
  stage: v.union(v.literal("deletions"), v.literal("rebuilds"), v.literal("deadLetters"), v.literal("auditLog")),
  /** rebuilds: the projection being swept. */
  projection: v.optional(v.string()),
  /** _creationTime of the last document swept in this stage (rebuilds newest first, the others oldest first). */
  position: v.optional(v.number()),
  /** rebuilds: finished rebuilds of the projection counted so far, newest first. */
  finished: v.optional(v.number()),
});
type SweepCursor = Infer<typeof vSweepCursor>;

const vRemoved = v.object({
  rebuilds: v.number(),
  plans: v.number(),
  deadLetters: v.number(),
  auditEntries: v.number(),
  deletionsRestarted: v.number(),
});
type Removed = Infer<typeof vRemoved>;

/** Whether the rebuild can still go on, or is what an admin acts on next: never removed, nor its plan or dead letters. */
export function isRetained(rebuild: Rebuild, projection: Doc<"projections"> | null): boolean {
  return (
    rebuild.state === "running" ||
    rebuild.state === "paused" ||
    rebuild.state === "failed" ||
    rebuild.verify?.shadow === "kept" ||
    projection?.lastRebuildId === rebuild._id ||
    (rebuild.errorPolicy === "dead-letter-key" &&
      (projection?.activeGeneration === rebuild.generation || projection?.shadowGeneration === rebuild.generation))
  );
}

/** Starts a sweep (the app's applyRetention, run daily by its crons): the first page now, the rest scheduled. */
export const start = mutation({
  args: { policy: vRetentionPolicy },
  returns: v.null(),
  handler: async (ctx, { policy }) => {
    const removed = { rebuilds: 0, plans: 0, deadLetters: 0, auditEntries: 0, deletionsRestarted: 0 };
    await sweepPage(ctx, policy, { stage: "deletions" }, removed, Date.now(), 1);
    return null;
  },
});

export const continueSweep = internalMutation({
  args: { policy: vRetentionPolicy, cursor: vSweepCursor, removed: vRemoved, nowMs: v.number(), page: v.number() },
  returns: v.null(),
  handler: async (ctx, { policy, cursor, removed, nowMs, page }) => {
    await sweepPage(ctx, policy, cursor, removed, nowMs, page);
    return null;
  },
});

/** What one page of a sweep works on: the budget it stops at, and where it is. */
interface Page {
  ctx: MutationCtx;
  budget: TransactionBudget;
  policy: RetentionPolicy;
  cursor: SweepCursor;
  removed: Removed;
  nowMs: number;
}

const STAGES: readonly [SweepCursor["stage"], (page: Page) => Promise<boolean>][] = [
  ["deletions", restartFailedDeletions],
  ["rebuilds", sweepRebuilds],
  ["deadLetters", sweepDeadLetters],
  ["auditLog", sweepAuditLog],
];

/** The `pageNumber`th page of a sweep; the last one audits what the sweep removed. */
async function sweepPage(
  ctx: MutationCtx,
  policy: RetentionPolicy,
  cursor: SweepCursor,
  removed: Removed,
  nowMs: number,
  pageNumber: number,
) {
  const page: Page = {
    ctx,
    budget: await TransactionBudget.start(ctx.meta),
    policy,
    cursor,
    removed: { ...removed },
    nowMs,
  };
  for (let index = STAGES.findIndex(([stage]) => stage === cursor.stage); index < STAGES.length; index++) {
    const [stage, sweep] = STAGES[index]!;
    if (page.cursor.stage !== stage) page.cursor = { stage };
    if (!(await sweep(page))) {
      await ctx.scheduler.runAfter(0, internal.retention.continueSweep, {
        policy,
        cursor: page.cursor,
        removed: page.removed,
        nowMs,
        page: pageNumber + 1,
      });
      return;
    }
  }
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "retention_applied",
    outcome: "completed",
    details: JSON.stringify({ removed: page.removed, pages: pageNumber, policy }),
  });
}

/** Each stage answers true once it is through, false when the page's budget ran out first. */
async function restartFailedDeletions(page: Page): Promise<boolean> {
  const { ctx, cursor } = page;
  const deletions = ctx.db
    .query("generationDeletions")
    .withIndex("by_creation_time", (q) => (cursor.position === undefined ? q : q.gt("_creationTime", cursor.position)));
  for await (const deletion of deletions) {
    if (deletion.state === "failed") {
      await scheduleGenerationDeletion(ctx, deletion.projection, deletion.generation);
      page.removed.deletionsRestarted++;
    }
    cursor.position = deletion._creationTime;
    if (!(await page.budget.roomForAnother())) return false;
  }
  return true;
}

async function sweepRebuilds(page: Page): Promise<boolean> {
  const { ctx, policy } = page;
  const projections = ctx.db
    .query("projections")
    .withIndex("by_name", (q) => (page.cursor.projection === undefined ? q : q.gte("name", page.cursor.projection)));
  for await (const projection of projections) {
    if (page.cursor.projection !== projection.name)
      page.cursor = { stage: "rebuilds", projection: projection.name, finished: 0 };
    const cursor = page.cursor;
    const rebuilds = ctx.db
      .query("rebuilds")
      .withIndex("by_projection", (q) =>
        cursor.position === undefined
          ? q.eq("projection", projection.name)
          : q.eq("projection", projection.name).lt("_creationTime", cursor.position),
      )
      .order("desc");
    for await (const rebuild of rebuilds) {
      if (!isRetained(rebuild, projection)) {
        const rank = (cursor.finished ?? 0) + 1;
        if (rank > policy.rebuildsPerProjection) {
          if (!(await removeRebuild(page, rebuild))) return false;
        } else if (rank > policy.plansPerProjection && !(await removePlan(page, rebuild))) return false;
        cursor.finished = rank;
      }
      cursor.position = rebuild._creationTime;
      if (!(await page.budget.roomForAnother())) return false;
    }
  }
  return true;
}

/** Deletes the rebuild's plan and its pages; false when the budget ran out before it was gone. */
async function removePlan(page: Page, rebuild: Rebuild): Promise<boolean> {
  const hadPlan = await page.ctx.db
    .query("rebuildPlans")
    .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuild._id))
    .unique();
  if (!(await deletePlan(page.ctx, rebuild._id, () => page.budget.roomForAnother()))) return false;
  if (hadPlan) page.removed.plans++;
  return true;
}

/**
 * Deletes the rebuild's dead letters (with its parked keys and re-drives), its progress samples, its
 * lanes, its plan and then its row; false when the budget ran out before the row went.
 */
async function removeRebuild(page: Page, rebuild: Rebuild): Promise<boolean> {
  const { ctx } = page;
  const letters = ctx.db.query("deadLetters").withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuild._id));
  for await (const letter of letters) {
    await ctx.db.delete(letter._id);
    page.removed.deadLetters++;
    if (!(await page.budget.roomForAnother())) return false;
  }
  await deleteRebuildSamples(ctx, rebuild._id);
  if (!(await page.budget.roomForAnother())) return false;
  const parked = ctx.db.query("parkedKeys").withIndex("by_rebuild_key", (q) => q.eq("rebuildId", rebuild._id));
  const redrives = ctx.db.query("redrives").withIndex("by_rebuild_state", (q) => q.eq("rebuildId", rebuild._id));
  const lanes = ctx.db.query("rebuildLanes").withIndex("by_rebuild_lane", (q) => q.eq("rebuildId", rebuild._id));
  for (const rows of [parked, redrives, lanes]) {
    for await (const row of rows) {
      await ctx.db.delete(row._id);
      if (!(await page.budget.roomForAnother())) return false;
    }
  }
  if (!(await removePlan(page, rebuild))) return false;
  await ctx.db.delete(rebuild._id);
  page.removed.rebuilds++;
  return true;
}

async function sweepDeadLetters(page: Page): Promise<boolean> {
  const { ctx, cursor } = page;
  const cutoff = page.nowMs - page.policy.deadLetterMaxAgeMs;
  const letters = ctx.db
    .query("deadLetters")
    .withIndex("by_creation_time", (q) =>
      cursor.position === undefined
        ? q.lt("_creationTime", cutoff)
        : q.gt("_creationTime", cursor.position).lt("_creationTime", cutoff),
    );
  const retained = new Map<string, boolean>();
  for await (const letter of letters) {
    let keep = retained.get(letter.rebuildId);
    if (keep === undefined) {
      const rebuild = await rebuildById(ctx, letter.rebuildId);
      keep = rebuild !== null && isRetained(rebuild, await findProjection(ctx, rebuild.projection));
      retained.set(letter.rebuildId, keep);
    }
    if (!keep) {
      await ctx.db.delete(letter._id);
      page.removed.deadLetters++;
    }
    cursor.position = letter._creationTime;
    if (!(await page.budget.roomForAnother())) return false;
  }
  return true;
}

async function sweepAuditLog(page: Page): Promise<boolean> {
  const cutoff = page.nowMs - page.policy.auditLogMaxAgeMs;
  const entries = page.ctx.db.query("auditLog").withIndex("by_at", (q) => q.lt("at", cutoff));
  for await (const entry of entries) {
    await page.ctx.db.delete(entry._id);
    page.removed.auditEntries++;
    if (!(await page.budget.roomForAnother())) return false;
  }
  return true;
}
