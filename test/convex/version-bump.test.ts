// Automatic rebuilds on version bumps: exactly one rebuild per version, no loops, a running rebuild
// of an older version restarted once, removed projections reported with their data kept.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import {
  createConvexTest,
  inComponent,
  projectionRowOf,
  rebuildsOf,
  settleRebuilds,
  stepUntil,
} from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";

const code = vi.hoisted(() => ({ sessionSummaryVersion: 1 }));

// The deployed code's version of sessionSummary, changeable between "deploys".
vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withSessionSummaryVersion } = await import("../support/versioned-registry.ts");
  return withSessionSummaryVersion(await importOriginal(), () => code.sessionSummaryVersion);
});

const ADMIN = { subject: "ops-1", role: "admin" };

beforeAll(async () => {
  process.env.REPROJECT_ARCHIVE = await localDemoArchive(4_000, 51);
});
beforeEach(() => {
  vi.useFakeTimers();
  code.sessionSummaryVersion = 1;
});
afterEach(() => vi.useRealTimers());

describe("automatic rebuilds", () => {
  it("builds new projections once, then does nothing until a version changes", async () => {
    const t = createConvexTest();
    const first = await t.mutation(internal.reproject.reconcile, {});
    expect(first).toEqual([
      { projection: "rebufferByCdn", action: "started" },
      { projection: "sessionSummary", action: "started" },
    ]);
    expect((await t.mutation(internal.reproject.reconcile, {})).map((outcome) => outcome.action)).toEqual([
      "already_requested",
      "already_requested",
    ]);
    await settleRebuilds(t);
    expect((await t.mutation(internal.reproject.reconcile, {})).map((outcome) => outcome.action)).toEqual([
      "up_to_date",
      "up_to_date",
    ]);
    expect(await rebuildsOf(t, "sessionSummary")).toHaveLength(1);
    const log = await t.withIdentity(ADMIN).query(api.rebuilds.auditLog, {});
    expect(
      log
        .filter((entry) => entry.action === "version_rebuild")
        .map((entry) => [entry.actor.subject, entry.projection, entry.outcome]),
    ).toEqual([
      ["system", "sessionSummary", "started"],
      ["system", "rebufferByCdn", "started"],
    ]);
  });

  it("rebuilds a bumped projection exactly once, marking it stale until the new version is active", async () => {
    const t = createConvexTest();
    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    code.sessionSummaryVersion = 2;
    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "sessionSummary",
      action: "started",
    });
    const stale = await projectionRowOf(t, "sessionSummary");
    expect(stale).toMatchObject({ version: 2, builtVersion: 1, activeGeneration: 1 });
    expect(stale!.staleSince).toBeTypeOf("number");
    for (let round = 0; round < 3; round++) {
      expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
        projection: "sessionSummary",
        action: "already_requested",
      });
    }
    await settleRebuilds(t);
    const rebuilt = await projectionRowOf(t, "sessionSummary");
    expect(rebuilt).toMatchObject({ builtVersion: 2, activeGeneration: 2 });
    expect(rebuilt!.staleSince).toBeUndefined();
    expect((await rebuildsOf(t, "sessionSummary")).map((rebuild) => [rebuild.version, rebuild.state])).toEqual([
      [1, "completed"],
      [2, "completed"],
    ]);
  });

  it("restarts a running rebuild once when its projection is bumped under it", async () => {
    const t = createConvexTest();
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
    try {
      await t.mutation(internal.reproject.reconcile, {});
      const [running] = await rebuildsOf(t, "sessionSummary");
      await stepUntil(t, async () => ((await inComponent(t, (ctx) => ctx.db.get(running!._id)))?.processed ?? 0) > 0);
      code.sessionSummaryVersion = 2;
      expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
        projection: "sessionSummary",
        action: "restarted",
      });
      expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
        projection: "sessionSummary",
        action: "already_requested",
      });
      await settleRebuilds(t);
      expect((await rebuildsOf(t, "sessionSummary")).map((rebuild) => [rebuild.version, rebuild.state])).toEqual([
        [1, "cancelled"],
        [2, "completed"],
      ]);
      expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({ builtVersion: 2, activeGeneration: 2 });
    } finally {
      delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
    }
  });

  it("never has two chunks of one projection in flight when it restarts a running rebuild", async () => {
    const t = createConvexTest();
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
    try {
      await t.mutation(internal.reproject.reconcile, {});
      const [old] = await rebuildsOf(t, "sessionSummary");
      const oldRebuild = () => inComponent(t, (ctx) => ctx.db.get(old!._id));
      // The old rebuild's chunk is on the pool when reconcile cancels it: it may still be running.
      await stepUntil(t, async () => {
        const rebuild = await oldRebuild();
        return (rebuild?.processed ?? 0) > 0 && rebuild?.chunk !== undefined;
      });
      code.sessionSummaryVersion = 2;
      expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
        projection: "sessionSummary",
        action: "restarted",
      });
      const inFlight = async () =>
        (await rebuildsOf(t, "sessionSummary")).filter((rebuild) => rebuild.chunk !== undefined).map((r) => r.version);
      // The new rebuild waits for the old chunk's onComplete before its first piece of work.
      expect(await inFlight()).toEqual([1]);
      await stepUntil(t, async () => {
        expect((await inFlight()).length).toBeLessThanOrEqual(1);
        return (await rebuildsOf(t, "sessionSummary")).some((rebuild) => rebuild.state === "completed");
      });
      expect((await rebuildsOf(t, "sessionSummary")).map((rebuild) => [rebuild.version, rebuild.state])).toEqual([
        [1, "cancelled"],
        [2, "completed"],
      ]);
      expect(await projectionRowOf(t, "sessionSummary")).toMatchObject({ builtVersion: 2, activeGeneration: 2 });
      // The restarted rebuild's plan went with it.
      const plans = await inComponent(t, (ctx) => ctx.db.query("rebuildPlans").collect());
      expect(plans.map((plan) => plan.rebuildId)).not.toContain(old!._id);
    } finally {
      delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
    }
  });

  it("reports a projection that left the code once, and keeps its data", async () => {
    const t = createConvexTest();
    await inComponent(t, async (ctx) => {
      await ctx.db.insert("projections", {
        name: "viewsByTitle",
        version: 3,
        activeGeneration: 4,
        lastGeneration: 4,
        builtVersion: 3,
      });
    });
    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "viewsByTitle",
      action: "removed",
    });
    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "viewsByTitle",
      action: "removed",
    });
    expect(await projectionRowOf(t, "viewsByTitle")).toMatchObject({ activeGeneration: 4 });
    const reports = (await t.withIdentity(ADMIN).query(api.rebuilds.auditLog, {})).filter(
      (entry) => entry.action === "projection_removed",
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.details).toMatch(/kept until an admin deletes it/);
  });
});
