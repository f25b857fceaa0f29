// The app-side functions over its read-model tables: paging a generation, deleting one no query
// reads any more, and comparing a verify run's shadow with the active generation.
import { internalMutationGeneric, internalQueryGeneric, type GenericDatabaseReader } from "convex/server";
import { v } from "convex/values";
import type { AnyProjection } from "../../registry/index.ts";
import {
  VERIFY_SAMPLE_LIMIT,
  vGenerationDeletionPage,
  type GenerationDeletionPage,
} from "../../component/validators.ts";
import { diffSample } from "../../replay/diff-sample.ts";
import { TransactionBudget } from "../../replay/transaction-budget.ts";
import { diffWindow, type Difference, type StoredDocument } from "../../replay/read-model-diff.ts";
import { deleteGenerationArgs, diffBatchArgs, vDiffBatchAnswer } from "../function-validators.ts";
import { documentFields, generationRows } from "../read-model-storage.ts";
import type { Wiring } from "../wiring.ts";

/** Documents read per side per transaction: 2,000 reads, far inside Convex's 32,000 and 16 MiB. */
export const VERIFY_DIFF_BATCH = 1_000;

export function readModelFunctions({ component, registry, refs }: Wiring) {
  async function windowOf(
    db: GenericDatabaseReader<any>,
    table: string,
    generation: number | null,
    afterKey: string | null,
  ) {
    if (generation === null) return [];
    const rows = await generationRows(db, table, generation, afterKey).take(VERIFY_DIFF_BATCH);
    return rows.map((row): StoredDocument => ({ key: row.key, fields: documentFields(row) }));
  }

  return {
    /** A page of a generation's documents in key order (the active one by default): the CLI's dumps and tests. */
    readModelPage: internalQueryGeneric({
      args: {
        projection: v.string(),
        generation: v.optional(v.number()),
        cursor: v.union(v.string(), v.null()),
        numItems: v.number(),
      },
      handler: async (ctx, { projection, generation, cursor, numItems }) => {
        registry.require(projection);
        const target =
          generation ?? (await ctx.runQuery(component.projections.liveGenerations, { name: projection })).active;
        if (target === null) return { page: [], isDone: true, continueCursor: "" };
        const result = await generationRows(ctx.db, projection, target).paginate({ cursor, numItems });
        return { ...result, page: result.page.map(documentFields) };
      },
    }),

    /**
     * Deletes a page of a generation no query reads (replaced, cancelled, superseded): documents
     * until the next one could take the transaction past half of a limit, whatever their size. The
     * component runs the pages (src/component/generationDeletions.ts).
     */
    deleteGeneration: internalMutationGeneric({
      args: deleteGenerationArgs,
      returns: vGenerationDeletionPage,
      handler: async (ctx, { projection, generation }): Promise<GenerationDeletionPage> => {
        const live = await ctx.runQuery(component.projections.liveGenerations, { name: projection });
        if (live.active === generation) return { deleted: 0, done: true }; // never delete what queries read
        const budget = await TransactionBudget.start(ctx.meta);
        let deleted = 0;
        for await (const row of generationRows(ctx.db, projection, generation)) {
          await ctx.db.delete(row._id);
          deleted++;
          if (!(await budget.roomForAnother())) return { deleted, done: false };
        }
        return { deleted, done: true };
      },
    }),

    /** Compares the next window of a verify run; the component completes the run after the last one. */
    diffBatch: internalMutationGeneric({
      args: diffBatchArgs,
      returns: vDiffBatchAnswer,
      handler: async (ctx, { rebuildId }) => {
        const position = await ctx.runQuery(component.verify.diffPosition, { rebuildId });
        if (!position) return { done: true };
        const projection: AnyProjection = registry.require(position.projection);
        const active = await windowOf(ctx.db, projection.name, position.activeGeneration, position.afterKey);
        const shadow = await windowOf(ctx.db, projection.name, position.shadowGeneration, position.afterKey);
        const window = diffWindow(
          active,
          active.length === VERIFY_DIFF_BATCH,
          shadow,
          shadow.length === VERIFY_DIFF_BATCH,
          new Set(projection.readModel.verifyIgnores),
        );
        const count = (kind: Difference["kind"]) =>
          window.differences.filter((difference) => difference.kind === kind).length;
        await ctx.runMutation(component.verify.recordDiff, {
          rebuildId,
          compared: window.compared,
          onlyInActive: count("only_in_active"),
          onlyInShadow: count("only_in_shadow"),
          changed: count("changed"),
          samples: window.differences.slice(0, VERIFY_SAMPLE_LIMIT).map(diffSample),
          changedFields: [
            ...new Set(
              window.differences.flatMap((difference) => (difference.kind === "changed" ? difference.fields : [])),
            ),
          ],
          lastKey: window.lastKey,
          done: window.done,
        });
        return { done: window.done };
      },
    }),
  };
}
