// Verify runs: the rebuild's generation is a shadow, compared with the active generation document
// by document, a window per transaction, then discarded or kept for inspection or promotion.
// While a shadow is being compared or kept, live appends update it like the active generation.
import { v } from "convex/values";
import type { AnyProjection } from "../../src/registry/index.ts";
import { diffWindow, type StoredDocument } from "../../src/replay/read-model-diff.ts";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { recordAudit } from "../audit";
import { SYSTEM } from "../auth";
import { registry } from "../projections";
import { GENERATION_KEY_INDEX } from "../readModelTables";
import type { DiffSample, VerifyResult } from "../../src/component/validators.ts";
import { scheduleGenerationDeletion } from "./generations";
import { documentFields } from "./readModelStorage";

/** Documents read per side per transaction: 2,000 reads, far inside Convex's 32,000 and 16 MiB. */
export const VERIFY_DIFF_BATCH = 1_000;
export const VERIFY_SAMPLE_LIMIT = 20;

type Rebuild = Doc<"rebuilds">;

/** The tail is applied: from here the shadow is compared, and kept current by live appends. */
export async function startDiffing(
  ctx: MutationCtx,
  rebuild: Rebuild,
  activeGeneration: number | null,
  projectionRowId: Doc<"projections">["_id"],
) {
  const verify: VerifyResult = {
    activeGeneration,
    compared: 0,
    onlyInActive: 0,
    onlyInShadow: 0,
    changed: 0,
    samples: [],
    diffCursor: null,
    shadow: "diffing",
  };
  await ctx.db.patch(rebuild._id, { phase: "diffing", verify, updatedAt: Date.now() });
  await ctx.db.patch(projectionRowId, { shadowGeneration: rebuild.generation });
}

export const beginDiff = internalQuery({
  args: { rebuildId: v.id("rebuilds") },
  returns: v.boolean(),
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await ctx.db.get(rebuildId);
    return rebuild?.state === "running" && rebuild.phase === "diffing";
  },
});

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

/** Compares the next window; completes the verify run after the last one. */
export const diffBatch = internalMutation({
  args: { rebuildId: v.id("rebuilds") },
  returns: v.object({ done: v.boolean() }),
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await ctx.db.get(rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "diffing" || !rebuild.verify)
      return { done: true };
    const projection: AnyProjection = registry.require(rebuild.projection);
    const verify = rebuild.verify;
    const active = await pageAfter(ctx, projection.name, verify.activeGeneration, verify.diffCursor);
    const shadow = await pageAfter(ctx, projection.name, rebuild.generation, verify.diffCursor);
    const window = diffWindow(
      active,
      active.length === VERIFY_DIFF_BATCH,
      shadow,
      shadow.length === VERIFY_DIFF_BATCH,
      new Set(projection.readModel.verifyIgnores),
    );
    const samples: DiffSample[] = [...verify.samples];
    for (const difference of window.differences) {
      if (samples.length >= VERIFY_SAMPLE_LIMIT) break;
      samples.push(difference);
    }
    const count = (kind: DiffSample["kind"]) =>
      window.differences.filter((difference) => difference.kind === kind).length;
    const next: VerifyResult = {
      ...verify,
      compared: verify.compared + window.compared,
      onlyInActive: verify.onlyInActive + count("only_in_active"),
      onlyInShadow: verify.onlyInShadow + count("only_in_shadow"),
      changed: verify.changed + count("changed"),
      samples,
      diffCursor: window.lastKey ?? verify.diffCursor,
    };
    await ctx.db.patch(rebuild._id, { verify: next, updatedAt: Date.now() });
    if (window.done) await finishVerify(ctx, { ...rebuild, verify: next });
    return { done: window.done };
  },
});

async function finishVerify(ctx: MutationCtx, rebuild: Rebuild & { verify: VerifyResult }) {
  const now = Date.now();
  const keep = rebuild.keepShadow === true;
  await ctx.db.patch(rebuild._id, {
    state: "completed",
    phase: "finishing",
    finishedAt: now,
    updatedAt: now,
    verify: { ...rebuild.verify, shadow: keep ? "kept" : "discarded" },
  });
  if (!keep) await releaseShadow(ctx, rebuild);
  const { onlyInActive, onlyInShadow, changed, compared } = rebuild.verify;
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "verify_completed",
    projection: rebuild.projection,
    rebuildId: rebuild._id,
    outcome: onlyInActive + onlyInShadow + changed === 0 ? "no_differences" : "differences",
    details: `${compared} compared: ${changed} changed, ${onlyInActive} only in active, ${onlyInShadow} only in shadow; shadow ${keep ? "kept" : "discarded"}`,
  });
}

/** Stops live appends to the shadow and deletes it in the background. */
export async function releaseShadow(ctx: MutationCtx, rebuild: Rebuild): Promise<void> {
  const row = await ctx.db
    .query("projections")
    .withIndex("by_name", (q) => q.eq("name", rebuild.projection))
    .unique();
  if (row?.shadowGeneration === rebuild.generation) await ctx.db.patch(row._id, { shadowGeneration: undefined });
  await scheduleGenerationDeletion(ctx, rebuild.projection, rebuild.generation);
}

/** Makes a kept shadow the active generation; the replaced one is deleted in the background. */
export async function promoteShadow(ctx: MutationCtx, rebuild: Rebuild): Promise<"promoted" | "not_promotable"> {
  const row = await ctx.db
    .query("projections")
    .withIndex("by_name", (q) => q.eq("name", rebuild.projection))
    .unique();
  if (
    !row ||
    rebuild.mode !== "verify" ||
    rebuild.verify?.shadow !== "kept" ||
    row.shadowGeneration !== rebuild.generation
  ) {
    return "not_promotable";
  }
  const replaced = row.activeGeneration;
  await ctx.db.patch(row._id, {
    activeGeneration: rebuild.generation,
    builtVersion: rebuild.version,
    shadowGeneration: undefined,
    ...(rebuild.version === registry.get(rebuild.projection)?.version ? { staleSince: undefined } : {}),
  });
  await ctx.db.patch(rebuild._id, { verify: { ...rebuild.verify, shadow: "promoted" } });
  if (replaced !== null && replaced !== rebuild.generation)
    await scheduleGenerationDeletion(ctx, rebuild.projection, replaced);
  return "promoted";
}

export async function discardShadow(ctx: MutationCtx, rebuild: Rebuild): Promise<"discarded" | "not_kept"> {
  if (rebuild.mode !== "verify" || rebuild.verify?.shadow !== "kept") return "not_kept";
  await ctx.db.patch(rebuild._id, { verify: { ...rebuild.verify, shadow: "discarded" } });
  await releaseShadow(ctx, rebuild);
  return "discarded";
}
