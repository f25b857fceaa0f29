// Snapshot expiry and orphan cleanup: pinned snapshots and their files survive, the files only
// expired snapshots needed go, recent unreferenced files are spared; the CLI refuses to expire a
// deployment's archive blind; everything works the same on S3.
import { existsSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanOrphans, compactTable, decideExpiry, DEPLOYMENT_PROPERTY, expireSnapshots, TableFileIndex } from "../../src/archive/maintenance/index.ts";
import { currentSnapshot } from "../../src/archive/metadata.ts";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { loadTableForWrite, setTableProperties } from "../../src/archive/writer/index.ts";
import { tableRows } from "../support/archive-rows.ts";
import { runCli } from "../support/cli.ts";
import { localFragmentedArchive, writeFragmentedArchive } from "../support/fragmented-archive.ts";
import { createTestBucket, s3Endpoint, testS3Client } from "../support/s3.ts";

// Two to three appends a day: most days end up in several small files.
const EVENTS = 4_000;
const APPENDS = 60;
const LATER = () => Date.now() + 60_000;

function parquetFiles(directory: string): string[] {
  return readdirSync(join(directory, "data"), { recursive: true, encoding: "utf8" })
    .filter((entry) => entry.endsWith(".parquet"))
    .map((entry) => `data/${entry}`)
    .sort();
}

describe("snapshot expiry", () => {
  it("keeps a pinned snapshot and every file it needs; once unpinned, removes them", async () => {
    const archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    const pinned = currentSnapshot(archive.table.metadata)!;
    const pinnedRows = await tableRows(archive.directory);
    const pinnedFiles = [...(await new TableFileIndex(archive.store, archive.table.metadata).filesOf([pinned])).values()];
    const compaction = await compactTable(archive.store);
    expect(compaction.dataFilesAfter).toBeLessThan(compaction.dataFilesBefore);

    const kept = await expireSnapshots(archive.store, { olderThanMs: LATER(), keepSnapshotIds: [pinned["snapshot-id"], 42n] });
    expect(kept.pinnedSnapshotIds).toEqual([pinned["snapshot-id"]]);
    expect(kept.unknownPinnedSnapshotIds).toEqual([42n]);
    expect(kept.expiredSnapshotIds).toHaveLength(APPENDS - 1);
    expect(kept.retainedSnapshotIds).toHaveLength(2);
    // The pinned snapshot needs all the small files: none was deleted, only older manifest lists.
    expect(kept.filesDeleted).toEqual({ "manifest-list": APPENDS - 1, manifest: 0, data: 0, deletes: 0 });
    for (const file of pinnedFiles) expect(existsSync(join(archive.directory, file.key)), file.key).toBe(true);
    expect((await tableRows(archive.directory, pinned["snapshot-id"])).rows).toEqual(pinnedRows.rows);

    const released = await expireSnapshots(archive.store, { olderThanMs: LATER() });
    expect(released.expiredSnapshotIds).toEqual([pinned["snapshot-id"]]);
    // The files the compaction replaced, now needed by no snapshot.
    expect(released.filesDeleted.data).toBe(compaction.filesRead);
    const compacted = await loadTableForWrite(archive.store);
    const live = [...(await new TableFileIndex(archive.store, compacted.metadata).filesOf(compacted.metadata.snapshots)).values()];
    expect(parquetFiles(archive.directory)).toEqual(live.filter((file) => file.kind === "data").map((file) => file.key).sort());
    expect((await tableRows(archive.directory)).rows).toEqual(pinnedRows.rows);
    // Nothing is left behind for orphan cleanup.
    expect((await cleanOrphans(archive.store, { olderThanMs: LATER(), dryRun: true })).orphans).toEqual([]);
  });

  it("keeps the last N snapshots of the current lineage and everything newer than the threshold", async () => {
    const archive = await localFragmentedArchive({ events: 1_000, appends: 6 });
    const snapshots = archive.table.metadata.snapshots;
    const decision = decideExpiry(archive.table.metadata, snapshots[3]!["timestamp-ms"], 2, new Set());
    expect(decision.retained.map((snapshot) => snapshot["snapshot-id"])).toEqual(
      snapshots.filter((snapshot, index) => index >= 4 || snapshot["timestamp-ms"] >= snapshots[3]!["timestamp-ms"]).map((s) => s["snapshot-id"]),
    );
    const dry = await expireSnapshots(archive.store, { olderThanMs: LATER(), retainLast: 3, dryRun: true });
    expect(dry.expiredSnapshotIds).toEqual(snapshots.slice(0, 3).map((snapshot) => snapshot["snapshot-id"]));
    expect(dry.version).toBeNull();
    expect((await loadTableForWrite(archive.store)).metadata.snapshots).toHaveLength(6);

    const done = await expireSnapshots(archive.store, { olderThanMs: LATER(), retainLast: 3 });
    const table = await loadTableForWrite(archive.store);
    expect(table.version).toBe(done.version);
    expect(table.metadata.snapshots.map((snapshot) => snapshot["snapshot-id"])).toEqual(snapshots.slice(3).map((snapshot) => snapshot["snapshot-id"]));
    // Time travel before the oldest kept snapshot no longer lands on a wrong one.
    expect(table.metadata["snapshot-log"].map((entry) => entry["snapshot-id"])).toEqual(snapshots.slice(3).map((snapshot) => snapshot["snapshot-id"]));
    for (const snapshot of table.metadata.snapshots) expect((await tableRows(archive.directory, snapshot["snapshot-id"])).rows.length).toBeGreaterThan(0);
  });
});

describe("orphan cleanup", () => {
  it("deletes old unreferenced files only: referenced ones and recent ones stay", async () => {
    const archive = await localFragmentedArchive({ events: 1_000, appends: 4 });
    const rows = await tableRows(archive.directory);
    const old = (Date.now() - 10 * 86_400_000) / 1000;
    const orphanData = join(archive.directory, "data/occurred_at_day=2025-01-01/crashed-writer.parquet");
    const orphanManifest = join(archive.directory, "metadata/crashed-m0.avro");
    const recent = join(archive.directory, "data/occurred_at_day=2025-01-01/in-flight.parquet");
    const outside = join(archive.directory, "README.txt");
    for (const file of [orphanData, orphanManifest, recent, outside]) writeFileSync(file, "x");
    for (const file of [orphanData, orphanManifest, outside]) utimesSync(file, old, old);
    // Every table file is old too: only references keep them.
    for (const entry of readdirSync(archive.directory, { recursive: true, encoding: "utf8" })) {
      if (/\.(parquet|avro|json|text)$/.test(entry) && !entry.includes("in-flight")) utimesSync(join(archive.directory, entry), old, old);
    }

    const dry = await cleanOrphans(archive.store, { olderThanMs: Date.now() - 86_400_000, dryRun: true });
    expect(dry.orphans.map((orphan) => orphan.key)).toEqual(["data/occurred_at_day=2025-01-01/crashed-writer.parquet", "metadata/crashed-m0.avro"]);
    expect(dry.recentUnreferenced).toBe(1);
    expect(existsSync(orphanData)).toBe(true);

    const done = await cleanOrphans(archive.store, { olderThanMs: Date.now() - 86_400_000 });
    expect(done.orphans).toHaveLength(2);
    expect([orphanData, orphanManifest].map(existsSync)).toEqual([false, false]);
    expect([recent, outside].map(existsSync)).toEqual([true, true]);
    expect((await tableRows(archive.directory)).rows).toEqual(rows.rows);
  });

  it("refuses to delete anything when the table's files are not where its metadata says", async () => {
    const archive = await localFragmentedArchive({ events: 500, appends: 2 });
    const snapshot = currentSnapshot(archive.table.metadata)!;
    const listKey = snapshot["manifest-list"].slice(archive.table.metadata.location.length + 1);
    const { rmSync } = await import("node:fs");
    rmSync(join(archive.directory, listKey));
    await expect(cleanOrphans(archive.store, { olderThanMs: LATER() })).rejects.toThrow(/refusing to clean orphans/);
    expect(parquetFiles(archive.directory).length).toBeGreaterThan(0);
  });
});

describe("reproject archive compact | expire | clean-orphans", () => {
  it("compacts with a summary, and refuses to expire a deployment's archive unless told the pinned snapshots", async () => {
    const archive = await localFragmentedArchive({ events: 3_000, appends: 90 });
    const rows = await tableRows(archive.directory);
    const compact = await runCli(["archive", "compact", archive.directory, "--target-file-mb", "8"]);
    expect(compact.code).toBe(0);
    const summary = JSON.parse(compact.stdout) as { filesRead: number; filesWritten: number };
    expect(summary).toMatchObject({ dataFilesBefore: rows.dataFiles, commitAttempts: 1, filesDeleted: 0 });
    expect(summary.filesRead).toBeGreaterThan(summary.filesWritten);
    expect(compact.stderr).toMatch(/compacting: [\d,]+ \/ [\d,]+/);

    const oldest = String(archive.table.metadata.snapshots[0]!["snapshot-id"]);
    const asDeployment = { REPROJECT_ARCHIVE: archive.directory };
    const refused = await runCli(["archive", "expire", archive.directory, "--older-than", "2100-01-01"], asDeployment);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is the event archive of a Convex deployment \(REPROJECT_ARCHIVE names it .*--keep-snapshots.*--no-pinned-check/s);
    expect((await loadTableForWrite(archive.store)).metadata.snapshots).toHaveLength(91);

    const keeping = await runCli(["archive", "expire", archive.directory, "--older-than", "2100-01-01", "--keep-snapshots", oldest], asDeployment);
    expect(keeping.code).toBe(0);
    expect(JSON.parse(keeping.stdout)).toMatchObject({ keptForPins: [oldest], retainedSnapshots: [oldest, expect.any(String)] });
    const kept = JSON.parse(keeping.stdout) as { expiredSnapshots: string[]; filesDeletedByKind: { data: number } };
    expect(kept.expiredSnapshots).toHaveLength(89);

    // The deployment's own maintenance marks the table; that is enough to refuse, whatever the environment.
    await setTableProperties(archive.store, await loadTableForWrite(archive.store), { [DEPLOYMENT_PROPERTY]: "https://happy-otter-123.convex.cloud" });
    const marked = await runCli(["archive", "expire", archive.directory, "--older-than", "2100-01-01"], { REPROJECT_ARCHIVE: "" });
    expect(marked.code).toBe(2);
    expect(marked.stderr).toMatch(/its property reproject\.convex-deployment says it is the archive of https:\/\/happy-otter-123\.convex\.cloud/);
    const acknowledged = await runCli(["archive", "expire", archive.directory, "--older-than", "2100-01-01", "--no-pinned-check"], { REPROJECT_ARCHIVE: "" });
    expect(acknowledged.code).toBe(0);
    const released = JSON.parse(acknowledged.stdout) as { expiredSnapshots: string[]; filesDeletedByKind: { data: number } };
    expect(released.expiredSnapshots).toEqual([oldest]);
    // Between them, the two expiries deleted exactly the files the compaction replaced.
    expect(kept.filesDeletedByKind.data + released.filesDeletedByKind.data).toBe(summary.filesRead);

    const tooRecent = await runCli(["archive", "clean-orphans", archive.directory, "--older-than", new Date().toISOString()], { REPROJECT_ARCHIVE: "" });
    expect(tooRecent.code).toBe(2);
    expect(tooRecent.stderr).toMatch(/archiver may be writing files it has not committed yet/);
    const orphans = await runCli(["archive", "clean-orphans", archive.directory, "--older-than", "2020-01-01", "--dry-run"], { REPROJECT_ARCHIVE: "" });
    expect(JSON.parse(orphans.stdout)).toMatchObject({ dryRun: true, filesDeleted: 0, orphans: [] });
    expect((await tableRows(archive.directory)).rows).toEqual(rows.rows);
  });

  it("explains wrong arguments", async () => {
    const missing = await runCli(["archive", "expire", "/nowhere"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--older-than is required/);
    const badPartition = await runCli(["archive", "compact", (await localFragmentedArchive({ events: 200, appends: 1 })).directory, "--partition", "hour=3"]);
    expect(badPartition.code).toBe(1);
    expect(badPartition.stderr).toMatch(/the table has no partition field "hour"; its partition fields: occurred_at_day \(day\)/);
  });
});

describe("maintenance on S3", () => {
  it("compacts, expires and cleans orphans of a table in a bucket", async () => {
    const bucket = await createTestBucket(testS3Client(), "maintenance");
    const store = new S3ObjectStore({ bucket, prefix: "warehouse/events" }, { endpoint: s3Endpoint(), region: S3_LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS });
    await writeFragmentedArchive(store, { events: 2_000, appends: 12 });
    const before = await store.listObjects("data/");
    expect(before.every((object) => object.size > 0 && Math.abs(object.lastModified - Date.now()) < 600_000)).toBe(true);

    const compaction = await compactTable(store);
    expect(compaction.dataFilesAfter).toBeLessThan(compaction.dataFilesBefore);
    const crashedWrite = "data/occurred_at_day=2025-01-01/crashed.parquet";
    await store.put(crashedWrite, new Uint8Array([1, 2, 3]));
    const expiry = await expireSnapshots(store, { olderThanMs: LATER() });
    expect(expiry.filesDeleted.data).toBe(compaction.filesRead);
    const orphans = await cleanOrphans(store, { olderThanMs: LATER() });
    expect(orphans.orphans.map((orphan) => orphan.key)).toEqual([crashedWrite]);
    const table = await loadTableForWrite(store);
    const live = await new TableFileIndex(store, table.metadata).filesOf(table.metadata.snapshots);
    expect((await store.listObjects("data/")).map((object) => object.key)).toEqual([...live.values()].filter((file) => file.kind === "data").map((file) => file.key).sort());
    expect(compaction.writtenKeys.every((key) => live.has(key))).toBe(true);
  });
});
