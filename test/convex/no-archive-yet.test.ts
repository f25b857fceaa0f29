// A new deployment before the archiver's first run: nothing at the archive's location yet, every
// event in the events table. Its first builds read the table alone; a location that names a table
// that is not there (a metadata file) still fails, saying what is missing.
import { join } from "node:path";
import { beforeAll, beforeEach, afterEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { createConvexTest, runUntil } from "../support/convex";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { liveEventOf } from "../../src/local/demo/live-events.ts";
import { archiveEventsOf, foldRebufferByCdn, foldSessionSummary } from "../support/demo-fold";
import { generationDocuments } from "../support/read-model";

const ADMIN = { subject: "ops-1", role: "admin" };
const EVENTS = 2_500;
const records = [...demoEvents({ events: EVENTS, seed: 81 })];
const live = records.map(liveEventOf);
/** Where the archiver will create the archive; nothing there yet. */
let location = "";

beforeAll(() => {
  location = join(mkdtempSync(join(tmpdir(), "reproject-first-")), "events");
});
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

type T = ReturnType<typeof createConvexTest>;

async function appendAll(t: T) {
  expect(await t.action(internal.reprojectNode.initializeLog, {})).toEqual({ lastPosition: 0, archivedThrough: 0 });
  for (let start = 0; start < live.length; start += 500) {
    await t.mutation(internal.reproject.append, { events: live.slice(start, start + 500) });
  }
}

const statuses = (t: T) => t.withIdentity(ADMIN).query(api.rebuilds.listActive, {});
const projections = (t: T) => t.withIdentity(ADMIN).query(api.rebuilds.projections, {});

describe("a deployment with no archive yet", () => {
  it("builds every projection from the events table alone", async () => {
    process.env.REPROJECT_ARCHIVE = location;
    const t = createConvexTest();
    await appendAll(t);
    await t.mutation(internal.reproject.reconcile, {});
    await runUntil(t, async () => (await statuses(t)).length === 0);

    const rows = await projections(t);
    for (const name of ["rebufferByCdn", "sessionSummary"]) {
      const last = rows.find((row) => row.name === name)!.lastRebuild!;
      expect(last).toMatchObject({ state: "completed", processed: EVENTS, total: EVENTS, lastError: null });
      expect(last.archive.snapshotId).toBeUndefined();
    }
    const all = archiveEventsOf(records);
    const sessionGeneration = rows.find((row) => row.name === "sessionSummary")!.activeGeneration!;
    const sessions = (await generationDocuments(t, "sessionSummary", sessionGeneration)).sort((a, b) =>
      a.streamId.localeCompare(b.streamId),
    );
    expect(sessions).toEqual(foldSessionSummary(all));
    const rebufferGeneration = rows.find((row) => row.name === "rebufferByCdn")!.activeGeneration!;
    const rebuffers = (await generationDocuments(t, "rebufferByCdn", rebufferGeneration)).sort(
      (a, b) => a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device),
    );
    expect(rebuffers).toEqual(foldRebufferByCdn(all));
  });

  it("still fails a rebuild whose location names a metadata file that does not exist, naming it", async () => {
    const missing = join(location, "metadata", "v1.metadata.json");
    process.env.REPROJECT_ARCHIVE = missing;
    const t = createConvexTest();
    await appendAll(t);
    const { rebuildId } = (await t
      .withIdentity(ADMIN)
      .mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await runUntil(t, async () => (await statuses(t)).length === 0);
    const status = (await t.withIdentity(ADMIN).query(api.rebuilds.status, { rebuildId }))!;
    expect(status.state).toBe("failed");
    expect(status.lastError!.message).toContain(`${missing}: no such file`);
  });
});
