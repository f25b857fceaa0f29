// Verify runs: the rebuild's generation is a shadow, compared with the active generation document
// by document, a window per transaction (the app reads its read-model tables and reports each
// window here), then discarded or kept for inspection or promotion. While a shadow is compared or
// kept, live appends update it like the active generation.
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { mutation, query, type MutationCtx } from "./_generated/server.js";
import { recordAudit } from "./audit.ts";
import { scheduleGenerationDeletion } from "./generationDeletions.ts";
import { notifyApp } from "./notifications.ts";
import { rebuildById, type Rebuild } from "./lifecycle.ts";
import { SYSTEM, VERIFY_SAMPLE_LIMIT, vDiffSample, type VerifyExpectation, type VerifyResult } from "./validators.ts";

/** A verify run's result before its first window is compared with `activeGeneration`. */
export function diffingFrom(activeGeneration: number | null): VerifyResult {
  return {
    activeGeneration,
    compared: 0,
    onlyInActive: 0,
    onlyInShadow: 0,
    changed: 0,
    samples: [],
    diffCursor: null,
    shadow: "diffing",
  };
}

/** The tail is applied: from here the shadow is compared, and kept current by live appends. */
export async function startDiffing(
  ctx: MutationCtx,
  rebuild: Rebuild,
  activeGeneration: number | null,
  projectionRowId: Doc<"projections">["_id"],
) {
  await ctx.db.patch(rebuild._id, { phase: "diffing", verify: diffingFrom(activeGeneration), updatedAt: Date.now() });
  await ctx.db.patch(projectionRowId, { shadowGeneration: rebuild.generation, shadowVersion: rebuild.version });
}

/** What the next window compares, while the run is diffing: the two generations and the last key compared. */
export const diffPosition = query({
  args: { rebuildId: v.string() },
  returns: v.union(
    v.null(),
    v.object({
      projection: v.string(),
      activeGeneration: v.union(v.number(), v.null()),
      shadowGeneration: v.number(),
      afterKey: v.union(v.string(), v.null()),
    }),
  ),
  handler: async (ctx, { rebuildId }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "diffing" || !rebuild.verify) return null;
    return {
      projection: rebuild.projection,
      activeGeneration: rebuild.verify.activeGeneration,
      shadowGeneration: rebuild.generation,
      afterKey: rebuild.verify.diffCursor,
    };
  },
});

/** Adds one compared window (its counts, and its first differences as samples); completes the run after the last one. */
export const recordDiff = mutation({
  args: {
    rebuildId: v.string(),
    compared: v.number(),
    onlyInActive: v.number(),
    onlyInShadow: v.number(),
    changed: v.number(),
    samples: v.array(vDiffSample),
    /** The fields that differ in the window's changed documents. */
    changedFields: v.array(v.string()),
    lastKey: v.union(v.string(), v.null()),
    done: v.boolean(),
  },
  returns: v.null(),
  handler: async (ctx, { rebuildId, lastKey, done, samples, changedFields, ...window }) => {
    const rebuild = await rebuildById(ctx, rebuildId);
    if (!rebuild || rebuild.state !== "running" || rebuild.phase !== "diffing" || !rebuild.verify) return null;
    const verify = rebuild.verify;
    const next: VerifyResult = {
      ...verify,
      compared: verify.compared + window.compared,
      onlyInActive: verify.onlyInActive + window.onlyInActive,
      onlyInShadow: verify.onlyInShadow + window.onlyInShadow,
      changed: verify.changed + window.changed,
      samples: [...verify.samples, ...samples].slice(0, VERIFY_SAMPLE_LIMIT),
      diffCursor: lastKey ?? verify.diffCursor,
      changedFields: [...new Set([...(verify.changedFields ?? []), ...changedFields])].sort(),
    };
    await ctx.db.patch(rebuild._id, { verify: next, updatedAt: Date.now() });
    if (done) await finishVerify(ctx, { ...rebuild, verify: next });
    return null;
  },
});

async function finishVerify(ctx: MutationCtx, rebuild: Rebuild & { verify: VerifyResult }) {
  const now = Date.now();
  const verdict = rebuild.promoteWithin ? judgeDifferences(rebuild.verify, rebuild.promoteWithin) : undefined;
  const keep = rebuild.keepShadow === true;
  const verify: VerifyResult = {
    ...rebuild.verify,
    shadow: keep ? "kept" : "discarded",
    ...(verdict ? { verdict } : {}),
  };
  await ctx.db.patch(rebuild._id, { state: "completed", phase: "finishing", finishedAt: now, updatedAt: now, verify });
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
  const completed = { ...rebuild, state: "completed" as const, verify };
  if (!verdict) {
    await notifyApp(ctx, completed, keep ? "waiting_for_operator" : "completed", keep ? KEPT_SHADOW : null);
    return;
  }
  if (verdict.within && (await promoteShadow(ctx, { ...rebuild, verify }, rebuild.version)) === "promoted") {
    await recordAudit(ctx, {
      actor: SYSTEM,
      action: "shadow_promoted",
      projection: rebuild.projection,
      rebuildId: rebuild._id,
      outcome: "promoted_automatically",
      details: `the differences stay within the expectation (${describeExpectation(rebuild.promoteWithin!)})`,
    });
    await notifyApp(ctx, completed, "completed");
    return;
  }
  await recordAudit(ctx, {
    actor: SYSTEM,
    action: "shadow_kept",
    projection: rebuild.projection,
    rebuildId: rebuild._id,
    outcome: "waiting_for_operator",
    details: `not promoted: ${verdict.reasons.join("; ")}; promote or discard it`,
  });
  await notifyApp(
    ctx,
    completed,
    "waiting_for_operator",
    `not promoted: ${verdict.reasons.join("; ")}; ${KEPT_SHADOW}`,
  );
}

const KEPT_SHADOW = "the shadow is kept until an operator promotes or discards it";

/** Whether a verify run's differences stay within the expectation, and each way they do not. */
export function judgeDifferences(
  verify: VerifyResult,
  expectation: VerifyExpectation,
): { within: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (verify.onlyInActive > 0) reasons.push(`${verify.onlyInActive} documents would disappear`);
  if (verify.onlyInShadow > 0) reasons.push(`${verify.onlyInShadow} documents would be added`);
  const allowed = new Set(expectation.mayChange);
  const unexpected = (verify.changedFields ?? []).filter((field) => !allowed.has(field));
  if (unexpected.length > 0) reasons.push(`fields that may not change changed: ${unexpected.join(", ")}`);
  const share = verify.compared === 0 ? 0 : verify.changed / verify.compared;
  if (share > expectation.maxChangedShare) {
    reasons.push(
      `${formatShare(share)} of the documents changed, more than the ${formatShare(expectation.maxChangedShare)} expected`,
    );
  }
  return { within: reasons.length === 0, reasons };
}

function describeExpectation({ mayChange, maxChangedShare }: VerifyExpectation): string {
  const fields = mayChange.length > 0 ? `only ${mayChange.join(", ")} may change` : "no field may change";
  return `${fields}, in at most ${formatShare(maxChangedShare)} of the documents, none missing or added`;
}

function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

function projectionOf(ctx: MutationCtx, rebuild: Rebuild) {
  return ctx.db
    .query("projections")
    .withIndex("by_name", (q) => q.eq("name", rebuild.projection))
    .unique();
}

/** Stops live appends to the shadow and deletes it in the background. */
export async function releaseShadow(ctx: MutationCtx, rebuild: Rebuild): Promise<void> {
  const row = await projectionOf(ctx, rebuild);
  if (row?.shadowGeneration === rebuild.generation)
    await ctx.db.patch(row._id, { shadowGeneration: undefined, shadowVersion: undefined });
  await scheduleGenerationDeletion(ctx, rebuild.projection, rebuild.generation);
}

/** Makes a kept shadow the active generation; the replaced one is deleted in the background. */
export async function promoteShadow(
  ctx: MutationCtx,
  rebuild: Rebuild,
  codeVersion: number | null,
): Promise<"promoted" | "not_promotable"> {
  const row = await projectionOf(ctx, rebuild);
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
    shadowVersion: undefined,
    frozenAfter: undefined,
    ...(rebuild.version === codeVersion ? { staleSince: undefined } : {}),
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
