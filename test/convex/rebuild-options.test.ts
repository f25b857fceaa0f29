// Filtered replays, dry runs, the rate limit, and batches shrinking under tight transaction limits.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { createConvexTest, inComponent, runUntil } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { foldRebufferByCdn, foldSessionSummary, readArchiveEvents, type ArchiveEvent } from "../support/demo-fold";
import { generationDocuments as documents } from "../support/read-model";

const ADMIN = { subject: "ops-1", role: "admin" };
let archive = "";
let events: ArchiveEvent[] = [];

beforeAll(async () => {
  archive = await localDemoArchive(12_000, 31);
  events = await readArchiveEvents(archive);
});
beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = archive;
});
afterEach(() => vi.useRealTimers());

type T = ReturnType<typeof createConvexTest>;

async function rebuild(t: T, projection: string, options: object = {}) {
  const admin = t.withIdentity(ADMIN);
  const answer = (await admin.mutation(api.rebuilds.trigger, { projection, options })) as { status: string; rebuildId: string };
  expect(answer.status).toBe("started");
  await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!.state !== "running");
  return (await admin.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!;
}

const byCdnDevice = (a: { cdn: string; device: string }, b: { cdn: string; device: string }) =>
  a.cdn.localeCompare(b.cdn) || a.device.localeCompare(b.device);
const byStream = (a: { streamId: string }, b: { streamId: string }) => a.streamId.localeCompare(b.streamId);

describe("filtered replays", () => {
  it("cdn = CDN1 and device = Android: the fold of the matching events, in a named generation, the active one untouched", async () => {
    const t = createConvexTest();
    const status = await rebuild(t, "rebufferByCdn", { filter: { attributes: { cdn: ["CDN1"], device: ["Android"] } }, target: "cdn1-android" });
    const matching = events.filter((event) => event.cdn === "CDN1" && event.device === "Android");
    expect(status).toMatchObject({ state: "completed", target: "cdn1-android" });
    expect(status.counters.found - status.counters.filtered).toBe(matching.length);
    const model = (await documents(t, "rebufferByCdn", status.generation)) as ReturnType<typeof foldRebufferByCdn>;
    expect(model.sort(byCdnDevice)).toEqual(foldRebufferByCdn(matching));
    const row = await inComponent(t, (ctx) => ctx.db.query("projections").withIndex("by_name", (q) => q.eq("name", "rebufferByCdn")).unique());
    expect(row!.activeGeneration).toBeNull();
  });

  it("a time range prunes day partitions and replays exactly [from, to)", async () => {
    const t = createConvexTest();
    const day = 86_400_000;
    const fromMs = Date.UTC(2025, 0, 8);
    const toMs = fromMs + 5 * day + 3_600_000;
    const status = await rebuild(t, "sessionSummary", { filter: { fromMs, toMs } });
    const inRange = events.filter((event) => event.occurredAtMs >= fromMs && event.occurredAtMs < toMs);
    expect(status.pruning!.dataFilesSkipped).toBeGreaterThan(0);
    expect(status.pruning!.rowsSkipped).toBeGreaterThan(events.length / 2);
    expect(status.total).toBe(events.length - status.pruning!.rowsSkipped);
    expect(status.counters.found - status.counters.filtered).toBe(inRange.length);
    const model = (await documents(t, "sessionSummary", status.generation)) as ReturnType<typeof foldSessionSummary>;
    expect(model.sort(byStream)).toEqual(foldSessionSummary(inRange));
  });

  it("event types: only the listed types reach the handlers", async () => {
    const t = createConvexTest();
    const status = await rebuild(t, "sessionSummary", { filter: { eventTypes: ["Rebuffer", "Error"] } });
    const chosen = events.filter((event) => event.type === "Rebuffer" || event.type === "Error");
    expect(status.counters.applied).toBe(chosen.length);
    const model = (await documents(t, "sessionSummary", status.generation)) as ReturnType<typeof foldSessionSummary>;
    expect(model.sort(byStream)).toEqual(foldSessionSummary(chosen));
  });
});

describe("dry run", () => {
  it("validates and counts every event through the handlers but writes no read model and swaps nothing", async () => {
    const t = createConvexTest();
    const status = await rebuild(t, "rebufferByCdn", { dryRun: true });
    const rebuffers = events.filter((event) => event.type === "Rebuffer").length;
    expect(status).toMatchObject({ state: "completed", dryRun: true, processed: events.length });
    expect(status.counters).toMatchObject({ found: events.length, applied: rebuffers, invalid: 0 });
    expect(await t.run((ctx) => ctx.db.query("rebufferByCdn").collect())).toEqual([]);
    const row = await inComponent(t, (ctx) => ctx.db.query("projections").withIndex("by_name", (q) => q.eq("name", "rebufferByCdn")).unique());
    expect(row!.activeGeneration).toBeNull();
  });
});

describe("rate limit", () => {
  it("keeps the average rate at or below the ceiling", async () => {
    const t = createConvexTest();
    const rateLimit = 4_000;
    const status = await rebuild(t, "rebufferByCdn", { rateLimit });
    expect(status.state).toBe("completed");
    const seconds = (status.finishedAt! - status.startedAt) / 1000;
    expect(events.length / seconds).toBeLessThanOrEqual(rateLimit * 1.05);
  });
});

describe("transaction limits", () => {
  it("completes by shrinking batches when a batch would write more documents than a transaction allows", async () => {
    const t = createConvexTest({ documentsWritten: 150 });
    const status = await rebuild(t as unknown as T, "sessionSummary");
    expect(status.state).toBe("completed");
    const model = (await documents(t as unknown as T, "sessionSummary", status.generation)) as ReturnType<typeof foldSessionSummary>;
    expect(model.sort(byStream)).toEqual(foldSessionSummary(events));
  });
});
