// Zero-downtime rebuilds and the handover to live events: the old generation serves complete data
// until the swap, appends interleaved with every chunk are neither lost nor applied twice.
import { describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { reproject } from "../../convex/reproject";
import type { QueryCtx } from "../../convex/_generated/server";
import { createConvexTest, runUntil, stepUntil } from "../support/convex";
import { useSplitDemoHistory } from "../support/demo-archive";
import { archiveEventsOf, foldSessionSummary, type ArchiveEvent } from "../support/demo-fold";

const ADMIN = { subject: "ops-1", role: "admin" };
const ARCHIVED = 8_000;
const history = useSplitDemoHistory(9_500, ARCHIVED, 41);

function asArchiveEvents(count: number): ArchiveEvent[] {
  return archiveEventsOf(history.all.slice(0, count));
}

describe("handover to live events", () => {
  it("serves the complete old read model during a rebuild and the complete new one after, with appends between every chunk", async () => {
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    let appended = 0;
    const appendSome = async (count: number) => {
      const batch = history.live.slice(appended, appended + count);
      if (batch.length === 0) return;
      const positions = await t.mutation(internal.reproject.append, { events: batch });
      expect(positions[0]).toBe(ARCHIVED + appended + 1);
      appended += batch.length;
    };
    const activeModel = () =>
      t.run(async (ctx) => {
        const model = await reproject.activeReadModel(ctx as unknown as QueryCtx, "sessionSummary");
        return {
          generation: model.generation,
          docs: (await model.list(10_000)).sort((a, b) => a.streamId.localeCompare(b.streamId)),
        };
      });

    // Live events before any rebuild: the first rebuild picks them up from the table's tail.
    await appendSome(200);
    const first = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await runUntil(
      t,
      async () => (await admin.query(api.rebuilds.status, { rebuildId: first.rebuildId }))!.state === "completed",
    );
    expect(await activeModel()).toEqual({
      generation: 1,
      docs: foldSessionSummary(asArchiveEvents(ARCHIVED + appended)),
    });

    // Appends now go to the active generation inline.
    await appendSome(100);
    expect((await activeModel()).docs).toEqual(foldSessionSummary(asArchiveEvents(ARCHIVED + appended)));

    const second = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    let chunksSeen = 0;
    let lastProcessed = -1;
    await stepUntil(t, async () => {
      const status = (await admin.query(api.rebuilds.status, { rebuildId: second.rebuildId }))!;
      if (status.state === "completed") return true;
      if (status.processed !== lastProcessed) {
        lastProcessed = status.processed;
        chunksSeen++;
        const model = await activeModel();
        expect(model.generation).toBe(1);
        expect(model.docs).toEqual(foldSessionSummary(asArchiveEvents(ARCHIVED + appended)));
        await appendSome(37);
      }
      return false;
    });
    expect(chunksSeen).toBeGreaterThan(5);
    const after = await activeModel();
    expect(after.generation).toBe(2);
    expect(after.docs).toEqual(foldSessionSummary(asArchiveEvents(ARCHIVED + appended)));
    const status = (await admin.query(api.rebuilds.status, { rebuildId: second.rebuildId }))!;
    // Every event, archived or appended while the rebuild ran, was read exactly once.
    expect(status.counters.found).toBe(ARCHIVED + appended);
    expect(status.cursor).toBe(ARCHIVED + appended);

    // The replaced generation is deleted in the background.
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);
    const leftovers = await t.run(async (ctx) =>
      (await ctx.db.query("sessionSummary").collect()).filter((doc) => doc.generation === 1),
    );
    expect(leftovers).toEqual([]);

    // After the swap, appends land in the new generation.
    await appendSome(50);
    expect((await activeModel()).docs).toEqual(foldSessionSummary(asArchiveEvents(ARCHIVED + appended)));
  });

  it("refuses an event a live projection rejects, appending nothing", async () => {
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    const admin = t.withIdentity(ADMIN);
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "rebufferByCdn" })) as {
      rebuildId: string;
    };
    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state === "completed");
    const bad = { ...history.live.find((event) => event.eventType === "Rebuffer")!, payload: '{"durationMs": -4}' };
    await expect(t.mutation(internal.reproject.append, { events: [history.live[0]!, bad] })).rejects.toThrow(
      /durationMs/,
    );
    expect(await t.run((ctx) => ctx.db.query("events").collect())).toEqual([]);
    expect((await t.run((ctx) => ctx.db.query("eventLog").first()))!.lastPosition).toBe(ARCHIVED);
  });
});
