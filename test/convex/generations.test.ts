import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import { GENERATION_DELETE_BATCH } from "../../src/server/functions/read-models.ts";
import { createConvexTest, inComponent } from "../support/convex";
import { storedDocument } from "../support/read-model";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("deleting an old generation", () => {
  it("deletes a generation larger than one transaction may write, in batches, and never the active one", async () => {
    // A transaction here may write a little more than one deletion batch, far less than the generation.
    const t = createConvexTest({ documentsWritten: GENERATION_DELETE_BATCH + 10 });
    const size = GENERATION_DELETE_BATCH * 2 + 345;
    for (let offset = 0; offset < size; offset += 1_000) {
      await t.run(async (ctx) => {
        for (let i = offset; i < Math.min(size, offset + 1_000); i++) {
          const doc = {
            streamId: `s${i}`,
            eventCount: 1,
            rebufferCount: 0,
            errorCount: 0,
            firstAt: "2025-01-01T00:00:00.000Z",
            lastAt: "2025-01-01T00:00:00.000Z",
          };
          await ctx.db.insert("sessionSummary", storedDocument(1, doc.streamId, doc));
          if (i < 10) await ctx.db.insert("sessionSummary", storedDocument(2, doc.streamId, doc));
        }
      });
    }
    await inComponent(t, (ctx) =>
      ctx.db.insert("projections", { name: "sessionSummary", version: 1, activeGeneration: 2, lastGeneration: 2 }),
    );

    expect(await t.mutation(internal.reproject.deleteGeneration, { projection: "sessionSummary", generation: 1 })).toBe(
      GENERATION_DELETE_BATCH,
    );
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(10), 100);
    const remaining = await t.run((ctx) => ctx.db.query("sessionSummary").collect());
    expect(remaining.filter((doc) => doc.generation === 1)).toHaveLength(0);
    expect(remaining.filter((doc) => doc.generation === 2)).toHaveLength(10);

    expect(await t.mutation(internal.reproject.deleteGeneration, { projection: "sessionSummary", generation: 2 })).toBe(
      0,
    );
    expect(await t.run((ctx) => ctx.db.query("sessionSummary").collect())).toHaveLength(10);
  });
});
