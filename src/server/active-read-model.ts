// Reading projections from app code: always through the active generation, so a rebuild writing a
// new generation never shows half-built data, and the swap is atomic for readers too.
//
//   const stats = await reproject.activeReadModel(ctx, "rebufferByCdn");
//   const row = await stats.get({ cdn: "CDN1", device: "Android" });
//   const all = await stats.list();
import type { GenericQueryCtx } from "convex/server";
import type { AnyProjection, Projection } from "../registry/index.ts";
import type { ReprojectConfig } from "./config.ts";
import { documentFields, findReadModelDocument, generationRows } from "./read-model-storage.ts";

type ProjectionNamed<P, Name> = Extract<P, { name: Name }>;
type DocOf<P> = P extends Projection<string, infer Doc, infer _Key> ? Doc : never;
type KeyOf<P> = P extends Projection<string, infer _Doc, infer Key> ? Key : never;

export interface ActiveReadModel<Doc, Key> {
  /** The generation queries read; null before the first rebuild completed (then everything is empty). */
  generation: number | null;
  get(key: Key): Promise<Doc | null>;
  /** Documents in key order; at most `limit` (default 1000) — use `page` for more. */
  list(limit?: number): Promise<Doc[]>;
}

export async function activeReadModel<P extends AnyProjection, Name extends P["name"]>(
  ctx: GenericQueryCtx<any>,
  reproject: ReprojectConfig<P>,
  name: Name,
): Promise<ActiveReadModel<DocOf<ProjectionNamed<P, Name>>, KeyOf<ProjectionNamed<P, Name>>>> {
  const projection: AnyProjection = reproject.registry.require(name);
  const { active: generation } = await ctx.runQuery(reproject.component.projections.liveGenerations, { name });
  type Doc = DocOf<ProjectionNamed<P, Name>>;
  return {
    generation,
    async get(key) {
      if (generation === null) return null;
      const stored = await findReadModelDocument(ctx.db, name, generation, projection.readModel.encodeKey(key));
      return stored ? (documentFields(stored) as Doc) : null;
    },
    async list(limit = 1000) {
      if (generation === null) return [];
      const docs = await generationRows(ctx.db, name, generation).take(limit);
      return docs.map((doc) => documentFields(doc) as Doc);
    },
  };
}
