// Paging through a generation of a read model (app code reads the active one through
// `reproject.activeReadModel`, convex/reproject.ts).
import { v } from "convex/values";
import { components } from "./_generated/api";
import { internalQuery } from "./_generated/server";
import { registry } from "./projections";
import { GENERATION_KEY_INDEX } from "../src/server/tables.ts";
import { documentFields } from "../src/server/read-model-storage.ts";

/** A page of a generation's documents in key order (the CLI's dumps and tests). */
export const page = internalQuery({
  args: {
    projection: v.string(),
    generation: v.optional(v.number()),
    cursor: v.union(v.string(), v.null()),
    numItems: v.number(),
  },
  handler: async (ctx, { projection, generation, cursor, numItems }) => {
    registry.require(projection);
    const target =
      generation ?? (await ctx.runQuery(components.reproject.projections.liveGenerations, { name: projection })).active;
    if (target === null) return { page: [], isDone: true, continueCursor: "" };
    const table = (ctx.db as unknown as { query(name: string): { withIndex(index: string, range: (q: { eq(field: string, value: unknown): unknown }) => unknown): { paginate(options: { cursor: string | null; numItems: number }): Promise<{ page: Array<Record<string, unknown>>; isDone: boolean; continueCursor: string }> } } }).query(projection);
    const result = await table.withIndex(GENERATION_KEY_INDEX, (q) => q.eq("generation", target)).paginate({ cursor, numItems });
    return { ...result, page: result.page.map((doc) => documentFields(doc as never)) };
  },
});
