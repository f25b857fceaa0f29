// One engine's scans in a process of its own, so peak RSS belongs to them alone. Prints JSON: the
// first scan (cold: JIT, WebAssembly and DuckDB start-up included) and the median of the warm scans after it.
// Usage: scan-worker.ts <engine: reproject|duckdb> <archive dir> <columns comma list | *> [warm scans]
import { DuckDBInstance } from "@duckdb/node-api";
import { ArchiveTable } from "../src/archive/table.ts";

const [engine, dir, columnList, warmArg] = process.argv.slice(2);
const columns = columnList === "*" ? undefined : columnList!.split(",");
const warmScans = Number(warmArg ?? 3);

const table = await ArchiveTable.open(dir!);
const plan = (await table.plan({ columns, orderBy: "global_position" }))!;

async function reprojectScan(): Promise<number> {
  let rows = 0;
  for await (const batch of table.scan(plan)) rows += batch.rowCount;
  return rows;
}

async function duckdbScanner(): Promise<() => Promise<number>> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  const files = plan.slices.map((slice) => `'${dir}/${slice.key}'`).join(", ");
  // min() of every column makes DuckDB decode each value, as the JS scan does.
  const selected = plan.fields.map((field) => `min("${field.name}")`).join(", ");
  return async () => {
    const result = await connection.runAndReadAll(
      `SELECT count(*), ${selected} FROM read_parquet([${files}], union_by_name = true)`,
    );
    return Number(result.getRows()[0]![0]);
  };
}

async function timed(scan: () => Promise<number>): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  const rows = await scan();
  return { rows, seconds: (performance.now() - started) / 1000 };
}

const coldStart = performance.now();
const scan = engine === "reproject" ? reprojectScan : await duckdbScanner();
const cold = await timed(scan);
cold.seconds = (performance.now() - coldStart) / 1000;
const warm: number[] = [];
for (let run = 0; run < warmScans; run++) {
  const { rows, seconds } = await timed(scan);
  if (rows !== cold.rows) throw new Error(`warm scan ${run + 1} returned ${rows} rows, the first ${cold.rows}`);
  warm.push(seconds);
}
warm.sort((a, b) => a - b);
const median = warm.length > 0 ? warm[Math.floor(warm.length / 2)]! : cold.seconds;
process.stdout.write(
  JSON.stringify({
    rows: cold.rows,
    coldSeconds: cold.seconds,
    seconds: median,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + "\n",
);
