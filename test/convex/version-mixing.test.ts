// A generation is written by one handler version only. A deploy that changes a projection's version
// under a running rebuild supersedes it (no batch of the old version runs the new handlers), and live
// appends leave an active generation of another version as it is until the new one swaps in (the
// panel shows how far behind the event log it is meanwhile).
import { describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { reproject } from "../../convex/reproject";
import type { QueryCtx } from "../../convex/_generated/server";
import {
  createConvexTest,
  inComponent,
  projectionRowOf,
  rebuildsOf,
  settleRebuilds,
  stepUntil,
} from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary } from "../support/demo-fold";

const code = vi.hoisted(() => ({ sessionSummaryVersion: 1 }));

// The deployed code's version of sessionSummary, changeable between "deploys".
vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withSessionSummaryVersion } = await import("../support/versioned-registry.ts");
  return withSessionSummaryVersion(await importOriginal(), () => code.sessionSummaryVersion);
});

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 6_000;
const history = useSplitDemoHistory(6_400, ARCHIVED, 23);

type T = ReturnType<typeof createConvexTest>;

const activeModel = (t: T) =>
  t.run(async (ctx) => {
    const model = await reproject.activeReadModel(ctx as unknown as QueryCtx, "sessionSummary");
    return {
      generation: model.generation,
      docs: (await model.list(10_000)).sort((a, b) => a.streamId.localeCompare(b.streamId)),
    };
  });
const foldedThrough = (position: number) => foldSessionSummary(archiveEventsOf(history.all.slice(0, position)));

async function startLog(t: T) {
  code.sessionSummaryVersion = 1;
  await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
}

describe("one handler version per generation", () => {
  it("supersedes a rebuild whose version the code left: none of its batches runs the new handlers", async () => {
    const t = createConvexTest();
    await startLog(t);
    await t.mutation(internal.reproject.reconcile, {});
    const [v1] = await rebuildsOf(t, "sessionSummary");
    await stepUntil(t, async () => ((await inComponent(t, (ctx) => ctx.db.get(v1!._id)))?.processed ?? 0) > 0);

    // A deploy of version 2; reconcile has not run yet.
    code.sessionSummaryVersion = 2;
    const processedAtDeploy = (await inComponent(t, (ctx) => ctx.db.get(v1!._id)))!.processed;
    await settleRebuilds(t);

    const rebuilds = await rebuildsOf(t, "sessionSummary");
    expect(rebuilds.map((rebuild) => [rebuild.version, rebuild.state])).toEqual([
      [1, "cancelled"],
      [2, "completed"],
    ]);
    expect(rebuilds[0]!.processed).toBe(processedAtDeploy);
    const row = await projectionRowOf(t, "sessionSummary");
    expect(row).toMatchObject({ builtVersion: 2, activeGeneration: rebuilds[1]!.generation, version: 2 });
    expect(row!.staleSince).toBeUndefined();
    expect((await activeModel(t)).docs).toEqual(foldedThrough(ARCHIVED));
    const audit = await t.withIdentity(ADMIN).query(api.rebuilds.auditLog, {});
    expect(audit.find((entry) => entry.action === "rebuild_superseded")).toMatchObject({
      rebuildId: v1!._id,
      outcome: "cancelled",
      details: expect.stringContaining("its handlers are version 1, the code's are version 2"),
    });
    // The next reconcile finds the projection up to date: one rebuild per version.
    expect(await t.mutation(internal.reproject.reconcile, {})).toContainEqual({
      projection: "sessionSummary",
      action: "up_to_date",
    });
  });

  it("leaves an active generation of another version as it is, and the new one takes every event appended meanwhile", async () => {
    const t = createConvexTest();
    await startLog(t);
    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    const appendFrom = async (from: number, count: number) =>
      t.mutation(internal.reproject.append, { events: history.live.slice(from, from + count) });
    await appendFrom(0, 100);
    expect(await activeModel(t)).toEqual({ generation: 1, docs: foldedThrough(ARCHIVED + 100) });

    code.sessionSummaryVersion = 2;
    await appendFrom(100, 50);
    // Version 1's generation serves what it holds; version 2's handlers did not write into it.
    expect(await activeModel(t)).toEqual({ generation: 1, docs: foldedThrough(ARCHIVED + 100) });
    expect((await projectionRowOf(t, "sessionSummary"))!.frozenAfter).toBe(ARCHIVED + 100);

    await t.mutation(internal.reproject.reconcile, {});
    await stepUntil(t, async () => ((await rebuildsOf(t, "sessionSummary")).at(-1)?.processed ?? 0) > 0);
    await appendFrom(150, 30);
    expect(await activeModel(t)).toEqual({ generation: 1, docs: foldedThrough(ARCHIVED + 100) });

    await settleRebuilds(t);
    expect(await activeModel(t)).toEqual({ generation: 2, docs: foldedThrough(ARCHIVED + 180) });
    const row = await projectionRowOf(t, "sessionSummary");
    expect(row).toMatchObject({ builtVersion: 2, activeGeneration: 2 });
    expect(row!.frozenAfter).toBeUndefined();
    // Appends after the swap go to the new generation inline again.
    await appendFrom(180, 20);
    expect(await activeModel(t)).toEqual({ generation: 2, docs: foldedThrough(ARCHIVED + 200) });
  });

  it("counts the events and the time a frozen projection is behind, and none for live ones", async () => {
    const t = createConvexTest();
    await startLog(t);
    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    const admin = t.withIdentity(ADMIN);
    const lagOf = async (name: string) =>
      (await admin.query(api.rebuilds.projections, {})).find((projection) => projection.name === name)!;
    await t.mutation(internal.reproject.append, { events: history.live.slice(0, 100) });
    expect(await lagOf("sessionSummary")).toMatchObject({ logPosition: ARCHIVED + 100, behind: null });

    code.sessionSummaryVersion = 2;
    vi.advanceTimersByTime(5_000);
    const frozenAt = Date.now();
    await t.mutation(internal.reproject.append, { events: history.live.slice(100, 150) });
    vi.advanceTimersByTime(5_000);
    await t.mutation(internal.reproject.append, { events: history.live.slice(150, 160) });

    const frozen = await lagOf("sessionSummary");
    expect(frozen.logPosition).toBe(ARCHIVED + 160);
    expect(frozen.behind!.events).toBe(60);
    expect(frozen.behind!.since).toBeGreaterThanOrEqual(frozenAt);
    expect(frozen.behind!.since).toBeLessThan(frozenAt + 5_000);
    expect(await lagOf("rebufferByCdn")).toMatchObject({ logPosition: ARCHIVED + 160, behind: null });

    await t.mutation(internal.reproject.reconcile, {});
    await settleRebuilds(t);
    expect(await lagOf("sessionSummary")).toMatchObject({ logPosition: ARCHIVED + 160, behind: null });
  });
});
