import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { afterAll, describe, expect, it } from "vitest";
import { ArchiveError, CommitConflictError } from "../../src/archive/errors.ts";
import { currentSnapshot } from "../../src/archive/metadata.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import type { ObjectStore } from "../../src/archive/store/object-store.ts";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { decodeAvroContainer } from "../../src/archive/avro.ts";
import {
  appendToArchive,
  archiveRowOf,
  createEventArchive,
  eventArchiveSchema,
  writeEventDataFiles,
} from "../../src/archive/writer/event-archive.ts";
import { decodeManifestList, encodeManifestList } from "../../src/archive/writer/manifest-list.ts";
import { writePartitionedDataFiles } from "../../src/archive/writer/partitioned-data-files.ts";
import {
  commitAppend,
  loadTableForWrite,
  VERSION_HINT_KEY,
  type WritableTable,
} from "../../src/archive/writer/table-commit.ts";
import { defineEnvelope, type EventRecord } from "../../src/registry/index.ts";
import { fixturePath } from "../support/fixtures.ts";
import { createTestBucket, s3Endpoint, testS3Client } from "../support/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "reproject-commit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let tables = 0;

function newLocalTable(): { store: LocalObjectStore; directory: string } {
  const directory = join(scratch, `table-${tables++}`);
  return { store: new LocalObjectStore(directory), directory };
}

const DAY_MS = 86_400_000;
const JAN_10 = Date.UTC(2025, 0, 10);
const envelope = defineEnvelope({ attributes: { cdn: "string", device: "string" } });

function event(position: number, day: number, secondOfDay = position): EventRecord {
  return {
    globalPosition: position,
    eventId: `evt-${position}`,
    eventType: "Play",
    eventVersion: 1,
    occurredAtMs: JAN_10 + day * DAY_MS + secondOfDay * 1000,
    streamId: `stream-${position % 3}`,
    attributes: { cdn: "CDN1", device: "Web" },
    payload: "{}",
  };
}

const events = (from: number, to: number, day = 0) =>
  Array.from({ length: to - from + 1 }, (_, index) => event(from + index, day));

async function readRows(directory: string, key: string): Promise<Record<string, unknown>[]> {
  const bytes = readFileSync(join(directory, key));
  return parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    compressors,
  });
}

function liveDataFiles(store: LocalObjectStore, table: WritableTable): string[] {
  const snapshot = currentSnapshot(table.metadata);
  if (!snapshot) return [];
  const list = decodeManifestList(readFileSync(snapshot["manifest-list"]), snapshot["manifest-list"]);
  return list
    .flatMap((manifest) => decodeAvroContainer(readFileSync(manifest.manifest_path), manifest.manifest_path).records)
    .map((entry) => (entry as { data_file: { file_path: string } }).data_file.file_path.slice(store.root.length + 1))
    .sort();
}

describe("appending events", () => {
  it("writes one file per day, each sorted by position, whatever order the events came in", async () => {
    const { store, directory } = newLocalTable();
    const table = await createEventArchive(store, envelope);
    const shuffled = [event(5, 2), event(1, 0), event(4, 1), event(2, 0), event(6, 2), event(3, 1, 10)];
    const result = await appendToArchive(store, table, envelope, shuffled);

    expect(result.dataFiles.map((file) => file.partition.occurred_at_day)).toEqual([20098, 20099, 20100]);
    expect(result.dataFiles.map((file) => file.key.split("/")[1])).toEqual([
      "occurred_at_day=2025-01-10",
      "occurred_at_day=2025-01-11",
      "occurred_at_day=2025-01-12",
    ]);
    const positions = await Promise.all(
      result.dataFiles.map(async (file) => (await readRows(directory, file.key)).map((row) => row.global_position)),
    );
    expect(positions).toEqual([
      [1n, 2n],
      [3n, 4n],
      [5n, 6n],
    ]);
    expect(result.snapshot.summary).toMatchObject({
      "added-data-files": "3",
      "added-records": "6",
      "changed-partition-count": "3",
      "total-records": "6",
    });
    expect(liveDataFiles(store, result.table)).toEqual(result.dataFiles.map((file) => file.key).sort());
  });

  it("splits a day into several files when it holds more rows than a file may", async () => {
    const { store } = newLocalTable();
    const table = await createEventArchive(store, envelope);
    const rows = [...events(1, 25), ...events(26, 30, 1)].map((record) => archiveRowOf(envelope, record));
    const files = await writePartitionedDataFiles(store, table.metadata, eventArchiveSchema(envelope), rows, {
      maxRowsPerFile: 10,
      rowsPerBatch: 4,
    });
    expect(files.map((file) => [file.partition.occurred_at_day, file.recordCount])).toEqual([
      [20098, 10],
      [20098, 10],
      [20098, 5],
      [20099, 5],
    ]);
  });

  it("refuses events out of order rather than write files that claim a sort order they lack", async () => {
    const { store } = newLocalTable();
    const table = await createEventArchive(store, envelope);
    await expect(writeEventDataFiles(store, table, envelope, [event(2, 0), event(1, 0)])).rejects.toThrow(
      /global_position 1 .* comes after global_position 2: events must be ordered by day, then strictly increasing position/,
    );
  });

  it("refuses to create a table where one exists", async () => {
    const { store } = newLocalTable();
    await createEventArchive(store, envelope);
    await expect(createEventArchive(store, envelope)).rejects.toThrow(ArchiveError);
    await expect(createEventArchive(store, envelope)).rejects.toThrow(
      /already holds an Iceberg table \(metadata\/v1\.metadata\.json\)/,
    );
  });

  it("keeps a column the envelope no longer declares: later rows hold null there, the schema stays", async () => {
    const { store, directory } = newLocalTable();
    const table = (await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 3)))
      .table;
    const withoutDevice = defineEnvelope({ attributes: { cdn: "string" } });
    const later = events(4, 5).map(({ attributes, ...record }) => ({
      ...record,
      attributes: { cdn: attributes.cdn! },
    }));
    const second = await appendToArchive(store, table, withoutDevice, later);
    expect(second.table.metadata.schemas).toHaveLength(1);
    expect((await readRows(directory, second.dataFiles[0]!.key)).map((row) => row.device)).toEqual([null, null]);
  });

  it("evolves the schema when the envelope declares a new attribute, keeping older files as they are", async () => {
    const { store, directory } = newLocalTable();
    const first = await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 2));
    const withCountry = defineEnvelope({ attributes: { ...envelope.attributes, country: "string" } });
    const later = events(3, 4).map((record) => ({ ...record, attributes: { ...record.attributes, country: "NL" } }));
    const second = await appendToArchive(store, first.table, withCountry, later);
    expect(second.table.metadata["current-schema-id"]).toBe(1);
    expect(second.snapshot["schema-id"]).toBe(1);
    expect(second.table.metadata["last-column-id"]).toBe(10);
    expect(second.table.metadata.schemas[1]!.fields.at(-1)).toEqual({
      id: 10,
      name: "country",
      required: false,
      type: "string",
    });
    expect((await readRows(directory, first.dataFiles[0]!.key))[0]).not.toHaveProperty("country");
    expect((await readRows(directory, second.dataFiles[0]!.key)).map((row) => row.country)).toEqual(["NL", "NL"]);
    expect(liveDataFiles(store, second.table)).toHaveLength(2);
  });

  it("refuses an event whose attribute the envelope does not declare, naming the event", async () => {
    const { store } = newLocalTable();
    const table = await createEventArchive(store, envelope);
    const stray = { ...event(1, 0), attributes: { cdn: "CDN1", region: "EU" } };
    await expect(appendToArchive(store, table, envelope, [stray])).rejects.toThrow(
      /event evt-1 at position 1: attribute "region" is not declared in the event envelope \(declared: cdn \(string\), device \(string\)\)/,
    );
  });
});

describe("committing", () => {
  it("lets exactly one of two commits from the same parent win; the other gets CommitConflictError", async () => {
    const { store, directory } = newLocalTable();
    const base = (await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 3)))
      .table;
    const filesA = await writeEventDataFiles(store, base, envelope, events(4, 6));
    const filesB = await writeEventDataFiles(store, base, envelope, events(7, 9));

    const outcomes = await Promise.allSettled([commitAppend(store, base, filesA), commitAppend(store, base, filesB)]);
    const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(CommitConflictError);
    expect(lost[0]!.reason.message).toBe(
      `${directory}/metadata/v3.metadata.json: another writer committed table version 3 first; this append of 3 rows in ` +
        "1 data file was not committed. Reload the table and commit its data files again.",
    );

    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof commitAppend>>>).value;
    const reloaded = await loadTableForWrite(store);
    expect(reloaded.version).toBe(3);
    expect(readFileSync(join(directory, VERSION_HINT_KEY), "utf8")).toBe("3");
    expect(currentSnapshot(reloaded.metadata)!["snapshot-id"]).toBe(winner.snapshot["snapshot-id"]);
    expect(reloaded.metadata).toEqual(winner.table.metadata);
    expect(liveDataFiles(store, reloaded)).toEqual(
      [...liveDataFiles(store, base), ...winner.dataFiles.map((file) => file.key)].sort(),
    );
    // The loser cleaned up its manifests; only the winner's (and the base's) remain.
    const avroFiles = readdirSync(join(directory, "metadata")).filter((name) => name.endsWith(".avro"));
    expect(avroFiles).toHaveLength(4);
  });

  it("commits the loser's files after a reload", async () => {
    const { store } = newLocalTable();
    const base = (await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 3)))
      .table;
    const filesA = await writeEventDataFiles(store, base, envelope, events(4, 6));
    const filesB = await writeEventDataFiles(store, base, envelope, events(7, 9));
    await commitAppend(store, base, filesA);
    await expect(commitAppend(store, base, filesB)).rejects.toBeInstanceOf(CommitConflictError);

    const retried = await commitAppend(store, await loadTableForWrite(store), filesB);
    expect(retried.table.version).toBe(4);
    expect(retried.snapshot["sequence-number"]).toBe(3);
    expect(retried.snapshot.summary["total-records"]).toBe("9");
    expect(liveDataFiles(store, retried.table)).toHaveLength(3);
  });

  it("survives a crash before the metadata write: the table stays at its last version and accepts the next append", async () => {
    const { store, directory } = newLocalTable();
    const base = (await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 3)))
      .table;
    const crashing: ObjectStore = Object.assign(Object.create(store) as LocalObjectStore, {
      create: async (key: string, bytes: Uint8Array) => {
        if (/metadata\/v\d+\.metadata\.json$/.test(key)) throw new Error("process killed");
        return store.create(key, bytes);
      },
    });
    await expect(appendToArchive(crashing, base, envelope, events(4, 6))).rejects.toThrow("process killed");

    const afterCrash = await loadTableForWrite(store);
    expect(afterCrash.version).toBe(2);
    expect(afterCrash.metadata).toEqual(base.metadata);
    expect(existsSync(join(directory, "metadata/v3.metadata.json"))).toBe(false);
    const next = await appendToArchive(store, afterCrash, envelope, events(7, 8));
    expect(next.table.version).toBe(3);
    expect(next.snapshot.summary["total-records"]).toBe("5");
    expect(liveDataFiles(store, next.table)).toHaveLength(2);
  });

  it("finds versions the hint does not know yet, after a crash between the metadata and the hint", async () => {
    const { store, directory } = newLocalTable();
    const first = await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 2));
    await appendToArchive(store, first.table, envelope, events(3, 4));
    writeFileSync(join(directory, VERSION_HINT_KEY), "1");
    const table = await loadTableForWrite(store);
    expect(table.version).toBe(3);
    expect(table.metadata.snapshots).toHaveLength(2);
  });

  it("carries forward manifests written by Iceberg Java unchanged", () => {
    const path = join(
      fixturePath("equality_deletes_partitioned"),
      "metadata/snap-3138177759849079112-1-ff275eec-b23b-435f-a6a5-1ab7ce1c8749.avro",
    );
    const manifests = decodeManifestList(readFileSync(path), path);
    expect(manifests.length).toBeGreaterThan(1);
    const rewritten = encodeManifestList({
      snapshotId: 1n,
      parentSnapshotId: 3_138_177_759_849_079_112n,
      sequenceNumber: 6,
      manifests,
      syncMarker: new Uint8Array(16),
    });
    expect(decodeManifestList(rewritten, "rewritten.avro")).toEqual(manifests);
  });
});

describe("committing to S3", () => {
  it("creates, appends and refuses a stale commit, leaving the winner intact", async () => {
    const bucket = await createTestBucket(testS3Client(), "commit");
    const store = new S3ObjectStore(
      { bucket, prefix: "tables/events" },
      { endpoint: s3Endpoint(), region: S3_LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS },
    );
    const base = (await appendToArchive(store, await createEventArchive(store, envelope), envelope, events(1, 4)))
      .table;
    expect(base.metadata.location).toBe(`s3://${bucket}/tables/events`);
    const winner = await appendToArchive(store, base, envelope, events(5, 6, 1));
    await expect(appendToArchive(store, base, envelope, events(7, 8, 1))).rejects.toThrow(
      new RegExp(
        `^s3://${bucket}/tables/events/metadata/v3\\.metadata\\.json: another writer committed table version 3 first`,
      ),
    );

    const reloaded = await loadTableForWrite(store);
    expect(reloaded.metadata).toEqual(winner.table.metadata);
    expect(new TextDecoder().decode(await store.read(VERSION_HINT_KEY))).toBe("3");
    const list = decodeManifestList(await store.read(winner.manifestListKey), winner.manifestListKey);
    expect(list.map((manifest) => Number(manifest.added_rows_count))).toEqual([2, 4]);
    for (const file of winner.dataFiles) expect(await store.size(file.key)).toBe(file.fileSizeInBytes);
  });
});

describe("appending to a copied fixture table", () => {
  it("is refused when the table lacks the envelope's columns, naming the first one missing", async () => {
    const directory = join(scratch, "fixture-envelope");
    cpSync(fixturePath("equality_deletes_partitioned"), directory, { recursive: true });
    const store = new LocalObjectStore(directory);
    await expect(writeEventDataFiles(store, await loadTableForWrite(store), envelope, events(1, 1))).rejects.toThrow(
      /does not carry the app's event envelope: it has no column "global_position" for the event's position/,
    );
  });

  it("is refused for a partition transform the writer does not implement", async () => {
    const directory = join(scratch, "fixture-copy");
    cpSync(fixturePath("equality_deletes_partitioned"), directory, { recursive: true });
    const store = new LocalObjectStore(directory);
    const table = await loadTableForWrite(store);
    expect(table.version).toBe(6);
    await expect(writePartitionedDataFiles(store, table.metadata, table.metadata.schemas[0]!, [{}])).rejects.toThrow(
      /partition spec 0 uses the "identity" transform on "name"; the archive writer partitions by day only/,
    );
  });
});
