// The handover while appends keep arriving: every tail page is followed by an append of half as many
// events, and the handover still finishes in a few steps, with each of its transactions reading a
// bounded range of positions (on a deployment a range read conflicts only with writes inside it).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { reproject } from "../../convex/reproject";
import type { QueryCtx } from "../../convex/_generated/server";
import { createConvexTest, runUntil } from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary } from "../support/demo-fold";
import { handoverReads, interleavedAppends } from "../support/tail-interleaving";

vi.mock("../../src/node/chunk.ts", async (importOriginal) => {
  const { appendingAfterTailPages } = await import("../support/tail-interleaving.ts");
  return appendingAfterTailPages(await importOriginal());
});
vi.mock("../../src/server/functions/replay.ts", async (importOriginal) => {
  const { bracketingHandovers } = await import("../support/tail-interleaving.ts");
  return bracketingHandovers(await importOriginal());
});
vi.mock("../../src/server/event-log.ts", async (importOriginal) => {
  const { recordingHandoverReads } = await import("../support/tail-interleaving.ts");
  return recordingHandoverReads(await importOriginal());
});

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 2_000;
/** Appended before the rebuild starts: what its tail begins with. */
const BACKLOG = 3_000;
const PAGE = 1_000;
const history = useSplitDemoHistory(12_000, ARCHIVED, 43);

describe("the handover under sustained appends", () => {
  beforeEach(() => {
    // One chunk runs the whole tail (the default budget): the appends come between its pages.
    delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
  });

  it("swaps in a bounded number of steps, reading bounded ranges, with appends at half the rebuild's rate between every tail page", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    let appended = 0;
    const take = (count: number) => {
      const batch = history.live.slice(appended, appended + count);
      appended += batch.length;
      return batch;
    };
    for (let done = 0; done < BACKLOG; done += 500) await t.mutation(internal.reproject.append, { events: take(500) });
    interleavedAppends.reset((pageLength) => take(Math.ceil(pageLength / 2)));

    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state === "completed");
    const appendedDuringTail = appended - BACKLOG;
    interleavedAppends.next = () => [];

    // An append followed every tail page, half as big as the page.
    expect(interleavedAppends.pages.length).toBeGreaterThan(3);
    expect(interleavedAppends.appended).toEqual(interleavedAppends.pages.map((length) => Math.ceil(length / 2)));
    expect(appendedDuringTail).toBe(interleavedAppends.appended.reduce((sum, count) => sum + count, 0));

    // Each round processes the gap found at its start while half as many events arrive: the first
    // round pages through the 3,000 of the backlog (1,500 arrive, more than the handover's window
    // of one batch: behind), the second through those 1,500 (750 arrive: they fit, and it swaps).
    expect(interleavedAppends.pages).toEqual([PAGE, PAGE, PAGE, PAGE, PAGE / 2]);
    const tailStart = ARCHIVED + BACKLOG;
    expect(handoverReads).toEqual([
      [{ table: "events", after: tailStart, through: tailStart + PAGE + 1 }],
      [{ table: "events", after: tailStart + 1_500, through: tailStart + 1_500 + PAGE + 1 }],
    ]);
    // So neither handover read the log's document (every append writes it) nor a range open at its
    // end: appends beyond one batch's window after the cursor never conflict with it.

    // Every event, archived, in the backlog or appended during the tail, is in the new generation once.
    const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
    expect(status.counters.found).toBe(ARCHIVED + appended);
    expect(status.cursor).toBe(ARCHIVED + appended);
    const activeDocs = async () =>
      t.run(async (ctx) => {
        const model = await reproject.activeReadModel(ctx as unknown as QueryCtx, "sessionSummary");
        return (await model.list(10_000)).sort((a, b) => a.streamId.localeCompare(b.streamId));
      });
    expect(await activeDocs()).toEqual(foldSessionSummary(archiveEventsOf(history.all.slice(0, ARCHIVED + appended))));

    // Appends after the swap land in the new generation.
    await t.mutation(internal.reproject.append, { events: take(50) });
    expect(await activeDocs()).toEqual(foldSessionSummary(archiveEventsOf(history.all.slice(0, ARCHIVED + appended))));
  });
});
