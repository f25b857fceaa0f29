// Archive scan speed against DuckDB (threads=1) on the same Parquet files in the same run, and
// peak memory as the archive grows. Run: npm run bench:scan [-- --events 1000000,10000000]
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { demoArchiveDir } from "./demo-archive-cache.ts";

/** The columns a rebuild of the demo projections reads. */
export const REBUILD_COLUMNS = ["global_position", "event_type", "event_version", "cdn", "device", "payload"];

export interface ScanMeasurement {
  events: number;
  columns: "all" | "rebuild";
  /** Median of the warm scans (see scan-worker.ts). */
  reprojectEventsPerSec: number;
  duckdbEventsPerSec: number;
  ratio: number;
  /** The first scan of a fresh process, start-up included. */
  coldRatio: number;
  reprojectMaxRssMb: number;
}

interface WorkerResult {
  rows: number;
  coldSeconds: number;
  seconds: number;
  maxRssMb: number;
}

function measure(engine: "reproject" | "duckdb", dir: string, columns: string, warmScans: number): WorkerResult {
  const worker = fileURLToPath(new URL("./scan-worker.ts", import.meta.url));
  const output = execFileSync(process.execPath, ["--import", "tsx", worker, engine, dir, columns, String(warmScans)], {
    encoding: "utf8",
  });
  return JSON.parse(output.trim().split("\n").at(-1)!);
}

export async function runScanBenchmark(
  sizes: number[],
  log: (line: string) => void,
  warmScans = 3,
): Promise<ScanMeasurement[]> {
  const results: ScanMeasurement[] = [];
  for (const events of sizes) {
    const dir = await demoArchiveDir(events, log);
    for (const [label, columns] of [
      ["all", "*"],
      ["rebuild", REBUILD_COLUMNS.join(",")],
    ] as const) {
      const duckdb = measure("duckdb", dir, columns, warmScans);
      const reproject = measure("reproject", dir, columns, warmScans);
      if (reproject.rows !== events || duckdb.rows !== events) {
        throw new Error(`scan of ${dir} returned ${reproject.rows} rows (DuckDB ${duckdb.rows}), expected ${events}`);
      }
      const result: ScanMeasurement = {
        events,
        columns: label,
        reprojectEventsPerSec: events / reproject.seconds,
        duckdbEventsPerSec: events / duckdb.seconds,
        ratio: duckdb.seconds / reproject.seconds,
        coldRatio: duckdb.coldSeconds / reproject.coldSeconds,
        reprojectMaxRssMb: reproject.maxRssMb,
      };
      log(
        `${events.toLocaleString("en-US").padStart(12)} events  ${label.padEnd(8)} Reproject ${fmt(result.reprojectEventsPerSec)} ev/s` +
          `  DuckDB ${fmt(result.duckdbEventsPerSec)} ev/s  ratio ${result.ratio.toFixed(3)}x (cold ${result.coldRatio.toFixed(3)}x)` +
          `  peak RSS ${result.reprojectMaxRssMb.toFixed(0)} MB`,
      );
      results.push(result);
    }
  }
  return results;
}

function fmt(eventsPerSec: number): string {
  return `${(eventsPerSec / 1e6).toFixed(2)}M`.padStart(7);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { events: { type: "string", default: "1000000,10000000" } } });
  const sizes = values.events!.split(",").map(Number);
  const results = await runScanBenchmark(sizes, console.log);
  const rss = (events: number) =>
    results.find((r) => r.events === events && r.columns === "rebuild")?.reprojectMaxRssMb;
  if (sizes.length > 1) {
    const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
    console.log(
      `peak RSS ratio ${large.toLocaleString("en-US")} / ${small.toLocaleString("en-US")} events: ${(rss(large)! / rss(small)!).toFixed(2)}`,
    );
  }
}
