// The archiver and maintenance write the same archive: of two commits on one table version exactly
// one wins. An archiver run whose commit loses to a compaction retries or fails clearly; either
// way no event is lost or archived twice, and the events table keeps what is not archived yet.
import { describe, expect, it, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import { compactTable } from "../../src/archive/maintenance/index.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { loadTableForWrite } from "../../src/archive/writer/index.ts";
import { createConvexTest, useArchiverTestClock } from "../support/convex";
import { splitDemoHistory } from "../support/demo-archive";
import { readArchiveEvents } from "../support/demo-fold";

const race = vi.hoisted(() => ({ compactFirst: 0 }));

vi.mock("../../src/archive/writer/index.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/archive/writer/index.ts")>();
  return {
    ...original,
    // The archiver has loaded the table and written its files; a compaction commits before it does.
    appendToArchive: async (...args: Parameters<typeof original.appendToArchive>) => {
      if (race.compactFirst > 0 && race.compactFirst--) await compactTable(args[0]);
      return original.appendToArchive(...args);
    },
  };
});

const ARCHIVED = 3_000;
const LIVE = 2_000;

useArchiverTestClock();

describe("an archiver run racing a compaction", () => {
  it("loses nothing and archives nothing twice, whether it retries or fails and runs again", async () => {
    // An archive of many small appends, so that there is something to compact.
    const history = await splitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 29);
    process.env.REPROJECT_ARCHIVE = history.archive;
    const t = createConvexTest();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    for (let start = 0; start < 1_500; start += 100) {
      await t.mutation(internal.reproject.append, { events: history.live.slice(start, start + 100) });
      vi.advanceTimersByTime(1_000);
      await t.action(internal.reprojectNode.archive, { nowMs: Date.now() });
    }
    await t.mutation(internal.reproject.append, { events: history.live.slice(1_500) });
    vi.advanceTimersByTime(1_000);
    const nowMs = Date.now();

    race.compactFirst = 1;
    const first = await t.action(internal.reprojectNode.archive, { nowMs }).catch((error: unknown) => error as Error);
    if (first instanceof Error) {
      expect(first.message).toMatch(/another writer committed table version \d+ first; this append of \d+ rows/);
      // The rows stay in the events table until they are in the archive.
      expect((await t.query(internal.reproject.eventLogState, {}))!.archivedThrough).toBeLessThan(ARCHIVED + LIVE);
      await t.action(internal.reprojectNode.archive, { nowMs });
    }
    // The compaction did commit in between: the archive's last commits are the replace, then the append.
    const table = await loadTableForWrite(new LocalObjectStore(history.archive));
    expect(table.metadata.snapshots.slice(-2).map((snapshot) => snapshot.summary.operation)).toEqual([
      "replace",
      "append",
    ]);
    const positions = (await readArchiveEvents(history.archive)).map((event) => event.position);
    expect(positions).toEqual(Array.from({ length: ARCHIVED + LIVE }, (_, index) => index + 1));
    expect((await t.query(internal.reproject.eventLogState, {}))!.archivedThrough).toBe(ARCHIVED + LIVE);
    expect(await t.run(async (ctx) => (await ctx.db.query("events").collect()).length)).toBe(0);
  });
});
