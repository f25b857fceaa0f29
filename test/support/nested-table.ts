// A table whose data files DuckDB writes (nested columns with Parquet field ids set by FIELD_IDS),
// committed with Reproject's writer and given the nested Iceberg schema the writer cannot write
// itself: for reading nested columns back and comparing them with DuckDB's read_parquet.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { IcebergSchema, IcebergType, ListType, MapType, NestedField, StructType } from "../../src/archive/schema.ts";
import { openObjectStore } from "../../src/archive/store/open-store.ts";
import { commitAppend, createTable, type DataFile } from "../../src/archive/writer/index.ts";

export interface DuckDbDataFile {
  /** A DuckDB SELECT giving the file's rows. */
  select: string;
  /** DuckDB's FIELD_IDS option (`{id: 1, info: {__duckdb_field_id: 2, name: 3}}`). */
  fieldIds: string;
}

const quote = (path: string) => `'${path.replaceAll("'", "''")}'`;

async function withDuckDb<T>(use: (connection: Awaited<ReturnType<DuckDBInstance["connect"]>>) => Promise<T>): Promise<T> {
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
  }
}

export async function writeNestedTable(fields: NestedField[], files: DuckDbDataFile[]): Promise<{ table: string; dataFiles: string[] }> {
  const table = mkdtempSync(join(tmpdir(), "reproject-nested-"));
  mkdirSync(join(table, "data"));
  const dataFiles = files.map((_, index) => join(table, "data", `${String(index).padStart(5, "0")}.parquet`));
  await withDuckDb(async (connection) => {
    for (const [index, file] of files.entries()) {
      await connection.run(`COPY (${file.select}) TO ${quote(dataFiles[index]!)} (FORMAT parquet, FIELD_IDS ${file.fieldIds})`);
    }
  });
  const store = openObjectStore(table);
  // The writer writes primitive columns only: create the table with one, then put the nested schema in.
  const placeholder: IcebergSchema = { "schema-id": 0, fields: [{ id: 1, name: "id", required: false, type: "long" }] };
  const created = await createTable(store, { schema: placeholder, partitionSpec: { "spec-id": 0, fields: [] } });
  const committed: DataFile[] = await Promise.all(
    dataFiles.map(async (path, index) => {
      const key = `data/${String(index).padStart(5, "0")}.parquet`;
      const recordCount = await withDuckDb(async (connection) =>
        Number((await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quote(path)})`)).getRows()[0]![0]),
      );
      return {
        key,
        path,
        partition: {},
        recordCount,
        fileSizeInBytes: statSync(path).size,
        columnSizes: new Map(),
        splitOffsets: [],
        sortOrderId: undefined,
        valueCounts: new Map(),
        nullValueCounts: new Map(),
        nanValueCounts: new Map(),
        lowerBounds: new Map(),
        upperBounds: new Map(),
      };
    }),
  );
  await commitAppend(store, created, { dataFiles: committed });
  const version = readFileSync(join(table, "metadata", "version-hint.text"), "utf8").trim();
  const metadataPath = join(table, "metadata", `v${version}.metadata.json`);
  const metadata = JSON.parse(readFileSync(metadataPath, "utf8")) as Record<string, unknown>;
  metadata.schemas = [{ type: "struct", "schema-id": 0, fields }];
  metadata["last-column-id"] = maxFieldId(fields);
  writeFileSync(metadataPath, JSON.stringify(metadata));
  return { table, dataFiles };
}

/**
 * DuckDB's rows of a file as JSON (structs and maps as objects, lists as arrays), ordered by
 * `orderBy`; `row` is the expression of a row over the file's columns (`t`, the whole row, by default).
 */
export async function duckDbJsonRows(path: string, orderBy: string, row = "t"): Promise<Array<Record<string, unknown>>> {
  return withDuckDb(async (connection) => {
    const reader = await connection.runAndReadAll(`SELECT to_json(${row})::VARCHAR FROM read_parquet(${quote(path)}) t ORDER BY ${orderBy}`);
    return reader.getRows().map(([json]) => JSON.parse(String(json)) as Record<string, unknown>);
  });
}

function maxFieldId(fields: NestedField[]): number {
  let max = 0;
  const visit = (type: unknown): void => {
    if (typeof type !== "object" || type === null) return;
    const nested = type as { type: string; fields?: NestedField[]; "element-id"?: number; element?: unknown; "key-id"?: number; "value-id"?: number; key?: unknown; value?: unknown };
    for (const id of [nested["element-id"], nested["key-id"], nested["value-id"]]) if (id !== undefined) max = Math.max(max, id);
    for (const field of nested.fields ?? []) {
      max = Math.max(max, field.id);
      visit(field.type);
    }
    visit(nested.element);
    visit(nested.key);
    visit(nested.value);
  };
  visit({ type: "struct", fields });
  return max;
}

/** Iceberg schema builders for tests: an optional field, and struct, list and map types. */
export const optional = (id: number, name: string, type: IcebergType, extra: Partial<NestedField> = {}): NestedField => ({
  id,
  name,
  required: false,
  type,
  ...extra,
});
export const struct = (...fields: NestedField[]): StructType => ({ type: "struct", fields });
export const list = (elementId: number, element: IcebergType): ListType => ({
  type: "list",
  "element-id": elementId,
  element,
  "element-required": false,
});
export const map = (keyId: number, key: IcebergType, valueId: number, value: IcebergType): MapType => ({
  type: "map",
  "key-id": keyId,
  key,
  "value-id": valueId,
  value,
  "value-required": false,
});
