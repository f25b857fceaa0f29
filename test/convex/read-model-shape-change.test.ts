// A version bump that changes the read model's shape deploys: documents the old version wrote pass
// the schema the app has at the new version (a deployment validates every stored document against
// the schema on push, which convex-test does not), and the old generation serves until the swap.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { v, type GenericValidator, type VObject } from "convex/values";
import { validate } from "convex-helpers/validators";
import { zodOutputToConvex } from "convex-helpers/server/zod4";
import { internal } from "../../convex/_generated/api";
import { createConvexTest, projectionRowOf, settleRebuilds } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { sessionSummaryV2Document } from "../support/session-summary-v2";

const code = vi.hoisted(() => ({ version: 1 }));

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../convex/projections.ts")>();
  const { defineRegistry } = await import("../../src/registry/index.ts");
  const { sessionSummaryV2 } = await import("../support/session-summary-v2.ts");
  const atVersion = {
    1: original.registry,
    2: defineRegistry([original.rebufferByCdn, sessionSummaryV2(original.playbackEvents)]),
  } as const;
  return {
    ...original,
    get registry() {
      return atVersion[code.version as 1 | 2];
    },
  };
});

beforeAll(async () => {
  process.env.REPROJECT_ARCHIVE = await localDemoArchive(3_000, 52);
});
beforeEach(() => {
  vi.useFakeTimers();
  code.version = 1;
});
afterEach(() => vi.useRealTimers());

type T = ReturnType<typeof createConvexTest>;
const storedSummaries = (t: T) => t.run((ctx) => ctx.db.query("sessionSummary").collect());

/** The app's schema as a push at the deployed code's version evaluates it. */
async function schemaAtDeployedVersion() {
  vi.resetModules();
  return (await import("../../convex/schema.ts")).default;
}

describe("a version bump that changes the read model's shape", () => {
  it("passes schema validation of every stored document at version 2, and swaps without downtime", async () => {
    const t = createConvexTest();
    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    const v1Documents = await storedSummaries(t);
    expect(v1Documents.length).toBeGreaterThan(10);
    expect(v1Documents[0]!.document).toHaveProperty("errorCount");

    code.version = 2;
    const schemaV2 = await schemaAtDeployedVersion();
    const table = schemaV2.tables.sessionSummary.validator;
    for (const { _id, _creationTime, ...stored } of v1Documents) {
      expect(validate(table, stored, { throw: false })).toBe(true);
    }
    // The check is a real one: a table that declared the document's fields would refuse the push.
    const declaringFields = v.object({
      ...(zodOutputToConvex(sessionSummaryV2Document) as unknown as VObject<unknown, Record<string, GenericValidator>>)
        .fields,
      generation: v.number(),
      key: v.string(),
    });
    for (const stored of v1Documents) {
      const flat = { ...stored.document, generation: stored.generation, key: stored.key };
      expect(validate(declaringFields, flat, { throw: false })).toBe(false);
    }

    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "sessionSummary",
      action: "started",
    });
    // Until the v2 generation swaps in, readers get the v1 generation.
    expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({
      activeGeneration: 1,
      builtVersion: 1,
      version: 2,
    });
    await settleRebuilds(t);
    expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({ activeGeneration: 2, builtVersion: 2 });

    const afterSwap = await storedSummaries(t);
    const v2Generation = afterSwap.filter((stored) => stored.generation === 2);
    expect(v2Generation).toHaveLength(v1Documents.length);
    for (const { _id, _creationTime, ...stored } of afterSwap)
      expect(validate(table, stored, { throw: false })).toBe(true);
    for (const stored of v2Generation) {
      expect(sessionSummaryV2Document.parse(stored.document)).toEqual(stored.document);
      const v1 = v1Documents.find((old) => old.key === stored.key)!.document;
      expect(stored.document.events).toBe(v1.eventCount);
      expect(stored.document.rebufferCount).toBe(v1.rebufferCount);
      expect(new Date(stored.document.firstAtMs).toISOString()).toBe(v1.firstAt);
    }
  });
});
