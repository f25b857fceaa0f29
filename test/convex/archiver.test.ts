// The archiver moves old events from the events table into the Iceberg archive; crashes before and
// after the commit lose nothing and duplicate nothing, and rebuilds give the same read model.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, runUntil, stepUntil, useArchiverTestClock } from "../support/convex";
import { splitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary, readArchiveEvents } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

const faults = vi.hoisted(() => ({ beforeCommit: 0, afterCommit: 0 }));

vi.mock("../../src/archive/writer/index.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/archive/writer/index.ts")>();
  return {
    ...original,
    appendToArchive: async (...args: Parameters<typeof original.appendToArchive>) => {
      if (faults.beforeCommit > 0 && faults.beforeCommit--) throw new Error("injected crash before the archive commit");
      const result = await original.appendToArchive(...args);
      if (faults.afterCommit > 0 && faults.afterCommit--) throw new Error("injected crash after the archive commit");
      return result;
    },
  };
});

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 4_000;
const LIVE = 2_000;

useArchiverTestClock();
beforeEach(() => {
  faults.beforeCommit = 0;
  faults.afterCommit = 0;
});

async function setUp() {
  const history = await splitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 61);
  process.env.REPROJECT_ARCHIVE = history.archive;
  const t = createConvexTest();
  await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
  // The first 1,500 live events are appended before the cutoff, the rest at it.
  const expectedMoved = 1_500;
  await t.mutation(internal.reproject.append, { events: history.live.slice(0, expectedMoved) });
  vi.advanceTimersByTime(1_000);
  const nowMs = Date.now();
  await t.mutation(internal.reproject.append, { events: history.live.slice(expectedMoved) });
  const all = archiveEventsOf(history.all);
  return { t, history, nowMs, expectedMoved, all };
}

const tableRows = (t: ReturnType<typeof createConvexTest>) =>
  t.run(async (ctx) => (await ctx.db.query("events").collect()).map((row) => row.position));

async function rebuildSessionSummary(t: ReturnType<typeof createConvexTest>) {
  const admin = t.withIdentity(ADMIN);
  const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
    rebuildId: string;
  };
  await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state !== "running");
  const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
  const docs = await generationDocuments(t, "sessionSummary", status.generation);
  return { status, model: docs.sort((a, b) => a.streamId.localeCompare(b.streamId)) };
}

describe("the archiver", () => {
  it("moves old events to the archive, then deletes them; a rebuild after archiving equals one before", async () => {
    const { t, history, nowMs, expectedMoved, all } = await setUp();
    const before = await rebuildSessionSummary(t);
    expect(before.model).toEqual(foldSessionSummary(all));

    const summary = await t.action(internal.reprojectNode.archive, { nowMs });
    expect(summary).toEqual({
      archived: expectedMoved,
      alreadyInArchive: 0,
      deleted: expectedMoved,
      archivedThrough: ARCHIVED + expectedMoved,
    });
    expect((await readArchiveEvents(history.archive)).map((event) => event.position)).toEqual(
      Array.from({ length: ARCHIVED + expectedMoved }, (_, i) => i + 1),
    );
    expect(await tableRows(t)).toEqual(
      Array.from({ length: LIVE - expectedMoved }, (_, i) => ARCHIVED + expectedMoved + i + 1),
    );

    const after = await rebuildSessionSummary(t);
    expect(after.status.counters.found).toBe(ARCHIVED + LIVE);
    expect(after.model).toEqual(before.model);
    expect(await t.action(internal.reprojectNode.archive, { nowMs })).toMatchObject({ archived: 0, deleted: 0 });
  });

  it.each([
    ["before", "beforeCommit"],
    ["after", "afterCommit"],
  ] as const)("loses and duplicates nothing when it crashes %s the archive commit", async (_when, fault) => {
    const { t, history, nowMs, expectedMoved, all } = await setUp();
    faults[fault] = 1;
    await expect(t.action(internal.reprojectNode.archive, { nowMs })).rejects.toThrow(/injected crash/);
    expect(await tableRows(t)).toHaveLength(LIVE);
    expect((await t.query(internal.reproject.eventLogState, {}))!.archivedThrough).toBe(ARCHIVED);

    const summary = await t.action(internal.reprojectNode.archive, { nowMs });
    expect(summary).toEqual({
      archived: fault === "beforeCommit" ? expectedMoved : 0,
      alreadyInArchive: fault === "afterCommit" ? expectedMoved : 0,
      deleted: expectedMoved,
      archivedThrough: ARCHIVED + expectedMoved,
    });
    const positions = (await readArchiveEvents(history.archive)).map((event) => event.position);
    expect(positions).toEqual(Array.from({ length: ARCHIVED + expectedMoved }, (_, i) => i + 1));
    expect((await rebuildSessionSummary(t)).model).toEqual(foldSessionSummary(all));
  });

  it("selects by insertion time: an event dated a year ahead holds back none of the events appended before the cutoff", async () => {
    const history = await splitDemoHistory(ARCHIVED + 500, ARCHIVED, 62);
    process.env.REPROJECT_ARCHIVE = history.archive;
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    const [first, ...older] = history.live;
    const aYearAhead = { ...first!, occurredAtMs: Date.now() + 365 * 86_400_000 };
    await t.mutation(internal.reproject.append, { events: [aYearAhead, ...older] });
    vi.advanceTimersByTime(1_000);
    // Appended after the cutoff, whatever it says about when it occurred: it stays.
    await t.mutation(internal.reproject.append, {
      events: [{ ...older[0]!, eventId: "appended-later", occurredAtMs: 0 }],
    });

    expect(await t.action(internal.reprojectNode.archive, { nowMs: Date.now() - 500 })).toEqual({
      archived: 500,
      alreadyInArchive: 0,
      deleted: 500,
      archivedThrough: ARCHIVED + 500,
    });
    expect(await tableRows(t)).toEqual([ARCHIVED + 501]);
    const archivedPositions = (await readArchiveEvents(history.archive)).slice(ARCHIVED).map((event) => event.position);
    expect(archivedPositions).toEqual(Array.from({ length: 500 }, (_, i) => ARCHIVED + i + 1));
  });

  it("keeps the rows a running rebuild still reads from the table, and deletes them once it is done", async () => {
    const { t, nowMs, expectedMoved, all } = await setUp();
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
    try {
      const admin = t.withIdentity(ADMIN);
      const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
        rebuildId: string;
      };
      await stepUntil(t, async () => ((await admin.query(api.rebuilds.status, { rebuildId }))?.processed ?? 0) > 0);
      expect(await t.action(internal.reprojectNode.archive, { nowMs })).toMatchObject({
        archived: expectedMoved,
        deleted: 0,
      });
      await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state === "completed");
      const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
      expect(status.counters.found).toBe(ARCHIVED + LIVE);
      const docs = await generationDocuments(t, "sessionSummary", status.generation);
      expect(docs.sort((a, b) => a.streamId.localeCompare(b.streamId))).toEqual(foldSessionSummary(all));
      expect(await t.action(internal.reprojectNode.archive, { nowMs })).toMatchObject({
        archived: 0,
        deleted: expectedMoved,
      });
    } finally {
      delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
    }
  });
});
