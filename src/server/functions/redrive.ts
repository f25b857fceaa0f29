// Re-driving a `dead-letter-key` rebuild's dead letters after a fix: one bounded batch per
// transaction through the code's handlers into the rebuild's generation, committed with the letters
// marked in the same transaction; each batch schedules the next until no letter is left.
import { internalMutationGeneric } from "convex/server";
import { v } from "convex/values";
import { applyBatch, describeEventError, type AnyProjection } from "../../registry/index.ts";
import { redriveBatchArgs } from "../function-validators.ts";
import { ConvexReadModelStorage } from "../read-model-storage.ts";
import { scheduleEffects } from "../schedule-effects.ts";
import type { Wiring } from "../wiring.ts";

export function redriveFunctions(wiring: Wiring) {
  const { component, registry, refs } = wiring;
  return {
    redriveBatch: internalMutationGeneric({
      args: redriveBatchArgs,
      returns: v.null(),
      handler: async (ctx, { redriveId, expectedCursor }) => {
        const opening = await ctx.runQuery(component.redrives.openBatch, {
          redriveId,
          expectedCursor,
          limit: REDRIVE_BATCH,
        });
        // Stopped, or a batch run twice: the cursor already moved past it.
        if (opening.status !== "open") return null;
        const { rebuildId, letters } = opening;
        const code: AnyProjection = registry.require(opening.projection);
        const storage = new ConvexReadModelStorage(ctx.db, code.name, opening.generation);
        const result = await applyBatch(
          code,
          letters.map(({ event }) => event),
          {
            storage,
            policy: "dead-letter-key",
            raw: ctx,
            parkedKeys: async (keys) => {
              const blocked = await ctx.runQuery(component.redrives.blockedAmong, {
                redriveId,
                rebuildId,
                keys: [...keys],
              });
              return new Map(blocked.map(({ key, behind }) => [key, behind]));
            },
          },
        );
        if (result.failure) {
          await ctx.runMutation(component.redrives.fail, { redriveId, error: describeEventError(result.failure) });
          return null;
        }
        await storage.write(result.writes);
        await scheduleEffects(ctx, result.effects);
        const stillDead = new Map(result.deadLetters.map((letter) => [letter.globalPosition, letter]));
        const lastPosition =
          letters.length > 0 ? letters[letters.length - 1]!.event.globalPosition : (expectedCursor ?? 0);
        const done = letters.length < REDRIVE_BATCH;
        await ctx.runMutation(component.redrives.commitBatch, {
          redriveId,
          lastPosition,
          applied: letters.filter(({ event }) => !stillDead.has(event.globalPosition)).map(({ letterId }) => letterId),
          failedAgain: letters.flatMap(({ letterId, event }) => {
            const letter = stillDead.get(event.globalPosition);
            return letter ? [{ letterId, kind: letter.kind, reason: letter.reason }] : [];
          }),
          blocked: result.parked,
          done,
        });
        if (!done) await ctx.scheduler.runAfter(0, refs.redriveBatch, { redriveId, expectedCursor: lastPosition });
        return null;
      },
    }),
  };
}

/** Letters per transaction: each costs its document's writes plus its letter and parked keys (a few writes). */
const REDRIVE_BATCH = 200;
