// Compaction: hundreds of small archiver files become a few, the table reads exactly the same rows
// in the same order (checked independently with DuckDB over the new files), as a `replace`
// snapshot whose manifests mark the old files DELETED; delete files are applied and dropped.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAvroContainer } from "../../src/archive/avro.ts";
import { compactTable, parsePartitionFilter, type CompactionResult } from "../../src/archive/maintenance/index.ts";
import { EntryStatus, readManifest, readManifestList } from "../../src/archive/manifest.ts";
import { currentSnapshot, type Snapshot } from "../../src/archive/metadata.ts";
import { decodeSingleValue } from "../../src/archive/single-value.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { ArchiveTable } from "../../src/archive/table.ts";
import {
  appendToArchive,
  createEventArchive,
  eventPartitionSpec,
  loadTableForWrite,
} from "../../src/archive/writer/index.ts";
import { ENVELOPE_BEFORE_COUNTRY } from "../../src/local/demo/demo-events.ts";
import type { EventRecord } from "../../src/registry/index.ts";
import { tableRows, type TableRows } from "../support/archive-rows.ts";
import { fixturePath } from "../support/fixtures.ts";
import { localFragmentedArchive, type FragmentedArchive } from "../support/fragmented-archive.ts";

const scratch = mkdtempSync(join(tmpdir(), "reproject-compaction-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const APPENDS = 200;
const EVENTS = 60_000;

describe("compacting an archive the archiver grew in 200 small appends", () => {
  let archive: FragmentedArchive & { directory: string; store: LocalObjectStore };
  let before: TableRows;
  let beforeSnapshot: Snapshot;
  let result: CompactionResult;
  let duck: DuckDBConnection;

  beforeAll(async () => {
    archive = await localFragmentedArchive({ events: EVENTS, appends: APPENDS });
    before = await tableRows(archive.directory);
    beforeSnapshot = currentSnapshot(archive.table.metadata)!;
    result = await compactTable(archive.store);
    duck = await (await DuckDBInstance.create(":memory:", { threads: "1" })).connect();
  }, 120_000);

  const query = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS();
  const newFiles = () => `[${result.writtenKeys.map((key) => `'${join(archive.directory, key)}'`).join(", ")}]`;

  it("leaves far fewer files: one per day instead of hundreds", async () => {
    expect(before.dataFiles).toBeGreaterThanOrEqual(APPENDS);
    const days = new Set(archive.records.map((record) => Math.floor(record.occurredAtMs / 86_400_000))).size;
    expect(result).toMatchObject({
      partitions: days,
      filesRead: before.dataFiles,
      filesWritten: days,
      rowsRead: EVENTS,
      rowsWritten: EVENTS,
      rowsDeleted: 0,
    });
    expect(result.dataFilesBefore).toBe(before.dataFiles);
    expect(result.dataFilesAfter).toBe(days);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    const plan = (await (await ArchiveTable.open(archive.directory)).plan({ orderBy: "global_position" }))!;
    expect(plan.slices).toHaveLength(days);
  });

  it("reads exactly the same rows in the same order, and the old snapshot still reads them too", async () => {
    const after = await tableRows(archive.directory);
    expect(after.rows).toHaveLength(EVENTS);
    expect(after.rows).toEqual(before.rows);
    expect((await tableRows(archive.directory, beforeSnapshot["snapshot-id"])).rows).toEqual(before.rows);
  });

  it("holds the same rows by DuckDB's independent reading of the new files", async () => {
    const [totals] = await query(
      `select count(*) as n, count(distinct event_id) as ids, sum(global_position) as positions, min(global_position) as low,
              max(global_position) as high, count(country) as countries, epoch_us(min(occurred_at)) as first
       from read_parquet(${newFiles()}, union_by_name = true, hive_partitioning = false)`,
    );
    const positions = archive.records.reduce((sum, record) => sum + BigInt(record.globalPosition), 0n);
    const countries = before.rows.filter(
      (row) => (JSON.parse(row) as { country: string | null }).country !== null,
    ).length;
    expect(totals).toEqual({
      n: BigInt(EVENTS),
      ids: BigInt(EVENTS),
      positions,
      low: 1n,
      high: BigInt(EVENTS),
      countries: BigInt(countries),
      first: BigInt(archive.records[0]!.occurredAtMs) * 1000n,
    });
    // Row by row: DuckDB's rows in position order are the table's rows.
    const duckRows = await query(
      `select global_position, event_id, event_type, event_version, stream_id, cdn, device, payload, country
       from read_parquet(${newFiles()}, union_by_name = true, hive_partitioning = false) order by global_position`,
    );
    const ours = before.rows.map((row) => {
      const { occurred_at: _occurredAt, ...rest } = JSON.parse(row) as Record<string, unknown>;
      return rest;
    });
    expect(duckRows.map((row) => ({ ...row, global_position: Number(row.global_position) }))).toEqual(ours);
    // Within every file, rows are stored in position order.
    const unordered = await query(
      `select count(*) as n from (
         select global_position < lag(global_position) over (partition by filename order by file_row_number) as back
         from read_parquet(${newFiles()}, filename = true, file_row_number = true, union_by_name = true, hive_partitioning = false))
       where back`,
    );
    expect(unordered).toEqual([{ n: 0n }]);
  });

  it("records column statistics of the new files that DuckDB agrees with", async () => {
    const table = await loadTableForWrite(archive.store);
    const snapshot = currentSnapshot(table.metadata)!;
    const entries = (
      await Promise.all(
        (await readManifestList(archive.store, table.metadata, snapshot)).map((manifest) =>
          readManifest(archive.store, table.metadata, manifest),
        ),
      )
    ).flat();
    const added = entries.filter((entry) => entry.status === EntryStatus.ADDED);
    expect(added.map((entry) => entry.file.key).sort()).toEqual([...result.writtenKeys].sort());
    const perFile = await query(
      `select filename, count(*) as n, min(global_position) as low, max(global_position) as high, count(cdn) as cdns
       from read_parquet(${newFiles()}, filename = true, union_by_name = true, hive_partitioning = false) group by filename`,
    );
    for (const entry of added) {
      const duckFile = perFile.find((row) => row.filename === join(archive.directory, entry.file.key))!;
      expect(entry.file.recordCount).toBe(Number(duckFile.n));
      expect(decodeSingleValue("long", entry.file.lowerBounds.get(1)!)).toBe(duckFile.low);
      expect(decodeSingleValue("long", entry.file.upperBounds.get(1)!)).toBe(duckFile.high);
      expect(entry.file.valueCounts.get(7)! - entry.file.nullValueCounts.get(7)!).toBe(Number(duckFile.cdns));
    }
  });

  it("commits a replace snapshot: old files DELETED, new ones ADDED with the starting sequence number", async () => {
    const table = await loadTableForWrite(archive.store);
    const snapshot = currentSnapshot(table.metadata)!;
    expect(snapshot["snapshot-id"]).toBe(result.snapshotId);
    expect(snapshot["parent-snapshot-id"]).toBe(beforeSnapshot["snapshot-id"]);
    expect(snapshot["sequence-number"]).toBe(beforeSnapshot["sequence-number"] + 1);
    expect(snapshot.summary).toMatchObject({
      operation: "replace",
      "added-data-files": String(result.filesWritten),
      "deleted-data-files": String(result.filesRead),
      "added-records": String(EVENTS),
      "deleted-records": String(EVENTS),
      "total-records": String(EVENTS),
      "total-data-files": String(result.filesWritten),
    });
    const manifests = await readManifestList(archive.store, table.metadata, snapshot);
    // Every old manifest held files of some rewritten day: all merged into one rewritten manifest.
    expect(manifests).toHaveLength(2);
    const entries = (
      await Promise.all(manifests.map((manifest) => readManifest(archive.store, table.metadata, manifest)))
    ).flat();
    const deleted = entries.filter((entry) => entry.status === EntryStatus.DELETED);
    expect(deleted).toHaveLength(result.filesRead);
    expect(deleted.every((entry) => entry.snapshotId === snapshot["snapshot-id"])).toBe(true);
    // Deleted entries keep the data sequence numbers of the appends that added them, written out.
    const raw = decodeAvroContainer(await archive.store.read(manifests[1]!.key), manifests[1]!.key).records as Array<{
      sequence_number: bigint;
    }>;
    expect(
      raw.every(
        (entry) =>
          entry.sequence_number !== null && entry.sequence_number >= 1n && entry.sequence_number <= BigInt(APPENDS),
      ),
    ).toBe(true);
    const added = entries.filter((entry) => entry.status === EntryStatus.ADDED);
    expect(added.every((entry) => entry.sequenceNumber === beforeSnapshot["sequence-number"])).toBe(true);
    expect(manifests[0]!.sequenceNumber).toBe(snapshot["sequence-number"]);
  });

  it("finds nothing more to do on a compacted table", async () => {
    const again = await compactTable(archive.store);
    expect(again).toMatchObject({ snapshotId: null, partitions: 0, filesWritten: 0 });
  });
});

describe("compacting one partition", () => {
  it("rewrites only that day, merging its files by position where they overlap, into files near the target size", async () => {
    const directory = join(scratch, "overlap");
    const store = new LocalObjectStore(directory);
    const day = (n: number) => Date.UTC(2025, 0, 10 + n);
    const event = (position: number, dayIndex: number): EventRecord => ({
      globalPosition: position,
      eventId: `e${position}`,
      eventType: position % 5 === 0 ? "Rebuffer" : "Play",
      eventVersion: 2,
      occurredAtMs: day(dayIndex) + position * 1000,
      streamId: `s${position % 7}`,
      attributes: { cdn: position % 3 === 0 ? null : "CDN1", device: "Web" },
      payload: JSON.stringify({ durationMs: position }),
    });
    const envelope = ENVELOPE_BEFORE_COUNTRY;
    let table = await createEventArchive(store, envelope);
    // Day 0 in four files whose position ranges interleave (odd, even, odd, even); day 1 in two.
    for (const parity of [1, 0]) {
      for (const range of [
        [1, 500],
        [501, 1000],
      ]) {
        const events = [];
        for (let position = range[0]!; position <= range[1]!; position++)
          if (position % 2 === parity) events.push(event(position, 0));
        table = (await appendToArchive(store, table, envelope, events)).table;
      }
    }
    table = (
      await appendToArchive(
        store,
        table,
        envelope,
        Array.from({ length: 50 }, (_, i) => event(1001 + i, 1)),
      )
    ).table;
    table = (
      await appendToArchive(
        store,
        table,
        envelope,
        Array.from({ length: 50 }, (_, i) => event(1051 + i, 1)),
      )
    ).table;
    const before = await tableRows(directory);

    const partition = parsePartitionFilter(eventPartitionSpec(envelope), "day=2025-01-10");
    expect(partition).toEqual({ occurred_at_day: 20098 });
    // A target of a few KB: the day's 1,000 rows no longer fit one file.
    const oneDay = await compactTable(store, { partition, targetFileBytes: 8_000 });
    expect(oneDay).toMatchObject({ partitions: 1, filesRead: 4, rowsWritten: 1000, dataFilesBefore: 6 });
    expect(oneDay.filesWritten).toBeGreaterThanOrEqual(2);
    expect((await tableRows(directory)).rows).toEqual(before.rows);

    const all = await compactTable(store);
    expect(all).toMatchObject({
      partitions: 2,
      filesRead: oneDay.filesWritten + 2,
      filesWritten: 2,
      dataFilesAfter: 2,
    });
    const after = await tableRows(directory);
    expect(after.rows).toEqual(before.rows);
    expect(after.dataFiles).toBe(2);
  });
});

describe("compacting a table with row-level deletes", () => {
  it("applies positional and equality deletes, drops the delete files, and keeps time travel working", async () => {
    const directory = join(scratch, "java_bunnies");
    cpSync(fixturePath("java_bunnies"), directory, { recursive: true });
    const store = new LocalObjectStore(directory);
    const before = await tableRows(directory);
    expect(before.rows).toHaveLength(15);

    const result = await compactTable(store);
    expect(result).toMatchObject({
      filesRead: 2,
      filesWritten: 1,
      rowsRead: 22,
      rowsWritten: 15,
      rowsDeleted: 7,
      deleteFilesRemoved: 2,
    });
    const after = await tableRows(directory);
    // An unsorted table: the same rows (a multiset), in whatever order its files give them.
    expect([...after.rows].sort()).toEqual([...before.rows].sort());
    const table = await loadTableForWrite(store);
    expect(currentSnapshot(table.metadata)!.summary).toMatchObject({
      operation: "replace",
      "removed-position-delete-files": "1",
      "removed-equality-delete-files": "1",
      "total-delete-files": "0",
      "total-records": "15",
    });
    const info = await (await ArchiveTable.open(directory)).plan();
    expect(info!.slices.every((slice) => slice.deletes.length === 0)).toBe(true);
    expect((await tableRows(directory, 4_951_213_507_629_824_583n)).rows).toHaveLength(21);
  });

  it("refuses a table whose partition transform it cannot write back, before reading any file", async () => {
    const directory = join(scratch, "equality_deletes_partitioned");
    cpSync(fixturePath("equality_deletes_partitioned"), directory, { recursive: true });
    await expect(compactTable(new LocalObjectStore(directory))).rejects.toThrow(
      /uses the "identity" transform on "name"; the archive writer partitions by day only/,
    );
  });
});
