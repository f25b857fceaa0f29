// Archive maintenance on the deployment: a rebuild pinned to a snapshot keeps it (and its files)
// through compaction and expiry run mid-rebuild, completes identically, and expiry removes them
// once it is done; expiry waits for rebuilds still planning; scheduled runs never overlap; every
// operation is audited as `system`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { LISTED_IN_RESULT } from "../../src/node/maintenance.ts";
import { maintenanceSettings } from "../../src/server/maintenance-settings.ts";
import { TableFileIndex } from "../../src/archive/maintenance/index.ts";
import { snapshotById } from "../../src/archive/metadata.ts";
import { loadTableForWrite } from "../../src/archive/writer/index.ts";
import { tableRows } from "../support/archive-rows";
import { componentDocuments, createConvexTest, inComponent, runUntil, stepUntil } from "../support/convex";
import { foldSessionSummary, readArchiveEvents } from "../support/demo-fold";
import { localFragmentedArchive } from "../support/fragmented-archive";
import { generationDocuments } from "../support/read-model";

const ADMIN = { subject: "ops-1", role: "admin" };
const LATER = () => Date.now() + 60_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.REPROJECT_CHUNK_MAX_BATCHES;
  delete process.env.REPROJECT_ARCHIVE;
});

async function fragmentedDeploymentArchive() {
  // Two to three archiver runs a day over the demo's 30 days: several small files per day.
  const archive = await localFragmentedArchive({ events: 4_000, appends: 60, seed: 11 });
  process.env.REPROJECT_ARCHIVE = archive.directory;
  return archive;
}

async function sessionSummaryOf(t: ReturnType<typeof createConvexTest>, generation: number) {
  const docs = await generationDocuments(t, "sessionSummary", generation);
  return docs.sort((a, b) => a.streamId.localeCompare(b.streamId));
}

const auditOf = (t: ReturnType<typeof createConvexTest>) =>
  componentDocuments(t, "auditLog").then((log) => log.filter((entry) => entry.action.startsWith("archive_")));

describe("archive maintenance during a rebuild", () => {
  it("keeps the snapshot a running rebuild pinned, which completes identically; expiry removes it once the rebuild is done", async () => {
    const archive = await fragmentedDeploymentArchive();
    const events = await readArchiveEvents(archive.directory);
    const rowsBefore = await tableRows(archive.directory);
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await stepUntil(t, async () => ((await admin.query(api.rebuilds.status, { rebuildId }))?.processed ?? 0) > 0);
    const pinned = BigInt((await t.query(internal.reproject.pinnedSnapshots, {})).snapshotIds[0]!);
    const pinnedTable = await loadTableForWrite(archive.store);
    const pinnedFiles = [
      ...(
        await new TableFileIndex(archive.store, pinnedTable.metadata).filesOf([
          snapshotById(pinnedTable.metadata, pinned),
        ])
      ).values(),
    ];

    // Mid-rebuild: compact, then expire everything older than now.
    const compaction = await t.action(internal.reprojectNode.compact, {});
    expect(compaction).toMatchObject({ outcome: "completed", rowsWritten: events.length, commitAttempts: 1 });
    expect(compaction.dataFilesAfter).toBeLessThan(compaction.dataFilesBefore / 2);
    const expiry = await t.action(internal.reprojectNode.expire, { olderThanMs: LATER() });
    expect(expiry).toMatchObject({ outcome: "completed", keptForPins: [String(pinned)] });
    // More snapshots expire than the result lists: a count, and the first ids.
    expect(expiry.expiredSnapshots).toBeGreaterThan(50);
    expect(expiry.expiredSnapshotIds).toHaveLength(LISTED_IN_RESULT);
    for (const file of pinnedFiles) expect(existsSync(join(archive.directory, file.key)), file.key).toBe(true);

    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state === "completed");
    const status = (await admin.query(api.rebuilds.status, { rebuildId }))!;
    expect(status.counters.found).toBe(events.length);
    expect(await sessionSummaryOf(t, status.generation)).toEqual(foldSessionSummary(events));

    // The rebuild is done: nothing pins the snapshot any more.
    expect((await t.query(internal.reproject.pinnedSnapshots, {})).snapshotIds).toEqual([]);
    const release = await t.action(internal.reprojectNode.expire, { olderThanMs: LATER() });
    expect(release.expiredSnapshotIds).toEqual([String(pinned)]);
    const replaced = pinnedFiles.filter(
      (file) => file.kind === "data" && !existsSync(join(archive.directory, file.key)),
    );
    expect(replaced).toHaveLength(compaction.filesRead);
    expect((await tableRows(archive.directory)).rows).toEqual(rowsBefore.rows);

    const audit = await auditOf(t);
    expect(audit.map((entry) => [entry.action, entry.outcome, entry.actor.subject])).toEqual([
      ["archive_compact", "completed", "system"],
      ["archive_expire", "completed", "system"],
      ["archive_expire", "completed", "system"],
    ]);
    expect(JSON.parse(audit[1]!.details!)).toMatchObject({ keptForPins: [String(pinned)] });
    // The deployment marked its archive: the CLI refuses to expire it blind.
    expect((await loadTableForWrite(archive.store)).metadata.properties["reproject.convex-deployment"]).toBeDefined();
  });

  it("defers expiry while a rebuild is planning, since the snapshot it pins is not known yet", async () => {
    await fragmentedDeploymentArchive();
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "rebufferByCdn" })) as {
      rebuildId: string;
    };
    const expiry = await t.action(internal.reprojectNode.expire, { olderThanMs: LATER() });
    expect(expiry).toMatchObject({ outcome: "deferred", expiredSnapshotIds: [] });
    expect(expiry.reason).toContain(rebuildId);
    await runUntil(t, async () => (await admin.query(api.rebuilds.status, { rebuildId }))!.state === "completed");
    // A completed rebuild pins nothing.
    expect(await t.action(internal.reprojectNode.expire, { olderThanMs: LATER() })).toMatchObject({
      outcome: "completed",
      keptForPins: [],
    });
    expect((await auditOf(t)).map((entry) => entry.outcome)).toEqual(["deferred", "completed"]);
  });

  it("keeps the snapshot of a failed rebuild, which can still be resumed", async () => {
    const archive = await fragmentedDeploymentArchive();
    process.env.REPROJECT_CHUNK_MAX_BATCHES = "1";
    const t = createConvexTest();
    const admin = t.withIdentity(ADMIN);
    const { rebuildId } = (await admin.mutation(api.rebuilds.trigger, { projection: "sessionSummary" })) as {
      rebuildId: string;
    };
    await stepUntil(t, async () => ((await admin.query(api.rebuilds.status, { rebuildId }))?.processed ?? 0) > 0);
    await inComponent(t, async (ctx) => {
      const rebuild = (await ctx.db.query("rebuilds").first())!;
      await ctx.db.patch(rebuild._id, { state: "failed", lastError: { message: "handler bug", at: Date.now() } });
    });
    const pins = await t.query(internal.reproject.pinnedSnapshots, {});
    expect(pins.rebuilds).toMatchObject([{ state: "failed", phase: "archive" }]);
    await t.action(internal.reprojectNode.compact, {});
    const expiry = await t.action(internal.reprojectNode.expire, { olderThanMs: LATER() });
    expect(expiry.keptForPins).toEqual(pins.snapshotIds);
    const table = await loadTableForWrite(archive.store);
    expect(table.metadata.snapshots.map((snapshot) => String(snapshot["snapshot-id"]))).toContain(pins.snapshotIds[0]);
  });
});

describe("scheduled maintenance", () => {
  it("runs compaction, expiry and orphan cleanup one run at a time, each audited", async () => {
    const archive = await fragmentedDeploymentArchive();
    const rows = await tableRows(archive.directory);
    const t = createConvexTest();
    const first = await t.mutation(internal.reproject.startMaintenance, {});
    expect(first.status).toBe("started");
    expect(await t.mutation(internal.reproject.startMaintenance, {})).toEqual({ status: "already_running" });
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 1_000);

    const audit = await auditOf(t);
    expect(audit.map((entry) => [entry.action, entry.outcome])).toEqual([
      ["archive_maintenance", "skipped"],
      ["archive_compact", "completed"],
      // The default threshold keeps a week of snapshots: these are minutes old.
      ["archive_expire", "nothing_to_do"],
      ["archive_clean_orphans", "nothing_to_do"],
    ]);
    expect((await tableRows(archive.directory)).rows).toEqual(rows.rows);
    expect(await t.mutation(internal.reproject.startMaintenance, {})).toMatchObject({ status: "started" });
  });

  it("knows whether a run is in flight without scanning the deployment's scheduled functions", async () => {
    // 1,200 other functions scheduled in the last minutes, against 500 documents a transaction may read.
    const t = createConvexTest({ documentsRead: 500 });
    for (let round = 0; round < 2; round++) {
      await t.run(async (ctx) => {
        for (let i = 0; i < 600; i++) {
          await ctx.scheduler.runAfter(3_600_000, internal.reproject.recordMaintenance, {
            operation: "other work",
            outcome: "completed",
            details: "",
          });
        }
      });
    }
    expect((await t.mutation(internal.reproject.startMaintenance, {})).status).toBe("started");
    expect(await t.mutation(internal.reproject.startMaintenance, {})).toEqual({ status: "already_running" });
  });

  it("reads its thresholds from the environment, with safe floors", () => {
    expect(maintenanceSettings({})).toMatchObject({ enabled: true, targetFileBytes: 32 * 1024 * 1024, retainLast: 1 });
    expect(
      maintenanceSettings({
        REPROJECT_MAINTENANCE: "off",
        REPROJECT_MAINTENANCE_TARGET_FILE_MB: "64",
        REPROJECT_MAINTENANCE_SNAPSHOT_MAX_AGE_MS: "3600000",
        REPROJECT_MAINTENANCE_RETAIN_LAST: "5",
        REPROJECT_MAINTENANCE_ORPHAN_MIN_AGE_MS: "0",
      }),
    ).toEqual({
      enabled: false,
      targetFileBytes: 64 * 1024 * 1024,
      snapshotMaxAgeMs: 3_600_000,
      retainLast: 5,
      orphanMinAgeMs: 3_600_000,
      compactionBudgetMs: 300_000,
    });
  });
});
