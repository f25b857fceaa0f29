import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { reproject } from "../../convex/reproject";
import { internal } from "../../convex/_generated/api";
import { GENERATION_DELETION_ATTEMPTS, scheduleGenerationDeletion } from "../../src/component/generationDeletions.ts";
import { appFunctions } from "../../src/server/app-functions.ts";
import { componentDocuments, createConvexTest, inComponent, runUntil, stepUntil } from "../support/convex";
import { storedDocument } from "../support/read-model";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

type T = ReturnType<typeof createConvexTest>;

/** Documents of `bytes` bytes each (the read model's document has one long field). */
async function insertGeneration(t: T, generation: number, count: number, bytes: number) {
  const perTransaction = Math.min(500, Math.floor(150_000 / bytes));
  for (let offset = 0; offset < count; offset += perTransaction) {
    await t.run(async (ctx) => {
      for (let i = offset; i < Math.min(count, offset + perTransaction); i++) {
        const key = `s${String(i).padStart(6, "0")}`;
        await ctx.db.insert(
          "sessionSummary",
          storedDocument(generation, key, { streamId: key, notes: "x".repeat(bytes) }),
        );
      }
    });
  }
}

const insertDocument = (t: T, key: string, bytes: number) =>
  t.run((ctx) => ctx.db.insert("sessionSummary", storedDocument(1, key, { streamId: key, notes: "x".repeat(bytes) })));

/** The projection with generation 2 active, and the app's functions the engine runs, as a deployment has them. */
async function projectionWithActiveGeneration(t: T) {
  const app = await t.run(() => appFunctions(reproject.wiring));
  await inComponent(t, async (ctx) => {
    await ctx.db.insert("appFunctions", app);
    await ctx.db.insert("projections", { name: "sessionSummary", version: 1, activeGeneration: 2, lastGeneration: 2 });
  });
}

async function generationsLeft(t: T) {
  const docs = await t.run((ctx) => ctx.db.query("sessionSummary").collect());
  return {
    one: docs.filter((doc) => doc.generation === 1).length,
    two: docs.filter((doc) => doc.generation === 2).length,
  };
}

describe("deleting an old generation", () => {
  it("deletes a generation larger than one transaction may write, in batches, and never the active one", async () => {
    const t = createConvexTest({ documentsWritten: 1_000 });
    await insertGeneration(t, 1, 4_345, 10);
    await insertGeneration(t, 2, 10, 10);
    await projectionWithActiveGeneration(t);

    await inComponent(t, (ctx) => scheduleGenerationDeletion(ctx, "sessionSummary", 1));
    await inComponent(t, (ctx) => scheduleGenerationDeletion(ctx, "sessionSummary", 2));
    await runUntil(t, async () => (await componentDocuments(t, "generationDeletions")).length === 0);
    expect(await generationsLeft(t)).toEqual({ one: 0, two: 10 });
  });

  it("deletes big documents in pages under half of the read and write limits, whatever their size", async () => {
    // 300 documents of 20 KB: 6 MB, against 400 KB a transaction may read or write. Deletion takes
    // 2,000 documents per page when it counts documents only.
    const t = createConvexTest({ bytesRead: 400_000, bytesWritten: 400_000 });
    await insertGeneration(t, 1, 300, 20_000);
    await insertGeneration(t, 2, 3, 20_000);
    await projectionWithActiveGeneration(t);

    await inComponent(t, (ctx) => scheduleGenerationDeletion(ctx, "sessionSummary", 1));
    await runUntil(t, async () => (await generationsLeft(t)).one === 0);
    expect(await generationsLeft(t)).toEqual({ one: 0, two: 3 });
    expect(await componentDocuments(t, "generationDeletions")).toEqual([]);
  });

  it("retries a failed deletion with backoff, and it finishes once the failure passes", async () => {
    // The first page deletes the 100 KB document; the next reads the 390 KB one besides its own
    // reads, past the 400 KB a transaction may read, so every attempt fails until it shrinks.
    const t = createConvexTest({ bytesRead: 400_000 });
    await insertDocument(t, "a", 100_000);
    const big = await insertDocument(t, "b", 390_000);
    await projectionWithActiveGeneration(t);

    await inComponent(t, (ctx) => scheduleGenerationDeletion(ctx, "sessionSummary", 1));
    await stepUntil(t, async () => (await componentDocuments(t, "generationDeletions"))[0]?.attempts === 2);
    const [retrying] = await componentDocuments(t, "generationDeletions");
    expect(retrying).toMatchObject({ state: "retrying", projection: "sessionSummary", generation: 1 });
    expect(retrying!.lastError).toMatch(/Read too much data/);
    expect(retrying!.retryAt).toBeGreaterThan(Date.now());
    expect(await generationsLeft(t)).toEqual({ one: 1, two: 0 });

    await t.run((ctx) => ctx.db.replace(big, storedDocument(1, "b", { streamId: "b", notes: "small" })));
    await runUntil(t, async () => (await componentDocuments(t, "generationDeletions")).length === 0);
    expect(await generationsLeft(t)).toEqual({ one: 0, two: 0 });
  });

  it("marks a deletion that keeps failing as failed, with the reason, in the audit log; the retention sweep starts it again", async () => {
    const t = createConvexTest({ bytesRead: 400_000 });
    await insertDocument(t, "a", 100_000);
    const big = await insertDocument(t, "b", 390_000);
    await projectionWithActiveGeneration(t);

    await inComponent(t, (ctx) => scheduleGenerationDeletion(ctx, "sessionSummary", 1));
    await runUntil(t, async () => (await componentDocuments(t, "generationDeletions"))[0]?.state === "failed", 200);
    const [failed] = await componentDocuments(t, "generationDeletions");
    expect(failed).toMatchObject({
      projection: "sessionSummary",
      generation: 1,
      attempts: GENERATION_DELETION_ATTEMPTS,
    });
    const audit = await componentDocuments(t, "auditLog");
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "generation_deletion_failed",
        projection: "sessionSummary",
        outcome: "failed",
        details: expect.stringMatching(/generation 1 .*6 attempts.*Read too much data/),
      }),
    );

    await t.run((ctx) => ctx.db.replace(big, storedDocument(1, "b", { streamId: "b", notes: "small" })));
    await t.mutation(internal.reproject.applyRetention, {});
    await runUntil(t, async () => (await componentDocuments(t, "generationDeletions")).length === 0);
    expect(await generationsLeft(t)).toEqual({ one: 0, two: 0 });
  });
});
