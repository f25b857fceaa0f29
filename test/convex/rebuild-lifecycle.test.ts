import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil, stepUntil } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { foldRebufferByCdn, foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { allDocuments, generationDocuments } from "../support/read-model";

const ADMIN = { subject: "ops-1", name: "Ops", role: "admin" };
let archive = "";
let events: ArchiveEvent[] = [];

beforeAll(async () => {
  archive = await localDemoArchive(12_000, 11);
  events = await readArchiveEvents(archive);
});
beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = archive;
  process.env.REPROJECT_CHUNK_MAX_BATCHES = "2";
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
});

type T = ReturnType<typeof createConvexTest>;
type Status = NonNullable<Awaited<ReturnType<typeof statusOf>>>;

function statusOf(t: T, rebuildId: string) {
  return t.withIdentity(ADMIN).query(api.rebuilds.status, { rebuildId });
}

async function trigger(t: T, projection = "sessionSummary", options?: object) {
  return (await t
    .withIdentity(ADMIN)
    .mutation(api.rebuilds.trigger, { projection, ...(options ? { options } : {}) })) as {
    status: string;
    rebuildId: string;
  };
}

async function activeSessionSummaries(t: T, generation: number) {
  const docs = await generationDocuments(t, "sessionSummary", generation);
  return docs.sort((a, b) => a.streamId.localeCompare(b.streamId));
}

function countersAddUp(status: Status) {
  const c = status.counters;
  expect(c.found).toBe(c.applied + c.skipped + c.filtered + c.invalid + c.failed);
  expect(status.processed).toBe(c.found);
}

describe("rebuild lifecycle", () => {
  it("answers duplicate and concurrent triggers with the one running rebuild", async () => {
    const t = createConvexTest();
    const answers = await Promise.all(Array.from({ length: 10 }, () => trigger(t)));
    const started = answers.filter((answer) => answer.status === "started");
    expect(started).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === "already_running")).toHaveLength(9);
    expect(new Set(answers.map((answer) => answer.rebuildId))).toEqual(new Set([started[0]!.rebuildId]));
    const rebuilds = await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect());
    expect(rebuilds).toHaveLength(1);
  });

  it("pauses at a batch boundary, answers a trigger while paused with resumed, and completes identically", async () => {
    const t = createConvexTest();
    const { rebuildId } = await trigger(t);
    await stepUntil(t, async () => ((await statusOf(t, rebuildId))?.processed ?? 0) > 0);
    expect((await t.withIdentity(ADMIN).mutation(api.rebuilds.pause, { rebuildId })).status).toBe("paused");
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    const paused = (await statusOf(t, rebuildId))!;
    expect(paused.state).toBe("paused");
    expect(paused.processed).toBeLessThan(events.length);
    countersAddUp(paused);
    // Nothing moves while paused.
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    expect((await statusOf(t, rebuildId))!.processed).toBe(paused.processed);

    expect(await trigger(t)).toEqual({ status: "resumed", rebuildId });
    await runUntil(t, async () => (await statusOf(t, rebuildId))!.state === "completed");
    const done = (await statusOf(t, rebuildId))!;
    expect(done).toMatchObject({ processed: events.length, percent: 100 });
    countersAddUp(done);
    expect(await activeSessionSummaries(t, done.generation)).toEqual(foldSessionSummary(events));
  });

  it.each([1, 3_000, 6_000])("stops cleanly when cancelled once %i events are processed", async (processed) => {
    const t = createConvexTest();
    const { rebuildId } = await trigger(t, "rebufferByCdn");
    await stepUntil(t, async () => ((await statusOf(t, rebuildId))?.processed ?? 0) >= processed);
    expect((await t.withIdentity(ADMIN).mutation(api.rebuilds.cancel, { rebuildId })).status).toBe("cancelled");
    const cancelled = (await statusOf(t, rebuildId))!;
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.processed).toBeGreaterThanOrEqual(processed);
    expect(cancelled.processed).toBeLessThan(events.length);
    countersAddUp(cancelled);
    // Every committed batch is whole: the partial read model equals the fold of what the cursor covers.
    const covered = events.filter((event) => event.position <= cancelled.cursor!);
    const partial = async () =>
      (await allDocuments(t, "rebufferByCdn"))
        .map(({ cdn, device, rebufferCount, rebufferMs }) => ({ cdn, device, rebufferCount, rebufferMs }))
        .sort((a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device));
    expect(await partial()).toEqual(foldRebufferByCdn(covered));
    // Nothing moves after the cancel but the clean-up of the partial generation; the active one was never replaced.
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    expect((await statusOf(t, rebuildId))!.processed).toBe(cancelled.processed);
    expect(await partial()).toEqual([]);
    const row = await inComponent(t, (ctx) =>
      ctx.db
        .query("projections")
        .withIndex("by_name", (q) => q.eq("name", "rebufferByCdn"))
        .unique(),
    );
    expect(row!.activeGeneration).toBeNull();
    expect((await t.withIdentity(ADMIN).mutation(api.rebuilds.resume, { rebuildId })).status).toBe("not_resumable");
  });

  it("keeps no plan for a cancelled rebuild, cancelled while planning or after", async () => {
    const t = createConvexTest();
    const plansOf = (rebuildId: string) =>
      inComponent(t, (ctx) =>
        ctx.db
          .query("rebuildPlans")
          .withIndex("by_rebuild", (q) => q.eq("rebuildId", rebuildId))
          .collect(),
      );
    const planned = await trigger(t, "rebufferByCdn");
    await stepUntil(t, async () => ((await statusOf(t, planned.rebuildId))?.processed ?? 0) > 0);
    expect(await plansOf(planned.rebuildId)).toHaveLength(1);
    expect((await t.withIdentity(ADMIN).mutation(api.rebuilds.cancel, { rebuildId: planned.rebuildId })).status).toBe(
      "cancelled",
    );
    expect(await plansOf(planned.rebuildId)).toEqual([]);

    // Cancelled before its planning action ran: the plan that action makes is not stored.
    const planning = await trigger(t, "rebufferByCdn");
    expect((await statusOf(t, planning.rebuildId))!.phase).toBe("planning");
    expect((await t.withIdentity(ADMIN).mutation(api.rebuilds.cancel, { rebuildId: planning.rebuildId })).status).toBe(
      "cancelled",
    );
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    expect(await plansOf(planning.rebuildId)).toEqual([]);
    expect(await inComponent(t, (ctx) => ctx.db.query("rebuildPlans").collect())).toEqual([]);
  });

  it("reports progress while running and exactly 100% at the end", async () => {
    const t = createConvexTest();
    const { rebuildId } = await trigger(t);
    await stepUntil(t, async () => ((await statusOf(t, rebuildId))?.processed ?? 0) > 0);
    vi.advanceTimersByTime(1_000);
    await stepUntil(t, async () => {
      const status = (await statusOf(t, rebuildId))!;
      return status.processed > 2_000 && status.eventsPerSecond > 0;
    });
    const running = (await statusOf(t, rebuildId))!;
    expect(running.state).toBe("running");
    expect(running.total).toBe(events.length);
    expect(running.percent).toBeGreaterThan(0);
    expect(running.percent).toBeLessThan(100);
    expect(running.etaSeconds).toBeGreaterThan(0);
    await runUntil(t, async () => (await statusOf(t, rebuildId))!.state === "completed");
    const done = (await statusOf(t, rebuildId))!;
    expect(done.percent).toBe(100);
    expect(done.etaSeconds).toBeNull();
  });
});

describe("admin rights and the audit log", () => {
  it("refuses callers without an identity or the admin role, and audits every attempt", async () => {
    const t = createConvexTest();
    expect(await t.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })).toMatchObject({
      status: "refused",
    });
    const viewer = t.withIdentity({ subject: "viewer-7", role: "viewer" });
    expect(await viewer.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })).toMatchObject({
      status: "refused",
      reason: "viewer-7 does not have the admin role",
    });
    await expect(viewer.query(api.rebuilds.listActive, {})).rejects.toThrow(/does not have the admin role/);
    expect(await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect())).toHaveLength(0);

    const { rebuildId } = await trigger(t);
    await t.withIdentity(ADMIN).mutation(api.rebuilds.pause, { rebuildId });
    await t.withIdentity(ADMIN).mutation(api.rebuilds.resume, { rebuildId });
    await viewer.mutation(api.rebuilds.cancel, { rebuildId });
    const log = await t.withIdentity(ADMIN).query(api.rebuilds.auditLog, {});
    const entries = log.map((entry) => [entry.actor.subject, entry.action, entry.outcome]).reverse();
    expect(entries).toEqual([
      ["anonymous", "trigger", "refused"],
      ["viewer-7", "trigger", "refused"],
      ["ops-1", "trigger", "started"],
      ["ops-1", "pause", "paused"],
      ["ops-1", "resume", "resumed"],
      ["viewer-7", "cancel", "refused"],
    ]);
  });

  it("rejects bad arguments with a clear reason and writes nothing but the audit entry", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    expect(await admin.mutation(api.rebuilds.trigger, { projection: "nope" })).toMatchObject({
      status: "rejected",
      reason: 'unknown projection "nope"; known: rebufferByCdn, sessionSummary',
    });
    expect(
      await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary", options: { rateLimit: -5 } }),
    ).toMatchObject({
      status: "rejected",
      reason: expect.stringContaining("rateLimit must be between 1"),
    });
    expect(
      await admin.mutation(api.rebuilds.trigger, {
        projection: "sessionSummary",
        options: { filter: { fromMs: 10, toMs: 5 } },
      }),
    ).toMatchObject({ status: "rejected", reason: "filter.fromMs (10) must be before filter.toMs (5)" });
    expect(await admin.mutation(api.rebuilds.cancel, { rebuildId: "not-an-id" })).toMatchObject({ status: "rejected" });
    expect(await inComponent(t, (ctx) => ctx.db.query("rebuilds").collect())).toHaveLength(0);
    expect(await admin.query(api.rebuilds.auditLog, {})).toHaveLength(4);
  });
});
