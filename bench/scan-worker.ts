// One measured scan in its own process, so peak RSS belongs to that scan alone. Prints JSON.
// Usage: scan-worker.ts <engine: reproject|duckdb> <archive dir> <columns comma list | *>
import { DuckDBInstance } from "@duckdb/node-api";
import { ArchiveTable } from "../src/archive/table.ts";

const [engine, dir, columnList] = process.argv.slice(2);
const columns = columnList === "*" ? undefined : columnList!.split(",");

const table = await ArchiveTable.open(dir!);
const plan = (await table.plan({ columns, orderBy: "global_position" }))!;
const started = performance.now();
let rows = 0;
if (engine === "reproject") {
  for await (const batch of table.scan(plan)) rows += batch.rowCount;
} else {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  const files = plan.slices.map((slice) => `'${dir}/${slice.key}'`).join(", ");
  // min() of every column makes DuckDB decode each value, as the JS scan does.
  const selected = plan.fields.map((field) => `min("${field.name}")`).join(", ");
  const result = await connection.runAndReadAll(`SELECT count(*), ${selected} FROM read_parquet([${files}], union_by_name = true)`);
  rows = Number(result.getRows()[0]![0]);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ rows, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
