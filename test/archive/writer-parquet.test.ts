import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { afterAll, describe, expect, it } from "vitest";
import type { IcebergSchema } from "../../src/archive/schema.ts";
import { decodeSingleValue } from "../../src/archive/single-value.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { PARQUET_ROW_GROUP_ROWS, writeParquetDataFile } from "../../src/archive/writer/parquet-data-file.ts";
import { rowBatches } from "../../src/archive/writer/row-batch-builder.ts";

const directory = mkdtempSync(join(tmpdir(), "reproject-parquet-"));
const store = new LocalObjectStore(directory);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const START_MICROS = BigInt(Date.UTC(2025, 0, 3)) * 1000n;

/** An event archive's schema with a column added later (`country`, field 10). */
const SCHEMA: IcebergSchema = {
  type: "struct",
  "schema-id": 1,
  "identifier-field-ids": [1],
  fields: [
    { id: 1, name: "global_position", required: true, type: "long" },
    { id: 2, name: "event_id", required: true, type: "string" },
    { id: 3, name: "event_type", required: true, type: "string" },
    { id: 4, name: "event_version", required: true, type: "int" },
    { id: 5, name: "occurred_at", required: true, type: "timestamptz" },
    { id: 6, name: "stream_id", required: true, type: "string" },
    { id: 7, name: "cdn", required: false, type: "string" },
    { id: 8, name: "device", required: false, type: "string" },
    { id: 9, name: "payload", required: true, type: "string" },
    { id: 10, name: "country", required: false, type: "string" },
  ],
};

function event(position: number) {
  return {
    global_position: position,
    event_id: `00000000-0000-4000-8000-${String(position).padStart(12, "0")}`,
    event_type: position % 3 === 0 ? "Rebuffer" : "Play",
    event_version: position % 3 === 0 ? 2 : 1,
    occurred_at: START_MICROS + BigInt(position) * 1_000n,
    stream_id: `stream-${position % 50}`,
    cdn: position % 7 === 0 ? null : `CDN${(position % 4) + 1}`,
    device: "Web",
    payload: position % 3 === 0 ? `{"durationMs":${position % 900}}` : "{}",
    country: position % 5 === 0 ? null : "DE",
  };
}

async function writeEvents(key: string, count: number, schema: IcebergSchema = SCHEMA) {
  const rows = Array.from({ length: count }, (_, index) => event(index + 1));
  const file = await writeParquetDataFile(
    store,
    { key, path: `${store.root}/${key}`, partition: { occurred_at_day: 20091 }, schema, sortOrderId: 1 },
    rowBatches(rows, schema),
  );
  const bytes = readFileSync(join(directory, key));
  return { rows, file, bytes };
}

describe("a Parquet data file", () => {
  it("carries each column's Iceberg field id in its Parquet schema", async () => {
    const { bytes } = await writeEvents("data/ids.parquet", 10);
    const metadata = parquetMetadata(bytes);
    const columns = metadata.schema.slice(1).map((element) => [element.name, element.field_id]);
    expect(columns).toEqual(SCHEMA.fields.map((field) => [field.name, field.id]));
  });

  it("is ZSTD-compressed with min/max/null-count statistics and a UTC microsecond timestamp", async () => {
    const { bytes } = await writeEvents("data/stats.parquet", 1_000);
    const metadata = parquetMetadata(bytes);
    const chunks = metadata.row_groups[0]!.columns.map((column) => column.meta_data!);
    expect(new Set(chunks.map((chunk) => chunk.codec))).toEqual(new Set(["ZSTD"]));
    const position = chunks.find((chunk) => chunk.path_in_schema[0] === "global_position")!;
    expect(position.statistics).toMatchObject({ min_value: 1n, max_value: 1000n, null_count: 0n });
    const cdn = chunks.find((chunk) => chunk.path_in_schema[0] === "cdn")!;
    expect(cdn.statistics!.null_count).toBe(142n);
    const occurredAt = metadata.schema.find((element) => element.name === "occurred_at")!;
    expect(occurredAt.logical_type).toEqual({ type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" });
    expect(metadata.schema.find((element) => element.name === "event_id")!.repetition_type).toBe("REQUIRED");
    expect(metadata.schema.find((element) => element.name === "country")!.repetition_type).toBe("OPTIONAL");
  });

  it("reads back with an independent reader as exactly the rows written", async () => {
    const { rows, bytes } = await writeEvents("data/rows.parquet", 3_000);
    const read = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), compressors });
    expect(read).toHaveLength(rows.length);
    for (const index of [0, 1, 6, 1_499, 2_999]) {
      const row = read[index]!;
      const expected = rows[index]!;
      expect(row.global_position).toBe(BigInt(expected.global_position));
      expect(row.event_id).toBe(expected.event_id);
      expect(row.cdn).toBe(expected.cdn);
      expect(row.country).toBe(expected.country);
      expect(row.payload).toBe(expected.payload);
      expect(BigInt((row.occurred_at as Date).getTime()) * 1000n).toBe(expected.occurred_at);
    }
  });

  it("bounds its row groups and reports where each starts", async () => {
    const count = PARQUET_ROW_GROUP_ROWS * 2 + 123;
    const { file, bytes } = await writeEvents("data/groups.parquet", count);
    const metadata = parquetMetadata(bytes);
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([PARQUET_ROW_GROUP_ROWS, PARQUET_ROW_GROUP_ROWS, 123]);
    expect(file.splitOffsets).toEqual(
      metadata.row_groups.map((group) => Number(group.columns[0]!.meta_data!.dictionary_page_offset ?? group.columns[0]!.meta_data!.data_page_offset)),
    );
    expect(file.splitOffsets[0]).toBe(4);
    expect(file.recordCount).toBe(count);
  });

  it("describes itself as its manifest entry needs: size, column sizes, counts and bounds", async () => {
    const { file, bytes } = await writeEvents("data/entry.parquet", 500);
    expect(file.fileSizeInBytes).toBe(bytes.length);
    expect(file.path).toBe(`${store.root}/data/entry.parquet`);
    expect(file.sortOrderId).toBe(1);
    expect(file.partition).toEqual({ occurred_at_day: 20091 });
    const metadata = parquetMetadata(bytes);
    const compressed = metadata.row_groups[0]!.columns.reduce((sum, column) => sum + Number(column.meta_data!.total_compressed_size), 0);
    expect([...file.columnSizes.values()].reduce((sum, size) => sum + size, 0)).toBe(compressed);
    expect(file.valueCounts.get(1)).toBe(500);
    expect(file.nullValueCounts.get(7)).toBe(71);
    expect(file.nullValueCounts.get(10)).toBe(100);
    expect(decodeSingleValue("long", file.lowerBounds.get(1)!)).toBe(1n);
    expect(decodeSingleValue("long", file.upperBounds.get(1)!)).toBe(500n);
    expect(decodeSingleValue("timestamptz", file.lowerBounds.get(5)!)).toBe(START_MICROS + 1_000n);
    expect(decodeSingleValue("timestamptz", file.upperBounds.get(5)!)).toBe(START_MICROS + 500_000n);
    expect(decodeSingleValue("string", file.lowerBounds.get(3)!)).toBe("Play");
    expect(decodeSingleValue("string", file.upperBounds.get(3)!)).toBe("Rebuffer");
  });

  it("refuses batches whose columns are not its schema's", async () => {
    const rows = [event(1)];
    await expect(
      writeParquetDataFile(
        store,
        { key: "data/mismatch.parquet", path: "mismatch", partition: { occurred_at_day: 1 }, schema: SCHEMA },
        rowBatches(rows, { ...SCHEMA, fields: SCHEMA.fields.slice(0, 9) }),
      ),
    ).rejects.toThrow(/^mismatch: got a batch with columns \(global_position, .*, payload\), but its schema has \(.*, payload, country\)$/);
  });

  it("surfaces a bad row as the builder's error, not as a Parquet failure", async () => {
    const schema = SCHEMA;
    const rows = [event(1), { ...event(2), event_type: null }];
    await expect(
      writeParquetDataFile(store, { key: "data/bad.parquet", path: "bad", partition: { occurred_at_day: 1 }, schema }, rowBatches(rows, schema)),
    ).rejects.toThrow(/column "event_type" is required but row 1 of the batch has no value/);
  });
});
