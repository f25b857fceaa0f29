// The rows of a Parquet file as DuckDB's read_parquet reads them: the reference the reader's values
// are checked against.
import { DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";

export async function duckDbRows(path: string, columns: readonly string[]): Promise<DuckDBValue[][]> {
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  try {
    const select = columns.map((column) => `"${column.replaceAll('"', '""')}"`).join(", ");
    return (await connection.runAndReadAll(`SELECT ${select} FROM read_parquet('${path.replaceAll("'", "''")}')`)).getRows();
  } finally {
    connection.closeSync();
  }
}
