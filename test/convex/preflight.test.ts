// The pre-flight plan: what a rebuild will read and cost, planned as the rebuild plans it, with
// estimates from the projection's earlier rebuilds (or saying there is none) and warnings.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { registry } from "../../convex/projections";
import { EVENTS_PER_MUTATION } from "../../src/registry/complexity";
import { createConvexTest, rebuildsOf, rebuildToEnd as rebuild } from "../support/convex";
import { localDemoArchive } from "../support/demo-archive";
import { localManyFileArchive, type ManyFileArchive } from "../support/many-file-archive";

const ADMIN = { subject: "ops-1", role: "admin" };
type T = ReturnType<typeof createConvexTest>;

let archive = "";
beforeAll(async () => {
  archive = await localDemoArchive(12_000, 41);
});
beforeEach(() => {
  vi.useFakeTimers();
  process.env.REPROJECT_ARCHIVE = archive;
});
afterEach(() => vi.useRealTimers());

const preflight = (t: T, projection: string, options: object = {}) =>
  t.withIdentity(ADMIN).action(api.reprojectNode.preflight, { projection, options });

describe("the pre-flight plan", () => {
  it("gives the exact event count and pruning the rebuild then has, and says there is no earlier rebuild to estimate from", async () => {
    const t = createConvexTest();
    const options = { filter: { fromMs: Date.UTC(2025, 0, 8), toMs: Date.UTC(2025, 0, 12) } };
    const plan = await preflight(t, "sessionSummary", options);
    const classBatch = EVENTS_PER_MUTATION[registry.require("sessionSummary").complexity];
    expect(plan.estimate.measuredOn).toEqual([]);
    expect(plan.estimate.duration).toMatchObject({ seconds: null, basis: "none" });
    expect(plan.estimate.duration.note).toMatch(/no earlier rebuild of sessionSummary/);
    expect(plan.estimate.mutations).toEqual({
      count: Math.ceil(plan.events.total / classBatch),
      eventsPerMutation: classBatch,
      basis: "complexity_class",
    });
    expect(plan.estimate.documentsWritten).toEqual({ count: null, perEvent: null, basis: "none" });
    expect(plan.scan!.dataFilesSkipped).toBeGreaterThan(0);
    expect(plan.scan!.bytesToRead).toBeGreaterThan(0);
    expect(await rebuildsOf(t, "sessionSummary")).toEqual([]);

    const status = await rebuild(t, "sessionSummary", options);
    expect(status.state).toBe("completed");
    expect(status.total).toBe(plan.events.total);
    const { bytesToRead: _bytes, ...pruning } = plan.scan!;
    expect(status.pruning).toEqual(pruning);
    expect(plan.archive.snapshotId).toBe(status.archive.snapshotId);
  });

  it("estimates the next rebuild from the first one's measured rate, batches and writes", async () => {
    const t = createConvexTest();
    const first = await rebuild(t, "rebufferByCdn");
    const [stored] = await rebuildsOf(t, "rebufferByCdn");
    expect(stored!.usage!.batches).toBeGreaterThan(0);
    expect(stored!.usage!.documentsWritten).toBeGreaterThan(0);

    const plan = await preflight(t, "rebufferByCdn");
    expect(plan.events.total).toBe(first.total);
    const measuredRate = first.processed / ((first.finishedAt! - first.startedAt) / 1000);
    expect(plan.estimate.measuredOn).toEqual([first.rebuildId]);
    expect(plan.estimate.duration).toMatchObject({
      basis: "measured",
      eventsPerSecond: Math.round(measuredRate),
      seconds: Math.ceil(plan.events.total / measuredRate),
    });
    expect(plan.estimate.mutations).toMatchObject({
      basis: "measured",
      count: stored!.usage!.batches,
      eventsPerMutation: Math.round(first.processed / stored!.usage!.batches),
    });
    // Same events as the first run: the same writes, per event and in all.
    expect(plan.estimate.documentsWritten).toMatchObject({ basis: "measured", count: stored!.usage!.documentsWritten });
    expect(plan.estimate.bytesWritten).toMatchObject({ basis: "measured", count: stored!.usage!.bytesWritten });
    const capped = await preflight(t, "rebufferByCdn", { rateLimit: 1 });
    expect(capped.estimate.duration).toMatchObject({ basis: "measured", eventsPerSecond: 1, seconds: first.total });
    expect(capped.estimate.duration.note).toMatch(/capped by the rate limit$/);
    const dryRun = await preflight(t, "rebufferByCdn", { dryRun: true });
    expect(dryRun.estimate.documentsWritten).toEqual({ count: 0, perEvent: 0, basis: "dry_run" });
    // No earlier rebuild ran in lanes: its rate says nothing of theirs, its writes per event still hold.
    const inLanes = await preflight(t, "rebufferByCdn", { lanes: 4 });
    expect(inLanes.estimate.duration).toMatchObject({ seconds: null, basis: "none" });
    expect(inLanes.estimate.duration.note).toMatch(/no earlier rebuild of rebufferByCdn in 4 lanes has completed/);
    expect(inLanes.estimate.documentsWritten).toMatchObject({
      basis: "measured",
      count: stored!.usage!.documentsWritten,
    });
  });

  it("warns when the filter cannot be pushed down, not when it prunes", async () => {
    const t = createConvexTest();
    // Every row group holds every CDN: their statistics cannot skip any.
    const byCdn = await preflight(t, "rebufferByCdn", { filter: { attributes: { cdn: ["CDN1"] } } });
    expect(byCdn.scan).toMatchObject({ dataFilesSkipped: 0, rowGroupsSkipped: 0 });
    expect(byCdn.warnings).toEqual([
      { kind: "filter_not_pushed_down", message: expect.stringMatching(/skips no data file and no row group/) },
    ]);
    const byDay = await preflight(t, "rebufferByCdn", { filter: { fromMs: Date.UTC(2025, 0, 8) } });
    expect(byDay.warnings).toEqual([]);
  });

  it("refuses a caller who is not an admin, an unknown projection and bad options, with the reason", async () => {
    const t = createConvexTest();
    await expect(
      t
        .withIdentity({ subject: "viewer", role: "viewer" })
        .action(api.reprojectNode.preflight, { projection: "rebufferByCdn" }),
    ).rejects.toThrow(/viewer does not have the admin role/);
    await expect(preflight(t, "nope")).rejects.toThrow(/unknown projection "nope"; known: /);
    await expect(preflight(t, "rebufferByCdn", { rateLimit: 0 })).rejects.toThrow(/rateLimit must be between 1/);
  });
});

describe("the pre-flight plan of an uncompacted archive", () => {
  let many: ManyFileArchive;
  beforeAll(async () => {
    many = await localManyFileArchive({ files: 1_100, eventsPerFile: 80, filesPerAppend: 275 });
  }, 120_000);

  it("warns of many small files and suggests compaction", async () => {
    process.env.REPROJECT_ARCHIVE = many.directory;
    const plan = await preflight(createConvexTest(), "sessionSummary");
    expect(plan.scan!.dataFiles).toBe(many.dataFiles);
    expect(plan.events.total).toBe(many.records.length);
    expect(plan.warnings).toEqual([
      {
        kind: "small_files",
        message: expect.stringMatching(/^\d+ data files to read, averaging .*reproject archive compact/),
      },
    ]);
  });

  it("warns when the rate limit makes the rebuild last more than a day", async () => {
    process.env.REPROJECT_ARCHIVE = many.directory;
    const t = createConvexTest();
    const slow = await preflight(t, "sessionSummary", { rateLimit: 1 });
    expect(slow.warnings.map((warning) => warning.kind)).toEqual(["small_files", "slow_rate_limit"]);
    expect(slow.warnings[1]!.message).toBe(`at the rate limit of 1 events/s, 88000 events take at least 24.4 hours`);
    expect(slow.estimate.duration).toMatchObject({ seconds: 88_000, basis: "rate_limit" });
    const fast = await preflight(t, "sessionSummary", { rateLimit: 10 });
    expect(fast.warnings.map((warning) => warning.kind)).toEqual(["small_files"]);
  });
});
