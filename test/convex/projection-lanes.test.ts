// What clients are told about lanes before they trigger: whether a projection can be rebuilt in
// lanes (it declares a lane key), in how many a rebuild runs unless asked, and the most it may ask.
import { describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { createConvexTest } from "../support/convex";

// rebufferByCdn without a lane key, sessionSummary with a default of 4 lanes.
vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../convex/projections.ts")>();
  const { defineRegistry } = await import("../../src/registry/index.ts");
  const rebufferByCdn = Object.create(original.rebufferByCdn, { lanes: { value: undefined } });
  const sessionSummary = Object.create(original.sessionSummary, {
    lanes: { value: { ...original.sessionSummary.lanes!, count: 4 } },
  });
  return { ...original, rebufferByCdn, sessionSummary, registry: defineRegistry([rebufferByCdn, sessionSummary]) };
});

const ADMIN = { subject: "ops-1", role: "admin" };

describe("projections and their lanes", () => {
  it("lists a projection with a lane key with its default and most lanes, one without as not splittable", async () => {
    const t = createConvexTest();
    const projections = await t.withIdentity(ADMIN).query(api.rebuilds.projections, {});
    const lanesOf = (name: string) => projections.find((projection) => projection.name === name)?.lanes;
    expect(lanesOf("sessionSummary")).toEqual({ defaultCount: 4, maxCount: 16 });
    expect(lanesOf("rebufferByCdn")).toBeNull();
  });

  it("rejects lanes for the projection without a lane key, saying why", async () => {
    const t = createConvexTest();
    const answer = await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, {
      projection: "rebufferByCdn",
      options: { lanes: 4 },
    });
    expect(answer).toMatchObject({ status: "rejected" });
    expect((answer as { reason: string }).reason).toMatch(
      /^rebufferByCdn cannot be rebuilt in lanes: it declares no lane key/,
    );
  });
});
