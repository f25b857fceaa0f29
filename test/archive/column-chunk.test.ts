// The flat column-chunk decoder against hyparquet's own reader (Dremel assembly and all), on every
// Parquet file of the real fixtures and on a demo archive with multi-page, nullable columns.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parquetRead } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { parquetDecompressors } from "../../src/archive/decompressors.ts";
import { decodeColumnChunk } from "../../src/archive/column-chunk.ts";
import { openParquetDataFile, VALUE_PARSERS } from "../../src/archive/parquet-file.ts";
import { LocalObjectStore } from "../../src/archive/store/local-store.ts";
import { generateDemoArchive } from "../../src/local/demo/generate-demo-archive.ts";
import { fixturePath } from "../support/fixtures.ts";

const generated = mkdtempSync(join(tmpdir(), "reproject-column-chunk-"));
afterAll(() => rmSync(generated, { recursive: true, force: true }));

function parquetFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".parquet"))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Every flat column of every row group decoded both ways; returns how many values (and nulls) were compared. */
async function compareWithHyparquet(root: string, key: string): Promise<{ values: number; nulls: number }> {
  const file = await openParquetDataFile(new LocalObjectStore(root), key, undefined, new Map());
  const compressors = await parquetDecompressors();
  // hyparquet's own string decoding (TextDecoder) on its side; only the timestamp units as in parquet-file.ts.
  const parsers = { timestampFromMicroseconds: (value: bigint) => value, timestampFromMilliseconds: (value: bigint) => value * 1000n, timestampFromNanoseconds: (value: bigint) => value / 1000n, dateFromDays: (days: number) => days };
  const compared = { values: 0, nulls: 0 };
  const schema = file.rawMetadata.schema;
  for (let rowGroup = 0; rowGroup < file.metadata.row_groups.length; rowGroup++) {
    const rowCount = Number(file.metadata.row_groups[rowGroup]!.num_rows);
    const rowStart = file.rowGroupStarts[rowGroup]!;
    let leaf = 0;
    for (let index = 1; index < schema.length; index++) {
      const element = schema[index]!;
      if (element.num_children) continue;
      const columnIndex = leaf++;
      // Only top-level leaves are flat columns.
      if (!schema[0]!.num_children || !isTopLevel(schema, index)) continue;
      const meta = file.metadata.row_groups[rowGroup]!.columns[columnIndex]!.meta_data!;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const bytes = new Uint8Array(await file.buffer.slice(start, start + Number(meta.total_compressed_size)));
      const ours = Array.from(
        decodeColumnChunk(bytes, rowGroup, { metadata: file.rawMetadata, columnIndex, element, parsers: VALUE_PARSERS, compressors }, rowCount),
      );
      const theirs: unknown[] = [];
      await parquetRead({
        file: file.buffer,
        metadata: file.rawMetadata,
        columns: [element.name],
        rowStart,
        rowEnd: rowStart + rowCount,
        utf8: false,
        parsers,
        compressors,
        onChunk: ({ columnData }) => theirs.push(...Array.from(columnData as ArrayLike<unknown>)),
      });
      expect(ours, `${key} row group ${rowGroup} column ${element.name}`).toEqual(theirs.map((value) => value ?? null));
      compared.values += ours.length;
      compared.nulls += ours.filter((value) => value === null).length;
    }
  }
  return compared;
}

function isTopLevel(schema: { num_children?: number }[], target: number): boolean {
  let index = 1;
  for (let child = 0; child < (schema[0]!.num_children ?? 0); child++) {
    if (index === target) return true;
    index = skip(schema, index);
  }
  return false;
}

function skip(schema: { num_children?: number }[], index: number): number {
  let next = index + 1;
  for (let child = 0; child < (schema[index]!.num_children ?? 0); child++) next = skip(schema, next);
  return next;
}

describe("flat column-chunk decoding matches hyparquet's reader", () => {
  for (const table of ["athena_example", "equality_deletes_partitioned", "java_bunnies", "lineitem_iceberg", "lineitem_iceberg_gz", "spark_bunnies", "spark_rename_column"]) {
    it(`on every data file of ${table}`, async () => {
      const root = fixturePath(table);
      const files = parquetFilesUnder(root);
      expect(files.length).toBeGreaterThan(0);
      let compared = 0;
      for (const key of files) compared += (await compareWithHyparquet(root, key)).values;
      expect(compared).toBeGreaterThan(0);
    });
  }

  it("on a demo archive whose columns span several pages and hold nulls", async () => {
    await generateDemoArchive(new LocalObjectStore(generated), { events: 50_000, seed: 3 });
    const files = parquetFilesUnder(generated);
    const compared = { values: 0, nulls: 0 };
    for (const key of files) {
      const { values, nulls } = await compareWithHyparquet(generated, key);
      compared.values += values;
      compared.nulls += nulls;
    }
    expect(compared.values).toBeGreaterThanOrEqual(50_000 * 9);
    expect(compared.nulls).toBeGreaterThan(0);
  });

  it("refuses dictionary-encoded pages read without their dictionary", async () => {
    const root = fixturePath("spark_bunnies");
    const [key] = parquetFilesUnder(root);
    const file = await openParquetDataFile(new LocalObjectStore(root), key!, undefined, new Map());
    const columnIndex = file.metadata.row_groups[0]!.columns.findIndex((chunk) => chunk.meta_data?.dictionary_page_offset !== undefined);
    expect(columnIndex).toBeGreaterThanOrEqual(0);
    const meta = file.metadata.row_groups[0]!.columns[columnIndex]!.meta_data!;
    const end = Number(meta.dictionary_page_offset) + Number(meta.total_compressed_size);
    // The chunk from its first data page on: the dictionary page before it is left out.
    const bytes = new Uint8Array(await file.buffer.slice(Number(meta.data_page_offset), end));
    const element = file.rawMetadata.schema.find((candidate) => candidate.name === meta.path_in_schema[0])!;
    const source = { metadata: file.rawMetadata, columnIndex, element, parsers: VALUE_PARSERS, compressors: await parquetDecompressors() };
    expect(() => decodeColumnChunk(bytes, 0, source, Number(file.metadata.row_groups[0]!.num_rows))).toThrow("a dictionary-encoded page comes without a dictionary page");
  });

  it("refuses a column chunk whose pages hold fewer values than its row group", async () => {
    const root = fixturePath("spark_bunnies");
    const [key] = parquetFilesUnder(root);
    const file = await openParquetDataFile(new LocalObjectStore(root), key!, undefined, new Map());
    const meta = file.metadata.row_groups[0]!.columns[0]!.meta_data!;
    const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    const bytes = new Uint8Array(await file.buffer.slice(start, start + Number(meta.total_compressed_size)));
    const rows = Number(file.metadata.row_groups[0]!.num_rows);
    const element = file.rawMetadata.schema[1]!;
    const source = { metadata: file.rawMetadata, columnIndex: 0, element, parsers: VALUE_PARSERS, compressors: await parquetDecompressors() };
    expect(() => decodeColumnChunk(bytes, 0, source, rows + 1)).toThrow(`holds ${rows} values in a row group of ${rows + 1} rows`);
  });
});
