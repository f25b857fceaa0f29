import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import avro from "avsc";
import { parquetMetadata } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTableMetadata, type TableMetadata } from "../../src/archive/metadata.ts";
import { decodeSingleValue } from "../../src/archive/single-value.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import type { ObjectStore } from "../../src/archive/store/object-store.ts";
import { S3ObjectStore } from "../../src/archive/store/s3-store.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION } from "../../src/local/s3-server.ts";
import { demoEvents } from "../../src/local/demo/demo-events.ts";
import { generateDemoArchive, type DemoArchive, type DemoProgress } from "../../src/local/demo/generate-demo-archive.ts";
import { loadTableForWrite } from "../../src/archive/writer/table-commit.ts";
import { createTestBucket, s3Endpoint, testS3Client } from "../support/s3.ts";

const EVENTS = 40_000;
const SEED = 4242;
const MICROS_PER_DAY = 86_400_000_000n;

const scratch = mkdtempSync(join(tmpdir(), "reproject-demo-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function localStore(name: string): { store: LocalObjectStore; directory: string } {
  const directory = join(scratch, name);
  return { store: new LocalObjectStore(directory), directory };
}

/** What the generated events add up to, computed from the generator itself. */
function expectedAggregates() {
  const byType: Record<string, number> = {};
  let positions = 0n;
  let countries = 0;
  let first: bigint | undefined;
  let last = 0n;
  for (const event of demoEvents({ events: EVENTS, seed: SEED })) {
    byType[`${event.eventType}/v${event.eventVersion}`] = (byType[`${event.eventType}/v${event.eventVersion}`] ?? 0) + 1;
    positions += BigInt(event.globalPosition);
    if (event.attributes.country != null) countries++;
    first ??= BigInt(event.occurredAtMs) * 1000n;
    last = BigInt(event.occurredAtMs) * 1000n;
  }
  return { byType, positions, countries, first: first!, last };
}

// avsc with BigInt longs, independent of the writer's own Avro code.
const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (value: unknown) => typeof value === "bigint",
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

function readAvroFile(path: string): Promise<{ metadata: Record<string, string>; records: Record<string, any>[] }> {
  return new Promise((resolve, reject) => {
    const records: Record<string, any>[] = [];
    let metadata: Record<string, string> = {};
    avro
      .createFileDecoder(path, { parseHook: (schema) => avro.Type.forSchema(schema, { registry: { long: BIGINT_LONG } }) })
      .on("metadata", (_type, _codec, header: { meta: Record<string, Buffer> }) => {
        metadata = Object.fromEntries(Object.entries(header.meta).map(([key, value]) => [key, value.toString()]));
      })
      .on("data", (record: Record<string, any>) => records.push(record))
      .on("end", () => resolve({ metadata, records }))
      .on("error", reject);
  });
}

function readMetadataVersions(directory: string): TableMetadata[] {
  const versions = readdirSync(join(directory, "metadata"))
    .map((name) => /^v(\d+)\.metadata\.json$/.exec(name)?.[1])
    .filter((version): version is string => version !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  return versions.map((version) => {
    const path = join(directory, "metadata", `v${version}.metadata.json`);
    return parseTableMetadata(readFileSync(path, "utf8"), path);
  });
}

async function allObjects(store: ObjectStore): Promise<Map<string, Buffer>> {
  const objects = new Map<string, Buffer>();
  for (const key of await store.list("")) objects.set(key, Buffer.from(await store.read(key)));
  return objects;
}

describe("the demo archive", () => {
  const { store, directory } = localStore("main");
  let archive: DemoArchive;
  const progress: DemoProgress[] = [];
  let duck: DuckDBConnection;

  beforeAll(async () => {
    archive = await generateDemoArchive(store, { events: EVENTS, seed: SEED, onProgress: (update) => progress.push(update) });
    duck = await (await DuckDBInstance.create(":memory:")).connect();
  });

  const query = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS();
  const dataFileList = () => `[${archive.dataFiles.map((file) => `'${join(directory, file.key)}'`).join(", ")}]`;
  const scan = () => `read_parquet(${dataFileList()}, union_by_name = true, hive_partitioning = false, filename = true)`;

  it("holds exactly the generated events, by DuckDB's count over the files the writer reports", async () => {
    const expected = expectedAggregates();
    const [totals] = await query(
      `select count(*) as n, sum(global_position) as positions, epoch_us(min(occurred_at)) as first,
              epoch_us(max(occurred_at)) as last, count(country) as countries, count(distinct global_position) as distinct_positions
       from ${scan()}`,
    );
    expect(totals).toEqual({
      n: BigInt(EVENTS),
      positions: expected.positions,
      first: expected.first,
      last: expected.last,
      countries: BigInt(expected.countries),
      distinct_positions: BigInt(EVENTS),
    });
    const byType = await query(`select event_type || '/v' || event_version as kind, count(*) as n from ${scan()} group by all`);
    expect(Object.fromEntries(byType.map((row) => [row.kind, Number(row.n)]))).toEqual(expected.byType);
  });

  it("writes nothing but the data files it reports, sorted by position, one day each", async () => {
    const onDisk = readdirSync(join(directory, "data"), { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".parquet"));
    expect(onDisk.map((name) => `data/${name}`).sort()).toEqual(archive.dataFiles.map((file) => file.key).sort());
    const unsorted = await query(
      `select filename, count(*) as n from (
         select filename, global_position < lag(global_position) over (partition by filename order by file_row_number) as back
         from read_parquet(${dataFileList()}, filename = true, file_row_number = true, hive_partitioning = false))
       where back group by all`,
    );
    expect(unsorted).toEqual([]);
    const days = await query(`select filename, count(distinct epoch_us(occurred_at) // ${MICROS_PER_DAY}) as days from ${scan()} group by all having days > 1`);
    expect(days).toEqual([]);
  });

  it("chains its snapshots: parents, sequence numbers, logs, main ref and version hint", () => {
    const versions = readMetadataVersions(directory);
    const latest = versions.at(-1)!;
    expect(versions).toHaveLength(archive.snapshots.length + 1);
    expect(readFileSync(join(directory, "metadata/version-hint.text"), "utf8")).toBe(String(versions.length));
    expect(latest["format-version"]).toBe(2);
    expect(latest.snapshots.map((snapshot) => snapshot["sequence-number"])).toEqual([1, 2, 3, 4]);
    latest.snapshots.forEach((snapshot, index) => {
      expect(snapshot["parent-snapshot-id"]).toBe(index === 0 ? undefined : latest.snapshots[index - 1]!["snapshot-id"]);
      expect(snapshot["snapshot-id"] > 0n && snapshot["snapshot-id"] < 2n ** 63n).toBe(true);
      expect(snapshot.summary.operation).toBe("append");
      expect(Number(snapshot.summary["total-records"])).toBe((EVENTS / 4) * (index + 1));
      expect(Number(snapshot.summary["added-records"])).toBe(EVENTS / 4);
    });
    expect(latest["current-snapshot-id"]).toBe(latest.snapshots.at(-1)!["snapshot-id"]);
    expect(latest.refs.main).toEqual({ "snapshot-id": latest["current-snapshot-id"], type: "branch" });
    expect(latest["last-sequence-number"]).toBe(4);
    expect(latest["snapshot-log"].map((entry) => entry["snapshot-id"])).toEqual(latest.snapshots.map((snapshot) => snapshot["snapshot-id"]));
    expect(latest["metadata-log"].map((entry) => entry["metadata-file"])).toEqual(
      [1, 2, 3, 4].map((version) => `${directory}/metadata/v${version}.metadata.json`),
    );
    const times = latest.snapshots.map((snapshot) => snapshot["timestamp-ms"]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Each earlier version is a prefix of the history, so nothing was rewritten.
    versions.forEach((version, index) => expect(version.snapshots).toEqual(latest.snapshots.slice(0, index)));
  });

  it("adds the country column half-way as schema 1; files written before lack it", async () => {
    const latest = readMetadataVersions(directory).at(-1)!;
    expect(latest.schemas.map((schema) => schema["schema-id"])).toEqual([0, 1]);
    expect(latest.schemas[1]!.fields.at(-1)).toEqual({ id: 10, name: "country", required: false, type: "string" });
    expect(latest["current-schema-id"]).toBe(1);
    expect(latest["last-column-id"]).toBe(10);
    expect(latest.snapshots.map((snapshot) => snapshot["schema-id"])).toEqual([0, 0, 1, 1]);
    for (const file of archive.dataFiles) {
      const columns = parquetMetadata(readFileSync(join(directory, file.key))).schema.map((element) => element.name);
      const firstHalf = (decodeSingleValue("long", file.upperBounds.get(1)!) as bigint) <= BigInt(EVENTS / 2);
      expect(columns.includes("country")).toBe(!firstHalf);
    }
  });

  it("lists every data file in Avro manifests with its rows, partition and bounds", async () => {
    const latest = readMetadataVersions(directory).at(-1)!;
    const list = await readAvroFile(latest.snapshots.at(-1)!["manifest-list"]);
    expect(list.metadata).toMatchObject({ "format-version": "2", "sequence-number": "4", "snapshot-id": String(latest["current-snapshot-id"]) });
    expect(list.records.map((manifest) => manifest.sequence_number)).toEqual([4n, 3n, 2n, 1n]);
    expect(list.records.map((manifest) => manifest.added_snapshot_id)).toEqual(latest.snapshots.map((snapshot) => snapshot["snapshot-id"]).reverse());
    expect(list.records.reduce((sum, manifest) => sum + manifest.added_rows_count, 0n)).toBe(BigInt(EVENTS));

    const perFile = new Map(
      (await query(`select filename, count(*) as n, min(global_position) as low, max(global_position) as high from ${scan()} group by all`)).map(
        (row) => [row.filename as string, row],
      ),
    );
    let entries = 0;
    for (const manifest of list.records) {
      const { metadata, records } = await readAvroFile(manifest.manifest_path);
      expect(metadata).toMatchObject({ "format-version": "2", content: "data", "partition-spec-id": "0" });
      expect(JSON.parse(metadata["partition-spec"]!)).toEqual([{ name: "occurred_at_day", transform: "day", "source-id": 5, "field-id": 1000 }]);
      expect(JSON.parse(metadata.schema!)["schema-id"]).toBe(Number(metadata["schema-id"]));
      expect(records.length).toBe(manifest.added_files_count);
      const days: number[] = [];
      for (const { status, snapshot_id, data_file: file } of records) {
        entries++;
        expect(status).toBe(1);
        expect(snapshot_id).toBe(manifest.added_snapshot_id);
        const fromDuck = perFile.get(file.file_path)!;
        expect(file.record_count).toBe(fromDuck.n);
        const bound = (bounds: Array<{ key: number; value: Buffer }>, id: number, type: "long" | "timestamptz") =>
          decodeSingleValue(type, bounds.find((entry) => entry.key === id)!.value) as bigint;
        expect(bound(file.lower_bounds, 1, "long")).toBe(fromDuck.low);
        expect(bound(file.upper_bounds, 1, "long")).toBe(fromDuck.high);
        const day = file.partition.occurred_at_day as number;
        expect(bound(file.lower_bounds, 5, "timestamptz") / MICROS_PER_DAY).toBe(BigInt(day));
        expect(bound(file.upper_bounds, 5, "timestamptz") / MICROS_PER_DAY).toBe(BigInt(day));
        expect(file.value_counts.find((entry: { key: number }) => entry.key === 1).value).toBe(file.record_count);
        expect(file.lower_bounds.some((entry: { key: number }) => entry.key === 10)).toBe(metadata["schema-id"] === "1");
        expect(file.file_format).toBe("PARQUET");
        expect(file.sort_order_id).toBe(1);
        days.push(day);
      }
      const [summary] = manifest.partitions;
      expect(decodeSingleValue("int", summary.lower_bound)).toBe(Math.min(...days));
      expect(decodeSingleValue("int", summary.upper_bound)).toBe(Math.max(...days));
    }
    expect(entries).toBe(archive.dataFiles.length);
  });

  it("reports progress up to every event and snapshot", () => {
    expect(progress[0]).toEqual({ eventsWritten: 0, events: EVENTS, snapshotsCommitted: 0, snapshots: 4 });
    expect(progress.at(-1)).toEqual({ eventsWritten: EVENTS, events: EVENTS, snapshotsCommitted: 4, snapshots: 4 });
    const written = progress.map((update) => update.eventsWritten);
    expect([...written].sort((a, b) => a - b)).toEqual(written);
  });
});

describe("the demo archive's determinism", () => {
  const LOCATION = "s3://warehouse/events";

  it("is the same table byte for byte for the same seed, locally and on S3", async () => {
    const local = localStore("fixed-location");
    await generateDemoArchive(local.store, { events: 8_000, seed: SEED, location: LOCATION });

    const bucket = await createTestBucket(testS3Client(), "writer");
    const s3 = new S3ObjectStore(
      { bucket, prefix: "warehouse/events" },
      { endpoint: s3Endpoint(), region: S3_LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS },
    );
    await generateDemoArchive(s3, { events: 8_000, seed: SEED, location: LOCATION });

    const fromLocal = await allObjects(local.store);
    const fromS3 = await allObjects(s3);
    expect([...fromS3.keys()]).toEqual([...fromLocal.keys()]);
    for (const [key, bytes] of fromLocal) expect(fromS3.get(key)!.equals(bytes), key).toBe(true);
    expect([...fromLocal.keys()].filter((key) => key.endsWith(".parquet")).length).toBeGreaterThan(30);

    const table = await loadTableForWrite(s3);
    expect(table.version).toBe(5);
    expect(table.metadata.location).toBe(LOCATION);
    expect(table.metadata.snapshots.at(-1)!["manifest-list"].startsWith(`${LOCATION}/metadata/snap-`)).toBe(true);
  });

  it("differs for another seed", async () => {
    const a = localStore("seed-a");
    const b = localStore("seed-b");
    const first = await generateDemoArchive(a.store, { events: 2_000, seed: 1 });
    const second = await generateDemoArchive(b.store, { events: 2_000, seed: 2 });
    expect(first.snapshots.map((snapshot) => snapshot["snapshot-id"])).not.toEqual(second.snapshots.map((snapshot) => snapshot["snapshot-id"]));
    const firstRows = readFileSync(join(a.directory, first.dataFiles[0]!.key));
    const secondRows = readFileSync(join(b.directory, second.dataFiles[0]!.key));
    expect(firstRows.equals(secondRows)).toBe(false);
  });
});
