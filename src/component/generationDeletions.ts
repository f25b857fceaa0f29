// Deleting a generation no query reads any more, in the background: the app's deleteGeneration
// deletes one page per transaction (cut by what the page reads and writes, see
// src/replay/transaction-budget.ts) as work on the replay pool, and each page's onComplete chains
// the next. A page that fails (a conflict, a limit, an outage) is retried with backoff a bounded
// number of times; then the deletion stays `failed`, with the reason, here and in the audit log.
import { vOnCompleteArgs } from "@convex-dev/workpool";
import type { FunctionHandle } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import type { Doc } from "./_generated/dataModel.js";
import { internalMutation, type MutationCtx } from "./_generated/server.js";
import { appFunctionsOf } from "./appFunctions.ts";
import { recordAudit } from "./audit.ts";
import { replayPool } from "./replayPool.ts";
import { SYSTEM, type GenerationDeletionPage } from "./validators.ts";

/** Attempts at one page before the deletion is marked failed: 1 + 4 + 16 + 64 + 256 s of backoff, about 6 minutes. */
export const GENERATION_DELETION_ATTEMPTS = 6;
const FIRST_RETRY_MS = 1_000;
const RETRY_BASE = 4;

type GenerationDeletion = Doc<"generationDeletions">;

/** Deletes the generation in the background (once: a deletion already under way goes on; a failed one starts again). */
export async function scheduleGenerationDeletion(
  ctx: MutationCtx,
  projection: string,
  generation: number,
): Promise<void> {
  const existing = await ctx.db
    .query("generationDeletions")
    .withIndex("by_projection_generation", (q) => q.eq("projection", projection).eq("generation", generation))
    .unique();
  if (existing && existing.state !== "failed") return;
  const now = Date.now();
  const fresh = { state: "deleting" as const, attempts: 0, lastError: undefined, retryAt: undefined, updatedAt: now };
  const id = existing
    ? (await ctx.db.patch(existing._id, fresh), existing._id)
    : await ctx.db.insert("generationDeletions", { projection, generation, deleted: 0, requestedAt: now, ...fresh });
  await enqueuePage(ctx, (await ctx.db.get(id))!, 0);
}

async function enqueuePage(ctx: MutationCtx, deletion: GenerationDeletion, delayMs: number): Promise<void> {
  const app = await appFunctionsOf(ctx);
  await (
    await replayPool(ctx)
  ).enqueueMutation(
    ctx,
    app.deleteGeneration as FunctionHandle<"mutation">,
    { projection: deletion.projection, generation: deletion.generation },
    {
      name: `delete:${deletion.projection}:${deletion.generation}`,
      runAfter: delayMs,
      onComplete: internal.generationDeletions.pageFinished,
      context: { deletionId: deletion._id },
    },
  );
}

/** onComplete of every page: the next page, a retry after backoff, or the end (done or failed for good). */
export const pageFinished = internalMutation({
  args: vOnCompleteArgs(v.object({ deletionId: v.id("generationDeletions") })),
  returns: v.null(),
  handler: async (ctx, { context, result }) => {
    const deletion = await ctx.db.get(context.deletionId);
    if (!deletion) return null;
    const now = Date.now();
    if (result.kind === "success") {
      const page = result.returnValue as GenerationDeletionPage;
      if (page.done) {
        await ctx.db.delete(deletion._id);
        return null;
      }
      const next = {
        state: "deleting" as const,
        attempts: 0,
        deleted: deletion.deleted + page.deleted,
        updatedAt: now,
      };
      await ctx.db.patch(deletion._id, { ...next, lastError: undefined, retryAt: undefined });
      await enqueuePage(ctx, { ...deletion, ...next }, 0);
      return null;
    }
    const attempts = deletion.attempts + 1;
    const lastError = result.kind === "failed" ? result.error : "the page was canceled";
    if (attempts >= GENERATION_DELETION_ATTEMPTS) {
      await ctx.db.patch(deletion._id, { state: "failed", attempts, lastError, retryAt: undefined, updatedAt: now });
      await recordAudit(ctx, {
        actor: SYSTEM,
        action: "generation_deletion_failed",
        projection: deletion.projection,
        outcome: "failed",
        details:
          `deleting generation ${deletion.generation} of ${deletion.projection} stopped after ${attempts} attempts ` +
          `(${deletion.deleted} documents deleted): ${lastError}. Its documents stay until the daily retention ` +
          `sweep starts the deletion again (reproject:applyRetention runs it now).`,
      });
      return null;
    }
    const delayMs = FIRST_RETRY_MS * RETRY_BASE ** (attempts - 1);
    await ctx.db.patch(deletion._id, {
      state: "retrying",
      attempts,
      lastError,
      retryAt: now + delayMs,
      updatedAt: now,
    });
    await enqueuePage(ctx, deletion, delayMs);
    return null;
  },
});
