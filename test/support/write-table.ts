// A one-file Iceberg table written through Reproject's archive writer, for tests that read values
// back through the reader and through DuckDB's read_parquet from the same file.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IcebergSchema } from "../../src/archive/schema.ts";
import { openObjectStore } from "../../src/archive/store/open-store.ts";
import { commitAppend, createTable, rowBatches, writeParquetDataFile } from "../../src/archive/writer/index.ts";

export async function writeOneFileTable(schema: IcebergSchema, rows: Array<Record<string, unknown>>): Promise<{ table: string; dataFile: string }> {
  const table = mkdtempSync(join(tmpdir(), "reproject-values-"));
  const store = openObjectStore(table);
  const created = await createTable(store, { schema, partitionSpec: { "spec-id": 0, fields: [] } });
  const key = "data/00000.parquet";
  const file = await writeParquetDataFile(store, { key, path: `${table}/${key}`, partition: {}, schema }, rowBatches(rows, schema));
  await commitAppend(store, created, { dataFiles: [file] });
  return { table, dataFile: `${table}/${key}` };
}
