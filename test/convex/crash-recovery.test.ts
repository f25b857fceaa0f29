// Crashes injected into the chunk action: it throws mid-chunk (before and right after a commit);
// the Workpool retries it and it resumes from the checkpoint. The read model must equal the fold
// of the archive, so an event applied twice or lost would show.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { eventColumns } from "../../src/replay/event-columns.ts";
import { foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

const faults = vi.hoisted(() => ({
  crashOnScanBatch: new Set<number>(),
  crashAfterCommit: new Set<number>(),
  scanBatches: 0,
  commits: 0,
}));

vi.mock("../../src/replay/archive-events.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/replay/archive-events.ts")>();
  return {
    ...original,
    eventsFromBatch: (...args: Parameters<typeof original.eventsFromBatch>) => {
      if (faults.crashOnScanBatch.delete(++faults.scanBatches))
        throw new Error(`injected crash while reading scan batch ${faults.scanBatches}`);
      return original.eventsFromBatch(...args);
    },
  };
});

vi.mock("../../src/replay/batch-sizer.ts", async (importOriginal) => {
  const { crashingAfterCommits } = await import("../support/crashing-sizer");
  return crashingAfterCommits(await importOriginal(), faults);
});

const ADMIN = { subject: "ops-1", role: "admin" };
let archive = "";
let events: ArchiveEvent[] = [];

beforeAll(async () => {
  archive = await localDemoArchive(20_000, 7);
  events = await readArchiveEvents(archive);
});
beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = archive;
  faults.crashOnScanBatch.clear();
  faults.crashAfterCommit.clear();
  faults.scanBatches = 0;
  faults.commits = 0;
});
afterEach(() => vi.useRealTimers());

async function rebuildSessionSummary() {
  const t = createConvexTest();
  const admin = t.withIdentity(ADMIN);
  const started = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
    rebuildId: string;
  };
  await runUntil(
    t,
    async () => (await admin.query(api.rebuilds.status, { rebuildId: started.rebuildId }))?.state !== "running",
  );
  const status = (await admin.query(api.rebuilds.status, { rebuildId: started.rebuildId }))!;
  const model = (await generationDocuments(t, "sessionSummary", status.generation)).sort((a, b) =>
    a.streamId.localeCompare(b.streamId),
  );
  return { t, status, model };
}

describe("crash recovery", () => {
  it.each([[[2]], [[5, 9]], [[1, 3, 6, 12]]])("survives crashes while reading scan batches %j", async (crashes) => {
    crashes.forEach((k) => faults.crashOnScanBatch.add(k));
    const { status, model } = await rebuildSessionSummary();
    expect(faults.crashOnScanBatch.size).toBe(0);
    expect(status.state).toBe("completed");
    expect(status.counters.found).toBe(events.length);
    expect(status.counters.retried).toBeGreaterThanOrEqual(crashes.length);
    expect(model).toEqual(foldSessionSummary(events));
  });

  it.each([[[1]], [[4]], [[2, 4, 7]]])("survives crashes right after committed batches %j", async (crashes) => {
    crashes.forEach((k) => faults.crashAfterCommit.add(k));
    const { status, model } = await rebuildSessionSummary();
    expect(faults.crashAfterCommit.size).toBe(0);
    expect(status).toMatchObject({ state: "completed", processed: events.length, total: events.length });
    expect(status.counters.found).toBe(events.length);
    expect(model).toEqual(foldSessionSummary(events));
  });

  it("ignores a batch committed twice (same expected cursor)", async () => {
    const t = createConvexTest();
    const started = (await t.withIdentity(ADMIN).mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await inComponent(t, async (ctx) => {
      const id = ctx.db.normalizeId("rebuilds", started.rebuildId)!;
      await ctx.db.patch(id, { phase: "archive", total: 2 });
    });
    const rebuildId = started.rebuildId as never;
    const batch = {
      rebuildId,
      expectedCursor: null,
      lastPosition: 2,
      skipped: 0,
      filtered: 0,
      events: eventColumns(
        [1, 2].map((position) => ({
          globalPosition: position,
          eventId: `e${position}`,
          eventType: "Play",
          eventVersion: 1,
          occurredAtMs: Date.UTC(2025, 0, 1) + position,
          streamId: "s1",
          attributes: {},
          payload: "{}",
        })),
      ),
    };
    expect(await t.mutation(internal.reproject.applyBatch, batch)).toMatchObject({ status: "applied", cursor: 2 });
    expect(await t.mutation(internal.reproject.applyBatch, batch)).toEqual({ status: "duplicate", cursor: 2 });
    const docs = await t.run((ctx) => ctx.db.query("sessionSummary").collect());
    expect(docs).toHaveLength(1);
    expect(docs[0]!.document.eventCount).toBe(2);
  });
});
