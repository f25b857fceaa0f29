// The live log starts right after the archive's last position, checked against the archive itself;
// and the archiver never takes an events-table row for archived when the archive holds another
// event at its position.
import { describe, expect, it, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bearerTokenAuth } from "../support/catalog-auth-enforcers";
import { createConvexTest, useArchiverTestClock } from "../support/convex";
import { splitDemoHistory } from "../support/demo-archive";
import { readArchiveEvents } from "../support/demo-fold";
import { startRestCatalog } from "../support/rest-catalog-server";

const ARCHIVED = 4_000;
const LIVE = 100;

useArchiverTestClock();

async function setUp() {
  const history = await splitDemoHistory(ARCHIVED + LIVE, ARCHIVED, 71);
  process.env.REPROJECT_ARCHIVE = history.archive;
  const t = createConvexTest();
  const tableRows = () => t.run(async (ctx) => (await ctx.db.query("events").collect()).map((row) => row.position));
  return { t, history, tableRows };
}

describe("initializeLog", () => {
  it("reads where the archive ends and starts the log right after it", async () => {
    const { t, history, tableRows } = await setUp();
    expect(await t.action(internal.reprojectNode.initializeLog, {})).toEqual({
      lastPosition: ARCHIVED,
      archivedThrough: ARCHIVED,
    });
    await t.mutation(internal.reproject.append, { events: history.live.slice(0, 3) });
    expect(await tableRows()).toEqual([ARCHIVED + 1, ARCHIVED + 2, ARCHIVED + 3]);
  });

  it("accepts the archive's own high-water mark, and changes nothing when called again", async () => {
    const { t } = await setUp();
    await t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED });
    expect(await t.action(internal.reprojectNode.initializeLog, {})).toEqual({
      lastPosition: ARCHIVED,
      archivedThrough: ARCHIVED,
    });
  });

  it.each([
    [ARCHIVED - 50, "below it: live positions would collide with archived ones"],
    [
      ARCHIVED + 50,
      `above it: positions ${ARCHIVED + 1}–${ARCHIVED + 50} would hold no event, and rebuilds stop at a gap`,
    ],
  ])("refuses %i and leaves the log uninitialized, so nothing can be appended", async (mark, why) => {
    const { t, history } = await setUp();
    await expect(t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: mark })).rejects.toThrow(
      `initializeLog: archiveHighWaterMark ${mark} is not the archive's: its newest snapshot at ${history.archive} ` +
        `ends at position ${ARCHIVED}, and the log must start right after it (${why}). ` +
        "Run it without archiveHighWaterMark to start there.",
    );
    expect(await t.query(internal.reproject.eventLogState, {})).toBeNull();
    await expect(t.mutation(internal.reproject.append, { events: history.live.slice(0, 1) })).rejects.toThrow(
      /the event log is not initialized: run `npx convex run reprojectNode:initializeLog`/,
    );
  });

  it("reads a REST catalog table's current snapshot, for an archive Reproject only reads", async () => {
    const { t, history } = await setUp();
    const catalog = await startRestCatalog({
      prefix: "warehouse",
      auth: bearerTokenAuth("token"),
      tables: [
        {
          namespace: ["video"],
          name: "events",
          metadataLocation: join(history.archive, "metadata", "v2.metadata.json"),
          metadataJson: readFileSync(join(history.archive, "metadata", "v2.metadata.json"), "utf8"),
        },
      ],
    });
    try {
      Object.assign(process.env, { REPROJECT_ARCHIVE: `${catalog.uri}#video.events`, ICEBERG_REST_TOKEN: "token" });
      await expect(
        t.action(internal.reprojectNode.initializeLog, { archiveHighWaterMark: ARCHIVED - 1 }),
      ).rejects.toThrow(`ends at position ${ARCHIVED}`);
      expect(await t.action(internal.reprojectNode.initializeLog, {})).toEqual({
        lastPosition: ARCHIVED,
        archivedThrough: ARCHIVED,
      });
    } finally {
      delete process.env.ICEBERG_REST_TOKEN;
      await catalog.close();
    }
  });

  it("starts at 0 where there is no archive yet", async () => {
    const { t } = await setUp();
    process.env.REPROJECT_ARCHIVE = `${process.env.REPROJECT_ARCHIVE}-not-yet-written`;
    expect(await t.action(internal.reprojectNode.initializeLog, {})).toEqual({ lastPosition: 0, archivedThrough: 0 });
  });
});

describe("the archiver over a log started below the archive's high-water mark", () => {
  it("refuses to take rows for archived when the archive holds other events at their positions: nothing is lost", async () => {
    const { t, history, tableRows } = await setUp();
    // What initializeLog refuses, done by calling the mutation behind it directly.
    await t.mutation(internal.reproject.startLog, { archiveHighWaterMark: ARCHIVED - 50 });
    await t.mutation(internal.reproject.append, { events: history.live });
    vi.advanceTimersByTime(1_000);

    const run = t.action(internal.reprojectNode.archive, { nowMs: Date.now() });
    await expect(run).rejects.toThrow(
      new RegExp(
        `positions ${ARCHIVED - 49}–${ARCHIVED} of the events table hold other events than the archive at those positions ` +
          `\\(position ${ARCHIVED - 49}: ${history.live[0]!.eventId} in the table, [^ ]+ in the archive\\): ` +
          `the log was started below the archive's high-water mark ${ARCHIVED}, or another deployment archives to ` +
          "the same table\\. Nothing was archived or deleted: those 50 events are only in the events table",
      ),
    );
    expect(await tableRows()).toEqual(Array.from({ length: LIVE }, (_, index) => ARCHIVED - 49 + index));
    expect((await t.query(internal.reproject.eventLogState, {}))!.archivedThrough).toBe(ARCHIVED - 50);
    expect((await readArchiveEvents(history.archive)).map((event) => event.position)).toEqual(
      Array.from({ length: ARCHIVED }, (_, index) => index + 1),
    );
  });
});
