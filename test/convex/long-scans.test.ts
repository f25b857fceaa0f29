// Long stretches of rows the handlers never see (a projection of a rare event type, a filter that
// row-group statistics cannot prune): the checkpoint must still advance, by position alone, so that
// a chunk ends within its budget and a retried one does not start over.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { recorded, resetRecorded } from "../support/commit-recorder";
import { createConvexTest, runUntil } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { OUTAGE } from "../support/outage-projection";
import { generationDocuments } from "../support/read-model";
import { rareType, reshapedDemoArchive } from "../support/reshaped-archive";
import { DEMO_START_MS } from "../../src/local/demo/demo-events.ts";

/** Row groups one scan may read before the platform ends its action (its 10 minutes are up). */
const actionLimit = vi.hoisted(() => ({ rowGroups: Infinity }));

vi.mock("../../convex/projections.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../convex/projections.ts")>();
  const { defineRegistry } = await import("../../src/registry/index.ts");
  const { outagesByCdn } = await import("../support/outage-projection.ts");
  return { ...original, registry: defineRegistry([...original.registry.projections, outagesByCdn]) };
});

vi.mock("../../src/server/commit-events.ts", async (importOriginal) => {
  const { recordingCommits } = await import("../support/commit-recorder.ts");
  return recordingCommits(await importOriginal());
});

vi.mock("../../src/archive/scan.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/archive/scan.ts")>();
  async function* endedAtTheLimit(batches: AsyncGenerator<import("../../src/archive/scan.ts").RowBatch>) {
    let read = 0;
    for await (const batch of batches) {
      if (++read > actionLimit.rowGroups) throw new Error("injected: the action ran past its 10 minutes and was ended");
      yield batch;
    }
  }
  return {
    ...original,
    scanPlan: (...args: Parameters<typeof original.scanPlan>) => endedAtTheLimit(original.scanPlan(...args)),
  };
});

const ADMIN = { subject: "ops-1", role: "admin" };
type T = ReturnType<typeof createConvexTest>;

beforeEach(() => {
  vi.useFakeTimers();
  resetRecorded();
});
afterEach(() => {
  vi.useRealTimers();
  actionLimit.rowGroups = Infinity;
  delete process.env.REPROJECT_CHECKPOINT_ROWS;
  delete process.env.REPROJECT_CHUNK_BUDGET_MS;
});

async function trigger(t: T, projection: string, options: object = {}) {
  const admin = t.withIdentity(ADMIN);
  const answer = (await admin.mutation(api.rebuilds.trigger, { projection, options })) as {
    status: string;
    rebuildId: string;
  };
  expect(answer.status).toBe("started");
  return async () => (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!;
}

async function rebuild(t: T, projection: string, options: object = {}) {
  const status = await trigger(t, projection, options);
  await runUntil(t, async () => (await status()).state !== "running");
  return status();
}

/** With real timers: the Workpool runs by itself, and the chunk's budget is real time. */
async function rebuildInRealTime(t: T, projection: string, timeoutMs = 60_000) {
  const status = await trigger(t, projection);
  for (const deadline = Date.now() + timeoutMs; (await status()).state === "running";) {
    if (Date.now() > deadline) throw new Error(`the rebuild of ${projection} was still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status();
}

/**
 * An archive where every 1000th event is an Outage, and the outages per CDN it holds. `timeScale`
 * squeezes the demo's 30 days (one data file each) into fewer.
 */
async function archiveWithRareOutages(events: number, seed: number, timeScale = 1) {
  const outages: Record<string, number> = {};
  const withOutages = rareType(OUTAGE, 1_000);
  const archive = await reshapedDemoArchive(events, seed, (event) => {
    const reshaped = {
      ...withOutages(event),
      occurredAtMs: DEMO_START_MS + Math.floor((event.occurredAtMs - DEMO_START_MS) * timeScale),
    };
    if (reshaped.eventType === OUTAGE)
      outages[reshaped.attributes.cdn as string] = (outages[reshaped.attributes.cdn as string] ?? 0) + 1;
    return reshaped;
  });
  const expected = Object.entries(outages)
    .map(([cdn, count]) => ({ cdn, outages: count }))
    .sort((a, b) => a.cdn.localeCompare(b.cdn));
  return { archive, expected };
}

async function outageModel(t: T, generation: number) {
  const docs = (await t.run((ctx) => ctx.db.query("outagesByCdn" as never).collect())) as unknown as {
    generation: number;
    document: { cdn: string; outages: number };
  }[];
  return docs
    .filter((doc) => doc.generation === generation)
    .map((doc) => doc.document)
    .sort((a, b) => a.cdn.localeCompare(b.cdn));
}

describe("a filter that matches 0.1% of the rows and that no statistics can prune", () => {
  let archive = "";
  let events: ArchiveEvent[] = [];
  beforeAll(async () => {
    archive = await localDemoArchive(60_000, 15);
    events = await readArchiveEvents(archive);
  });

  it("advances the checkpoint by position every REPROJECT_CHECKPOINT_ROWS rows, not once at the end", async () => {
    process.env.REPROJECT_ARCHIVE = archive;
    process.env.REPROJECT_CHECKPOINT_ROWS = "5000";
    const t = createConvexTest();
    const filter = { eventTypes: ["Error"], attributes: { cdn: ["CDN4"], device: ["Roku"] } };
    const status = await rebuild(t, "sessionSummary", { filter, target: "rare-errors" });
    const matching = events.filter(
      (event) => event.type === "Error" && event.cdn === "CDN4" && event.device === "Roku",
    );
    expect(matching.length).toBeGreaterThan(0);
    expect(matching.length).toBeLessThan(events.length / 500);
    expect(status).toMatchObject({ state: "completed", total: events.length, processed: events.length });
    expect(status.pruning!.rowsSkipped).toBe(0);
    expect(status.counters).toMatchObject({
      found: events.length,
      applied: matching.length,
      filtered: events.length - matching.length,
    });

    const rows = recorded.commits.map((commit) => commit.rows);
    expect(rows.reduce((sum, count) => sum + count, 0)).toBe(events.length);
    expect(Math.max(...rows)).toBeLessThanOrEqual(5_000);
    expect(recorded.commits.length).toBeGreaterThanOrEqual(events.length / 5_000);
    const positions = recorded.commits.map((commit) => commit.lastPosition);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));

    const model = (await generationDocuments(t, "sessionSummary", status.generation)).sort((a, b) =>
      a.streamId.localeCompare(b.streamId),
    );
    expect(model).toEqual(foldSessionSummary(matching));
  });
});

describe("a projection of a rare event type", () => {
  it("finishes when reading the archive takes longer than an action may run: each chunk ends within its budget, checkpointed by position", async () => {
    vi.useRealTimers();
    // Three days, three data files of one row group each; an action gets through two of them.
    const { archive, expected } = await archiveWithRareOutages(60_000, 16, 1 / 10);
    process.env.REPROJECT_ARCHIVE = archive;
    process.env.REPROJECT_CHUNK_BUDGET_MS = "1";
    actionLimit.rowGroups = 2;
    const t = createConvexTest();
    const status = await rebuildInRealTime(t, "outagesByCdn");
    expect(status.lastError).toBeNull();
    expect(status).toMatchObject({ state: "completed", processed: 60_000 });
    expect(status.counters).toMatchObject({ found: 60_000, applied: 60, skipped: 60_000 - 60, retried: 0 });
    expect(recorded.commits.length).toBeGreaterThanOrEqual(3);
    expect(await outageModel(t, status.generation)).toEqual(expected);
  });

  it("of 2M events, where it is 0.1%, checkpoints every 100,000 rows by default", async () => {
    const { archive, expected } = await archiveWithRareOutages(2_000_000, 17);
    process.env.REPROJECT_ARCHIVE = archive;
    const t = createConvexTest();
    const status = await rebuild(t, "outagesByCdn");
    expect(status).toMatchObject({ state: "completed", total: 2_000_000, processed: 2_000_000 });
    expect(status.counters).toMatchObject({ found: 2_000_000, applied: 2_000, skipped: 2_000_000 - 2_000 });
    const rows = recorded.commits.map((commit) => commit.rows);
    expect(Math.max(...rows)).toBeLessThanOrEqual(100_000);
    expect(recorded.commits.length).toBeGreaterThanOrEqual(20);
    expect(await outageModel(t, status.generation)).toEqual(expected);
  }, 180_000);
});
