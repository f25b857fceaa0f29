// Reading projections from app code: always through the active generation, so a rebuild writing a
// new generation never shows half-built data, and the swap is atomic for readers too.
//
//   const stats = await activeReadModel(ctx, "rebufferByCdn");
//   const row = await stats.get({ cdn: "CDN1", device: "Android" });
//   const all = await stats.list();
import { v } from "convex/values";
import type { AnyProjection, Projection } from "../src/registry/index.ts";
import { components } from "./_generated/api";
import { internalQuery, type QueryCtx } from "./_generated/server";
import { registry } from "./projections";
import { GENERATION_KEY_INDEX } from "../src/server/tables.ts";
import { documentFields, findReadModelDocument } from "../src/server/read-model-storage.ts";

type Projections = (typeof registry.projections)[number];
type ProjectionNamed<Name> = Extract<Projections, { name: Name }>;
type DocOf<P> = P extends Projection<string, infer Doc, infer _Key> ? Doc : never;
type KeyOf<P> = P extends Projection<string, infer _Doc, infer Key> ? Key : never;

export interface ActiveReadModel<Doc, Key> {
  /** The generation queries read; null before the first rebuild completed (then everything is empty). */
  generation: number | null;
  get(key: Key): Promise<Doc | null>;
  /** Documents in key order; at most `limit` (default 1000) — use `page` for more. */
  list(limit?: number): Promise<Doc[]>;
}

/** Projects are read-model tables with a (generation, key) index; their typing is per projection. */
type ReadModelQuery = {
  withIndex(
    index: string,
    range: (q: { eq(field: string, value: unknown): unknown }) => unknown,
  ): { take(n: number): Promise<Array<Record<string, unknown>>> };
};

export async function activeReadModel<Name extends Projections["name"]>(
  ctx: QueryCtx,
  name: Name,
): Promise<ActiveReadModel<DocOf<ProjectionNamed<Name>>, KeyOf<ProjectionNamed<Name>>>> {
  const projection: AnyProjection = registry.require(name);
  const { active: generation } = await ctx.runQuery(components.reproject.projections.liveGenerations, { name });
  type Doc = DocOf<ProjectionNamed<Name>>;
  return {
    generation,
    async get(key) {
      if (generation === null) return null;
      const stored = await findReadModelDocument(ctx.db, name, generation, projection.readModel.encodeKey(key));
      return stored ? (documentFields(stored) as Doc) : null;
    },
    async list(limit = 1000) {
      if (generation === null) return [];
      const table = (ctx.db as unknown as { query(name: string): ReadModelQuery }).query(name);
      const docs = await table.withIndex(GENERATION_KEY_INDEX, (q) => q.eq("generation", generation)).take(limit);
      return docs.map((doc) => documentFields(doc as never) as Doc);
    },
  };
}

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
