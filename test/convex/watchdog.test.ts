// The watchdog: a rebuild whose chunk chain broke (its onComplete could not enqueue the next chunk,
// which the Workpool only logs) is found by the cron's function, resumed from its checkpoint and
// written to the audit log; a rebuild with a chunk in flight is never touched.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil, stepUntil } from "../support/convex";
import { useDemoArchive } from "../support/demo-archive";
import { foldSessionSummary } from "../support/demo-fold";
import { sessionSummaries } from "../support/read-model";

const chain = vi.hoisted(() => ({ broken: false }));

// The replay pool refuses new work while `chain.broken`: an onComplete that enqueues fails, as a
// Workpool outage or a bug in it would make it.
vi.mock("../../src/component/replayPool.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/component/replayPool.ts")>();
  const replayPool: typeof original.replayPool = async (ctx) => {
    const pool = await original.replayPool(ctx);
    const enqueueAction = pool.enqueueAction.bind(pool);
    return Object.assign(Object.create(pool), {
      enqueueAction: (...args: Parameters<typeof enqueueAction>) => {
        if (chain.broken) throw new Error("injected: the replay pool refused the next chunk");
        return enqueueAction(...args);
      },
    });
  };
  return { ...original, replayPool };
});

const ADMIN = { subject: "ops-1", role: "admin" };
const MINUTE = 60_000;
const archive = useDemoArchive(6_000, 61, { REPROJECT_CHUNK_MAX_BATCHES: "2" });
beforeEach(() => {
  chain.broken = false;
});

type T = ReturnType<typeof createConvexTest>;

async function trigger(t: T, options: object = {}) {
  const answer = (await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, {
    projection: "sessionSummary",
    options,
  })) as { rebuildId: string };
  return answer.rebuildId;
}
const statusOf = async (t: T, rebuildId: string) =>
  (await t.withIdentity(ADMIN).query(api.rebuilds.status, { rebuildId }))!;
const watchdogAudit = (t: T) =>
  inComponent(t, async (ctx) =>
    (await ctx.db.query("auditLog").collect()).filter((entry) => entry.action === "watchdog_resume"),
  );

describe("the watchdog", () => {
  it("resumes a rebuild whose chunk chain broke from its checkpoint, shows it stalled until then, and audits it", async () => {
    const t = createConvexTest();
    const rebuildId = await trigger(t);
    await stepUntil(t, async () => (await statusOf(t, rebuildId)).processed > 0);
    chain.broken = true;
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);

    // The chain is broken: nothing is in flight, nothing moves, the trigger answers already_running.
    const stalled = await statusOf(t, rebuildId);
    expect(stalled.state).toBe("running");
    expect(stalled.processed).toBeLessThan(archive.events.length);
    vi.advanceTimersByTime(10 * MINUTE);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);
    expect((await statusOf(t, rebuildId)).processed).toBe(stalled.processed);
    expect(await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, { projection: "sessionSummary" })).toEqual({
      status: "already_running",
      rebuildId,
    });

    // While the pool still refuses work, the watchdog says so, and the rebuild shows as stalled.
    expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([
      { projection: "sessionSummary", rebuildId, outcome: "resume_failed" },
    ]);
    expect(await statusOf(t, rebuildId)).toMatchObject({
      state: "running",
      stalled: true,
      stall: { resumes: 0, error: "injected: the replay pool refused the next chunk" },
    });
    chain.broken = false;
    // The next run comes STALL_AFTER_MS after that finding, not before.
    vi.advanceTimersByTime(MINUTE);
    expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([]);
    vi.advanceTimersByTime(2 * MINUTE);
    expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([
      { projection: "sessionSummary", rebuildId, outcome: "resumed" },
    ]);
    expect(await statusOf(t, rebuildId)).toMatchObject({ state: "running", stalled: true, eventsPerSecond: 0 });
    const [refused, entry] = await watchdogAudit(t);
    expect(refused).toMatchObject({ rebuildId, outcome: "failed" });
    expect(refused!.details).toMatch(/could not resume: injected: the replay pool refused the next chunk/);
    expect(entry).toMatchObject({
      actor: { subject: "system" },
      projection: "sessionSummary",
      rebuildId,
      outcome: "resumed",
    });
    expect(entry!.details).toMatch(
      new RegExp(
        `no chunk in flight and no progress for \\d+ min; resumed from the checkpoint at position ${stalled.cursor}`,
      ),
    );

    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const done = await statusOf(t, rebuildId);
    expect(done).toMatchObject({
      state: "completed",
      stalled: false,
      processed: archive.events.length,
      total: archive.events.length,
    });
    expect(done.stall).toMatchObject({ resumes: 1 });
    expect(done.counters.found).toBe(archive.events.length);
    expect(await sessionSummaries(t, done.generation)).toEqual(foldSessionSummary(archive.events));
  });

  it("resumes the lanes of a rebuild in lanes whose chains broke, each from its own checkpoint", async () => {
    // Batches of 500 rows, 2 a chunk: every lane has many chunks, so the chains break mid-archive.
    Object.assign(process.env, { REPROJECT_REPLAY_PARALLELISM: "4", REPROJECT_CHECKPOINT_ROWS: "500" });
    try {
      const t = createConvexTest();
      const rebuildId = await trigger(t, { lanes: 4 });
      await stepUntil(t, async () => (await statusOf(t, rebuildId)).lanes.some((lane) => lane.processed > 0));
      // The lanes' chunks are in flight, however long the rebuild's own document has not changed.
      vi.advanceTimersByTime(10 * MINUTE);
      expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([]);
      chain.broken = true;
      await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);
      const stalled = await statusOf(t, rebuildId);
      expect(stalled).toMatchObject({ state: "running", phase: "archive" });
      expect(stalled.lanes.filter((lane) => !lane.done).length).toBeGreaterThan(0);

      chain.broken = false;
      vi.advanceTimersByTime(3 * MINUTE);
      expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([
        { projection: "sessionSummary", rebuildId, outcome: "resumed" },
      ]);
      // Each lane goes on from its checkpoint: none goes back.
      const resumed = await statusOf(t, rebuildId);
      for (const lane of resumed.lanes) {
        expect(lane.processed).toBe(stalled.lanes[lane.lane]!.processed);
      }
      await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
      const done = await statusOf(t, rebuildId);
      expect(done).toMatchObject({ state: "completed", processed: archive.events.length, stall: { resumes: 1 } });
      expect(done.lanes.every((lane) => lane.done)).toBe(true);
      expect(await sessionSummaries(t, done.generation)).toEqual(foldSessionSummary(archive.events));
    } finally {
      delete process.env.REPROJECT_REPLAY_PARALLELISM;
      delete process.env.REPROJECT_CHECKPOINT_ROWS;
    }
  });

  it("leaves a rebuild alone while its chunk is queued or running, however long it takes", async () => {
    const t = createConvexTest();
    const rebuildId = await trigger(t);
    // Queued: enqueued on the pool, not started yet.
    vi.advanceTimersByTime(10 * MINUTE);
    expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([]);
    // Running: the chunk action is in the middle of its batches.
    await stepUntil(t, async () => (await statusOf(t, rebuildId)).processed > 0);
    vi.advanceTimersByTime(10 * MINUTE);
    expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([]);

    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const done = await statusOf(t, rebuildId);
    expect(done).toMatchObject({ state: "completed", processed: archive.events.length, stall: null });
    expect(await watchdogAudit(t)).toEqual([]);
    expect(await sessionSummaries(t, done.generation)).toEqual(foldSessionSummary(archive.events));
  });

  it("tells the app once that a rebuild stalled, and frees the projection for a new rebuild after a broken one is cancelled", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const broken = await trigger(t);
    await stepUntil(t, async () => (await statusOf(t, broken)).processed > 0);
    chain.broken = true;
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);
    vi.advanceTimersByTime(3 * MINUTE);
    await t.mutation(internal.reproject.superviseRebuilds, {});
    vi.advanceTimersByTime(3 * MINUTE);
    await t.mutation(internal.reproject.superviseRebuilds, {});
    const stalledNotices = await t.run((ctx) => ctx.db.query("rebuildNotifications").collect());
    expect(stalledNotices.filter((notice) => notice.kind === "stalled")).toEqual([
      expect.objectContaining({ rebuildId: broken, projection: "sessionSummary", state: "running" }),
    ]);

    // The broken rebuild is cancelled while its last chunk's onComplete never ran; a new one starts.
    expect(await admin.mutation(api.rebuilds.cancel, { rebuildId: broken })).toMatchObject({ status: "cancelled" });
    chain.broken = false;
    const next = await trigger(t);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);
    vi.advanceTimersByTime(3 * MINUTE);
    expect(await t.mutation(internal.reproject.superviseRebuilds, {})).toEqual([
      { projection: "sessionSummary", rebuildId: next, outcome: "resumed" },
    ]);
    await runUntil(t, async () => (await statusOf(t, next)).state !== "running");
    const done = await statusOf(t, next);
    expect(done).toMatchObject({ state: "completed", processed: archive.events.length });
    expect(await sessionSummaries(t, done.generation)).toEqual(foldSessionSummary(archive.events));
  });
});
