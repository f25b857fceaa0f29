// Rewrites a Parquet file in place with another engine's encoding, keeping its rows, their order and
// its field ids: what a file rewritten after commit looks like to a reader whose manifest still
// records the old size. DuckDB's files come out smaller than most writers', arrow-rs's (inside
// parquet-wasm, uncompressed, with its Arrow schema) larger.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { parquetMetadata } from "hyparquet";
import { Compression, WriterPropertiesBuilder, readParquet, writeParquet } from "parquet-wasm";

export type ParquetRewriter = "duckdb" | "arrow-rs";

/** Returns the file's size before and after. */
export async function rewriteParquetFile(path: string, engine: ParquetRewriter): Promise<{ before: number; after: number }> {
  const bytes = readFileSync(path);
  if (engine === "arrow-rs") {
    const properties = new WriterPropertiesBuilder().setCompression(Compression.UNCOMPRESSED).build();
    writeFileSync(path, writeParquet(readParquet(bytes), properties));
  } else {
    await rewriteWithDuckDb(path, bytes);
  }
  return { before: bytes.length, after: readFileSync(path).length };
}

async function rewriteWithDuckDb(path: string, bytes: Uint8Array): Promise<void> {
  const schema = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).schema;
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const fieldIds = schema
    .slice(1)
    .map((element) => `${quote(element.name)}: ${element.field_id}`)
    .join(", ");
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_parquet(${quote(path)})) TO ${quote(`${path}.rewritten`)} (FORMAT parquet, COMPRESSION zstd, FIELD_IDS {${fieldIds}})`,
    );
  } finally {
    connection.closeSync();
  }
  renameSync(`${path}.rewritten`, path);
}
