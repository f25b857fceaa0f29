// The archiver keeps every row a rebuild that can still continue will read from the events table
// (a failed one can be resumed), and a rebuild whose tail finds positions missing from the table
// fails with the range instead of swapping in an incomplete read model.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil, useArchiverTestClock } from "../support/convex";
import { splitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

const bug = vi.hoisted(() => ({ failingEventId: null as string | null }));

// A handler bug on demand: sessionSummary's handlers throw for one event id while `bug` says so.
vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const { withHandlerBug } = await import("../support/handler-bug.ts");
  return withHandlerBug(await importOriginal(), bug);
});

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 4_000;
const LIVE = 2_000;
/** In the tail's second batch (sessionSummary applies 1,000 events per mutation): the checkpoint is at 5,000. */
const VICTIM = 5_300;

useArchiverTestClock();
afterEach(() => {
  bug.failingEventId = null;
});

async function setUp() {
  const history = await splitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 67);
  process.env.REPROJECT_ARCHIVE = history.archive;
  const t = createConvexTest();
  await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
  await t.mutation(internal.reproject.append, { events: history.live });
  const admin = t.withIdentity(ADMIN);
  const statusOf = async (rebuildId: string) => (await admin.query(api.rebuilds.status, { rebuildId }))!;
  const rebuild = async () => {
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await runUntil(t, async () => (await statusOf(rebuildId)).state !== "running");
    return rebuildId;
  };
  const archiveNow = () => {
    vi.advanceTimersByTime(1_000);
    return t.action(internal.reprojectNode.archive, { nowMs: Date.now() });
  };
  const tablePositions = () =>
    t.run(async (ctx) => (await ctx.db.query("events").collect()).map((row) => row.position));
  const activeGeneration = () =>
    inComponent(t, async (ctx) => {
      const row = await ctx.db
        .query("projections")
        .withIndex("by_name", (q) => q.eq("name", "sessionSummary"))
        .unique();
      return row?.activeGeneration ?? null;
    });
  return { t, history, admin, statusOf, rebuild, archiveNow, tablePositions, activeGeneration };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe("the archiver and a failed rebuild", () => {
  it("keeps the rows after the failed rebuild's checkpoint, so that resuming it after archiving completes with every event", async () => {
    const { t, history, admin, statusOf, rebuild, archiveNow, tablePositions } = await setUp();
    bug.failingEventId = history.live[VICTIM - ARCHIVED - 1]!.eventId;
    const rebuildId = await rebuild();
    const failed = await statusOf(rebuildId);
    expect(failed).toMatchObject({ state: "failed", cursor: 5_000 });

    expect(await archiveNow()).toEqual({
      archived: LIVE,
      alreadyInArchive: 0,
      deleted: 1_000,
      archivedThrough: ARCHIVED + LIVE,
    });
    expect(await tablePositions()).toEqual(range(5_001, ARCHIVED + LIVE));

    bug.failingEventId = null;
    expect(await admin.mutation(api.rebuilds.resume, { rebuildId })).toMatchObject({ status: "resumed" });
    await runUntil(t, async () => (await statusOf(rebuildId)).state !== "running");
    const done = await statusOf(rebuildId);
    expect(done).toMatchObject({ state: "completed", lastError: null });
    expect(done.counters.found).toBe(ARCHIVED + LIVE);
    const docs = await generationDocuments(t, "sessionSummary", done.generation);
    expect(docs.sort((a, b) => a.streamId.localeCompare(b.streamId))).toEqual(
      foldSessionSummary(archiveEventsOf(history.all)),
    );
    // Done: nothing holds the rows back any more.
    expect(await archiveNow()).toMatchObject({ archived: 0, deleted: 1_000 });
    expect(await tablePositions()).toEqual([]);
  });
});

describe("a rebuild whose tail finds positions missing from the events table", () => {
  it.each([
    ["some of the tail", 4_001, 4_500],
    ["all of the tail", 4_001, ARCHIVED + LIVE],
  ])("fails with the missing range and does not swap when %s is gone", async (_what, from, to) => {
    const { t, statusOf, rebuild, activeGeneration } = await setUp();
    const first = await statusOf(await rebuild());
    expect(first.state).toBe("completed");
    // Rows removed behind the engine's back (by hand, or by an archiver that did not keep them).
    await t.run(async (ctx) => {
      const rows = await ctx.db
        .query("events")
        .withIndex("by_position", (q) => q.gte("position", from).lte("position", to))
        .collect();
      for (const row of rows) await ctx.db.delete(row._id);
    });

    const second = await statusOf(await rebuild());
    expect(second.state).toBe("failed");
    expect(second.lastError).toMatchObject({ position: from });
    expect(second.lastError!.message).toBe(
      `positions ${from}–${to} are missing from the events table: the tail after position ${ARCHIVED} ` +
        "cannot be replayed, so this rebuild's read model would be incomplete and it was not swapped in. " +
        "Trigger a new rebuild: it plans on the archive's current snapshot.",
    );
    expect(await activeGeneration()).toBe(first.generation);
  });
});
