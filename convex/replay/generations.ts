// Deleting a read-model generation that no query reads any more (replaced, cancelled, superseded),
// in background batches that stay inside a transaction's write limits. The component schedules it.
import { v } from "convex/values";
import type { GenericId } from "convex/values";
import { components, internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { GENERATION_KEY_INDEX } from "../../src/server/tables.ts";

/** Deletes per transaction: well under Convex's 16,000 writes and 16 MiB per mutation. */
export const GENERATION_DELETE_BATCH = 2_000;

export const deleteGeneration = internalMutation({
  args: { projection: v.string(), generation: v.number() },
  returns: v.number(),
  handler: async (ctx, { projection, generation }) => {
    const live = await ctx.runQuery(components.reproject.projections.liveGenerations, { name: projection });
    if (live.active === generation) return 0; // never delete what queries read
    const table = (
      ctx.db as unknown as {
        query(name: string): {
          withIndex(
            index: string,
            range: (q: { eq(field: string, value: unknown): unknown }) => unknown,
          ): { take(n: number): Promise<Array<{ _id: GenericId<string> }>> };
        };
      }
    ).query(projection);
    const batch = await table
      .withIndex(GENERATION_KEY_INDEX, (q) => q.eq("generation", generation))
      .take(GENERATION_DELETE_BATCH);
    for (const doc of batch) await ctx.db.delete(doc._id as never);
    if (batch.length === GENERATION_DELETE_BATCH) {
      await ctx.scheduler.runAfter(0, internal.replay.generations.deleteGeneration, { projection, generation });
    }
    return batch.length;
  },
});
