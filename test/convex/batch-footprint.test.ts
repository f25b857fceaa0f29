// Batches sized by what they touch, under Convex's real transaction limits (convex-test enforces
// them): a projection whose events touch many distinct documents (one index range each), and one
// whose documents carry 30 KB of each event. No batch may run into a limit: each one that does is a
// mutation thrown away, and a batch that grows back into the limit throws another.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { recorded, resetRecorded } from "../support/commit-recorder";
import { createConvexTest, runUntil } from "../support/convex";
import { installIndexedLookups } from "../../src/local/runtime/indexed-lookups.ts";
import { liveEventOf } from "../../src/local/demo/live-events.ts";
import { archiveEventsOf, foldSessionSummary } from "../support/demo-fold";
import { localDemoArchive, splitDemoHistory } from "../support/demo-archive";
import { reshapedDemoArchive } from "../support/reshaped-archive";
import { KEYS_PER_EVENT, noteOf, withNote } from "../support/wide-projections";

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../convex/projections.ts")>();
  const { defineRegistry } = await import("../../src/registry/index.ts");
  const { wideProjections } = await import("../support/wide-projections.ts");
  return {
    ...original,
    registry: defineRegistry([...original.registry.projections, ...wideProjections(original.playbackEvents)]),
  };
});

vi.mock("../../src/server/commit-events.ts", async (importOriginal) => {
  const { recordingCommits } = await import("../support/commit-recorder.ts");
  return recordingCommits(await importOriginal());
});

// convex-test answers every query by sorting the whole table: tens of thousands of read-model
// documents need the local runtime's indexed lookups (same answers, same transaction metrics).
installIndexedLookups();

const ADMIN = { subject: "ops-1", role: "admin" };
const MiB = 2 ** 20;
const CONVEX_LIMITS = { indexRanges: 4_096, bytesRead: 16 * MiB, bytesWritten: 16 * MiB, argumentBytes: 16 * MiB };
const NOTE_BYTES = 30_000;
type T = ReturnType<typeof createConvexTest>;

beforeEach(() => {
  vi.useFakeTimers();
  resetRecorded();
});
afterEach(() => vi.useRealTimers());

async function rebuild(t: T, projection: string) {
  const admin = t.withIdentity(ADMIN);
  const answer = (await admin.mutation(api.rebuilds.trigger, { projection })) as { status: string; rebuildId: string };
  expect(answer.status).toBe("started");
  const status = async () => (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!;
  await runUntil(t, async () => (await status()).state !== "running");
  return status();
}

/** The generation's documents, read a page per transaction (all at once would read past 16 MiB). */
async function documents<Doc>(t: T, table: string, generation: number): Promise<Doc[]> {
  type Stored = { generation: number; document: Doc };
  const docs: Doc[] = [];
  for (let cursor: string | null = null, done = false; !done;) {
    const page = (await t.run((ctx) =>
      ctx.db.query(table as never).paginate({ cursor, numItems: 200 }),
    )) as unknown as { page: Stored[]; isDone: boolean; continueCursor: string };
    docs.push(...page.page.filter((doc) => doc.generation === generation).map((doc) => doc.document));
    ({ isDone: done, continueCursor: cursor } = page);
  }
  return docs;
}

function expectEveryBatchWithinConvexLimits() {
  expect(recorded.limitErrors).toEqual([]);
  for (const commit of recorded.commits) {
    expect(commit.indexRanges).toBeLessThanOrEqual(CONVEX_LIMITS.indexRanges);
    expect(commit.bytesRead).toBeLessThanOrEqual(CONVEX_LIMITS.bytesRead);
    expect(commit.bytesWritten).toBeLessThanOrEqual(CONVEX_LIMITS.bytesWritten);
    expect(commit.argumentBytes).toBeLessThanOrEqual(CONVEX_LIMITS.argumentBytes);
  }
}

describe("batches sized by what they touch", () => {
  it(`cuts a batch at the distinct keys its events prefetch: ${KEYS_PER_EVENT} per event never take a batch past 4,096 index ranges`, async () => {
    const archive = await localDemoArchive(3_000, 41);
    process.env.REPROJECT_ARCHIVE = archive;
    const t = createConvexTest();
    const status = await rebuild(t, "eventFanOut");
    expect(status).toMatchObject({ state: "completed", processed: 3_000 });
    expect(status.counters).toMatchObject({ found: 3_000, applied: 3_000 });
    expectEveryBatchWithinConvexLimits();
    // Well inside the limit, yet not timid: more than a thousand index ranges per batch.
    expect(Math.max(...recorded.commits.map((commit) => commit.indexRanges))).toBeGreaterThan(1_000);
    const docs = await documents<{ key: string; events: number }>(t, "eventFanOut", status.generation);
    expect(docs).toHaveLength(3_000 * KEYS_PER_EVENT);
    expect(docs.every((doc) => doc.events === 1)).toBe(true);
    expect(new Set(docs.map((doc) => doc.key.split(":")[0])).size).toBe(3_000);
  });

  it("hands over a live tail of such events in batches cut the same way: the handover's own batch holds only what came after", async () => {
    // A short archive keeps the batch size at its default, so the 900 live events are one short page.
    const history = await splitDemoHistory(1_200, 300, 43);
    process.env.REPROJECT_ARCHIVE = history.archive;
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: 300 });
    await t.mutation(internal.reproject.append, { events: history.live });
    const status = await rebuild(t, "eventFanOut");
    expect(status).toMatchObject({ state: "completed", processed: 1_200 });
    expectEveryBatchWithinConvexLimits();
    const docs = await documents<{ key: string; events: number }>(t, "eventFanOut", status.generation);
    expect(docs).toHaveLength(1_200 * KEYS_PER_EVENT);
    expect(docs.every((doc) => doc.events === 1)).toBe(true);
  });

  it("reads a live tail of 30 KB events in pages cut at their bytes: no tail query reads past 16 MiB", async () => {
    // 700 live events carrying 30 KB each (a field the handlers ignore): 21 MB, past what one query
    // may read, in fewer events than a tail page holds.
    const history = await splitDemoHistory(800, 100, 44);
    process.env.REPROJECT_ARCHIVE = history.archive;
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: 100 });
    const live = history.all.slice(100).map(withNote(NOTE_BYTES)).map(liveEventOf);
    for (let from = 0; from < live.length; from += 100)
      await t.mutation(internal.reproject.append, { events: live.slice(from, from + 100) });
    const status = await rebuild(t, "sessionSummary");
    expect(status.lastError?.message ?? null).toBeNull();
    expect(status).toMatchObject({ state: "completed", processed: 800 });
    const docs = await documents<{ streamId: string }>(t, "sessionSummary", status.generation);
    expect(docs.sort((a, b) => a.streamId.localeCompare(b.streamId))).toEqual(
      foldSessionSummary(archiveEventsOf(history.all)),
    );
  });

  describe("events whose payloads are 30 KB", () => {
    let archive = "";
    const notes = new Map<string, string>();
    beforeAll(async () => {
      const note = withNote(NOTE_BYTES);
      archive = await reshapedDemoArchive(2_000, 42, (event) => {
        const noted = note(event);
        if (event.eventType !== "Rebuffer") notes.set(event.eventId, noteOf(event.globalPosition, NOTE_BYTES));
        return noted;
      });
    });

    it("cuts a batch at its payload bytes and at the bytes its documents weigh: no batch passes 16 MiB of arguments or writes", async () => {
      process.env.REPROJECT_ARCHIVE = archive;
      const t = createConvexTest();
      const status = await rebuild(t, "notesById");
      expect(status).toMatchObject({ state: "completed", processed: 2_000 });
      expect(status.counters).toMatchObject({ found: 2_000, applied: notes.size });
      expectEveryBatchWithinConvexLimits();
      const docs = await documents<{ eventId: string; note: string }>(t, "notesById", status.generation);
      expect(new Map(docs.map((doc) => [doc.eventId, doc.note]))).toEqual(notes);
    });
  });
});
