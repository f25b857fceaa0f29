// Verify runs, the app's side: each window of the comparison reads the active and the shadow
// generation from the projection's read-model table and reports what differs to the component.
import { v } from "convex/values";
import type { AnyProjection } from "../../src/registry/index.ts";
import { diffWindow, type Difference, type StoredDocument } from "../../src/replay/read-model-diff.ts";
import { VERIFY_SAMPLE_LIMIT } from "../../src/component/validators.ts";
import { components } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { registry } from "../projections";
import { GENERATION_KEY_INDEX } from "../../src/server/tables.ts";
import { documentFields } from "../../src/server/read-model-storage.ts";

/** Documents read per side per transaction: 2,000 reads, far inside Convex's 32,000 and 16 MiB. */
export const VERIFY_DIFF_BATCH = 1_000;

type PageQuery = {
  withIndex(
    index: string,
    range: (q: {
      eq(field: string, value: unknown): { gt(field: string, value: unknown): unknown } & unknown;
    }) => unknown,
  ): { take(n: number): Promise<Array<Record<string, unknown>>> };
};

async function pageAfter(ctx: MutationCtx, table: string, generation: number | null, after: string | null) {
  if (generation === null) return [];
  const query = (ctx.db as unknown as { query(name: string): PageQuery }).query(table);
  const docs = await query
    .withIndex(GENERATION_KEY_INDEX, (q) =>
      after === null ? q.eq("generation", generation) : q.eq("generation", generation).gt("key", after),
    )
    .take(VERIFY_DIFF_BATCH);
  return docs.map((doc): StoredDocument => ({ key: doc.key as string, fields: documentFields(doc as never) }));
}

/** Compares the next window; the component completes the verify run after the last one. */
export const diffBatch = internalMutation({
  args: { rebuildId: v.string() },
  returns: v.object({ done: v.boolean() }),
  handler: async (ctx, { rebuildId }) => {
    const position = await ctx.runQuery(components.reproject.verify.diffPosition, { rebuildId });
    if (!position) return { done: true };
    const projection: AnyProjection = registry.require(position.projection);
    const active = await pageAfter(ctx, projection.name, position.activeGeneration, position.afterKey);
    const shadow = await pageAfter(ctx, projection.name, position.shadowGeneration, position.afterKey);
    const window = diffWindow(
      active,
      active.length === VERIFY_DIFF_BATCH,
      shadow,
      shadow.length === VERIFY_DIFF_BATCH,
      new Set(projection.readModel.verifyIgnores),
    );
    const count = (kind: Difference["kind"]) => window.differences.filter((difference) => difference.kind === kind).length;
    await ctx.runMutation(components.reproject.verify.recordDiff, {
      rebuildId,
      compared: window.compared,
      onlyInActive: count("only_in_active"),
      onlyInShadow: count("only_in_shadow"),
      changed: count("changed"),
      samples: window.differences.slice(0, VERIFY_SAMPLE_LIMIT),
      lastKey: window.lastKey,
      done: window.done,
    });
    return { done: window.done };
  },
});
