// Rebuilds in parallel lanes: each lane folds the events whose stream hashes to it, with its own
// checkpoint and chain of chunks on the replay pool; the tail and the swap wait for every lane. The
// read model must equal the fold of the whole history, so an event applied twice, lost or folded by
// two lanes would show.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil, stepUntil } from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldRebufferByCdn, foldSessionSummary } from "../support/demo-fold";
import { generationDocuments, sessionSummaries } from "../support/read-model";

const faults = vi.hoisted(() => ({ crashAfterCommit: new Set<number>(), commits: 0, keyFailsAt: 0 }));

// The lane key throws for the event at `keyFailsAt`, as a key function with a bug would.
vi.mock("../../src/registry/lane-key.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/registry/lane-key.ts")>();
  return {
    ...original,
    checkedLanes: (...args: Parameters<typeof original.checkedLanes>) => {
      const lanes = original.checkedLanes(...args);
      return (
        lanes && {
          ...lanes,
          keyOf: (event: Parameters<typeof lanes.keyOf>[0]) => {
            if (event.globalPosition === faults.keyFailsAt) throw new Error("injected: no session in this event");
            return lanes.keyOf(event);
          },
        }
      );
    },
  };
});

vi.mock("../../src/replay/batch-sizer.ts", async (importOriginal) => {
  const { crashingAfterCommits } = await import("../support/crashing-sizer");
  return crashingAfterCommits(await importOriginal(), faults);
});

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 6_000;
const LIVE = 300;
const LANES = 4;
const history = useSplitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 23);

beforeEach(() => {
  faults.crashAfterCommit.clear();
  faults.commits = 0;
  faults.keyFailsAt = 0;
  process.env.REPROJECT_REPLAY_PARALLELISM = String(LANES);
  return () => {
    delete process.env.REPROJECT_REPLAY_PARALLELISM;
  };
});

type T = ReturnType<typeof createConvexTest>;

/** A deployment whose events table continues the archive with LIVE appended events. */
async function deployment() {
  const t = createConvexTest();
  await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
  await t.mutation(internal.reproject.append, { events: history.live });
  return t;
}

async function trigger(t: T, options: object, projection = "sessionSummary") {
  const answer = (await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, {
    projection,
    options,
  })) as { status: string; rebuildId: string };
  expect(answer.status).toBe("started");
  return answer.rebuildId;
}

const statusOf = async (t: T, rebuildId: string) =>
  (await t.withIdentity(ADMIN).query(api.rebuilds.status, { rebuildId }))!;

const lanesOf = (t: T, rebuildId: string) =>
  inComponent(t, (ctx) =>
    ctx.db
      .query("rebuildLanes")
      .withIndex("by_rebuild_lane", (q) => q.eq("rebuildId", rebuildId as never))
      .collect(),
  );

const wholeHistory = () => foldSessionSummary(archiveEventsOf(history.all));

async function modelOf(t: T, generation: number) {
  return (await sessionSummaries(t, generation)).sort((a, b) => a.streamId.localeCompare(b.streamId));
}

describe("a rebuild in lanes", () => {
  it("folds the read model of one chain, lanes running at once, each row counted by one lane, then hands over", async () => {
    const t = await deployment();
    const single = await trigger(t, {});
    await runUntil(t, async () => (await statusOf(t, single)).state === "completed");
    const oneChain = await statusOf(t, single);

    const rebuildId = await trigger(t, { lanes: LANES });
    let mostChunksAtOnce = 0;
    let samePhaseSeen = false;
    await stepUntil(
      t,
      async () => {
        const lanes = await lanesOf(t, rebuildId);
        mostChunksAtOnce = Math.max(mostChunksAtOnce, lanes.filter((lane) => lane.chunk).length);
        const status = await statusOf(t, rebuildId);
        // While the lanes run, status is their sum and the old generation still serves.
        if (status.phase === "archive" && status.processed > 0) {
          samePhaseSeen = true;
          expect(status.processed).toBe(lanes.reduce((sum, lane) => sum + lane.processed, 0));
          expect(status.lanes).toHaveLength(LANES);
          expect((await t.withIdentity(ADMIN).query(api.rebuilds.status, { rebuildId: single }))!.state).toBe(
            "completed",
          );
        }
        return status.state !== "running";
      },
      20_000,
    );
    const status = await statusOf(t, rebuildId);

    expect(samePhaseSeen).toBe(true);
    expect(mostChunksAtOnce).toBeGreaterThan(1);
    expect(status).toMatchObject({ state: "completed", processed: ARCHIVED + LIVE, total: ARCHIVED + LIVE });
    expect(status.counters).toEqual(oneChain.counters);
    expect(status.lanes.map((lane) => lane.done)).toEqual([true, true, true, true]);
    // Every lane took a share of the sessions; their rows add up to the archive's.
    expect(Math.min(...status.lanes.map((lane) => lane.processed))).toBeGreaterThan(ARCHIVED / LANES / 2);
    expect(status.lanes.reduce((sum, lane) => sum + lane.processed, 0)).toBe(ARCHIVED);
    expect(await modelOf(t, status.generation)).toEqual(wholeHistory());
    expect(await modelOf(t, status.generation)).toEqual(await modelOf(t, oneChain.generation));

    // The swap happened: appends now reach the new generation, which the projection serves.
    const row = await inComponent(t, (ctx) => ctx.db.query("projections").collect());
    expect(row.find((projection) => projection.name === "sessionSummary")).toMatchObject({
      activeGeneration: status.generation,
    });
    expect(row.find((projection) => projection.name === "sessionSummary")?.chunkInFlight).toBeUndefined();

    // The progress chart is the lanes' sum, then the tail's: it never goes back and ends at the total.
    const samples = await t.withIdentity(ADMIN).query(api.rebuilds.samples, { rebuildId });
    const processed = samples.map((sample: { processed: number }) => sample.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(processed.at(-1)).toBe(ARCHIVED + LIVE);
  });

  it("applies no event twice when lane chunks crash right after their commits", async () => {
    const t = await deployment();
    [1, 3, 5, 6].forEach((commit) => faults.crashAfterCommit.add(commit));
    const rebuildId = await trigger(t, { lanes: LANES });
    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const status = await statusOf(t, rebuildId);

    expect(faults.crashAfterCommit.size).toBe(0);
    expect(status).toMatchObject({ state: "completed", processed: ARCHIVED + LIVE });
    expect(status.lanes.reduce((sum, lane) => sum + lane.retried, 0)).toBe(4);
    expect(status.counters.retried).toBe(4);
    expect(await modelOf(t, status.generation)).toEqual(wholeHistory());
  });

  it("pauses every lane, resumes each from its own checkpoint, and cancels without keeping a chunk", async () => {
    const t = await deployment();
    const admin = t.withIdentity(ADMIN);
    const rebuildId = await trigger(t, { lanes: LANES });
    await stepUntil(t, async () => (await statusOf(t, rebuildId)).processed > 0);
    expect(await admin.mutation(api.rebuilds.pause, { rebuildId })).toMatchObject({ status: "paused" });
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);

    const paused = await lanesOf(t, rebuildId);
    expect(paused.every((lane) => lane.chunk === undefined)).toBe(true);
    const stopped = await statusOf(t, rebuildId);
    expect(stopped).toMatchObject({ state: "paused", phase: "archive" });
    expect(stopped.processed).toBeLessThan(ARCHIVED);
    vi.advanceTimersByTime(60_000);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 2_000);
    expect((await statusOf(t, rebuildId)).processed).toBe(stopped.processed);

    expect(await admin.mutation(api.rebuilds.resume, { rebuildId })).toMatchObject({ status: "resumed" });
    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const resumed = await statusOf(t, rebuildId);
    expect(resumed).toMatchObject({ state: "completed", processed: ARCHIVED + LIVE });
    expect(await modelOf(t, resumed.generation)).toEqual(wholeHistory());

    const cancelled = await trigger(t, { lanes: LANES });
    await stepUntil(t, async () => (await statusOf(t, cancelled)).processed > 0);
    expect(await admin.mutation(api.rebuilds.cancel, { rebuildId: cancelled })).toMatchObject({ status: "cancelled" });
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 5_000);
    expect((await lanesOf(t, cancelled)).every((lane) => lane.chunk === undefined)).toBe(true);
    expect(await statusOf(t, cancelled)).toMatchObject({ state: "cancelled" });
    // The completed generation still serves, untouched; the cancelled one's documents are deleted.
    expect(await modelOf(t, resumed.generation)).toEqual(wholeHistory());
    expect(await modelOf(t, (await statusOf(t, cancelled)).generation)).toEqual([]);
  });

  it("verifies in lanes: the shadow equals the active generation", async () => {
    const t = await deployment();
    const first = await trigger(t, {});
    await runUntil(t, async () => (await statusOf(t, first)).state === "completed");
    const rebuildId = await trigger(t, { lanes: LANES, mode: "verify", keepShadow: true });
    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const status = await statusOf(t, rebuildId);

    expect(status.state).toBe("completed");
    expect(status.verify).toMatchObject({ onlyInActive: 0, onlyInShadow: 0, changed: 0, shadow: "kept" });
    expect(status.verify!.compared).toBe(wholeHistory().length);
  });

  it("fails on an event whose lane key cannot be computed, pinned on it, and resumes after the fix", async () => {
    const t = await deployment();
    const failing = history.all.find((record) => record.globalPosition === 5_500)!;
    faults.keyFailsAt = failing.globalPosition;
    const rebuildId = await trigger(t, { lanes: LANES });
    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const failed = await statusOf(t, rebuildId);
    expect(failed).toMatchObject({
      state: "failed",
      lastError: { eventId: failing.eventId, position: 5_500, eventType: failing.eventType },
    });
    expect(failed.lastError!.message).toContain(
      `the lane key of ${failing.eventType} event ${failing.eventId} at position 5500 threw: injected: no session in this event`,
    );

    // The app is told how far the lanes got, not the rebuild's own (still empty) figures.
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100));
    const notices = await t.run((ctx) => ctx.db.query("rebuildNotifications").collect());
    const failure = notices.find((notice) => notice.rebuildId === rebuildId && notice.kind === "failed");
    expect(failure?.processed).toBe(failed.processed);
    expect(failed.processed).toBeGreaterThan(0);

    faults.keyFailsAt = 0;
    expect(await t.withIdentity(ADMIN).mutation(api.rebuilds.resume, { rebuildId })).toMatchObject({
      status: "resumed",
    });
    await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
    const resumed = await statusOf(t, rebuildId);
    expect(resumed).toMatchObject({ state: "completed", processed: ARCHIVED + LIVE });
    expect(await modelOf(t, resumed.generation)).toEqual(wholeHistory());
  });

  it("counts skipped and filtered rows as one chain does, with a key function, into the same read model", async () => {
    const t = await deployment();
    const rebuffers = async (options: object) => {
      const rebuildId = await trigger(t, options, "rebufferByCdn");
      await runUntil(t, async () => (await statusOf(t, rebuildId)).state !== "running");
      const status = await statusOf(t, rebuildId);
      expect(status.state).toBe("completed");
      const docs = await generationDocuments(t, "rebufferByCdn", status.generation);
      return {
        counters: status.counters,
        docs: docs.sort((a, b) => `${a.cdn}|${a.device}`.localeCompare(`${b.cdn}|${b.device}`)),
      };
    };
    const oneChain = await rebuffers({});
    expect(oneChain.counters.skipped).toBeGreaterThan(0);
    expect(await rebuffers({ lanes: 3 })).toEqual(oneChain);
    expect(oneChain.docs).toEqual(foldRebufferByCdn(archiveEventsOf(history.all)));

    const filter = { attributes: { cdn: ["CDN1"] } };
    const filtered = await rebuffers({ filter, target: "cdn1-one" });
    expect(filtered.counters.filtered).toBeGreaterThan(0);
    expect(await rebuffers({ filter, target: "cdn1-lanes", lanes: 3 })).toEqual(filtered);
  });

  it("refuses more lanes than a rebuild may have", async () => {
    const t = await deployment();
    const answer = await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, {
      projection: "sessionSummary",
      options: { lanes: 17 },
    });
    expect(answer).toMatchObject({ status: "rejected", reason: "lanes must be a whole number from 1 to 16, got 17" });
  });
});
