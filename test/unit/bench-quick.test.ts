import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

/**
 * A row of the lanes table: every figure present and above zero (time, events/s, ratio, CPU time and
 * share, queries, mutations, actions, documents and bytes written, peak RSS), and the read model the
 * one-lane one's.
 */
function laneRow(lanes: number): RegExp {
  const positive = String.raw`(?!0(?:\.0+)?[ %×|])[0-9][0-9,.]*`;
  const figures = [
    `${positive} s`,
    positive,
    `${positive}×`,
    `${positive} s`,
    `${positive}%`,
    positive,
    positive,
    positive,
    positive,
  ];
  return new RegExp(
    String.raw`\| ${lanes} \| ${figures.join(String.raw` \| `)} \| ${positive} MiB \| ${positive} MB \| identical \|`,
  );
}

const RUN = fileURLToPath(new URL("../../bench/run.ts", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "reproject-bench-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it("the benchmarks run in quick mode and write every table of the report", async () => {
  const out = join(scratch, "RESULTS.md");
  // Rejects with the exit code and stderr if the run fails.
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", RUN, "--quick", "--out", out], {
    maxBuffer: 16 * 2 ** 20,
  });
  const report = readFileSync(out, "utf8");
  expect(stdout).toBe(report);
  expect(report).toMatch(/^# Benchmark results \(quick mode/);
  for (const heading of [
    "## Goals",
    "## 1. Archive scan vs DuckDB",
    "## 2. End-to-end rebuilds on the local runtime",
    "## 3. Convex function calls and bytes written per 1M events",
    "## 4. Peak RSS of a rebuild",
    "## 5. Resume after a crash in the middle",
    "## 6. Live ingestion",
    "## 7. Planning a rebuild of 4,000,000 events in 2,000 data files, +20 ms per S3 request",
    "## 8. Rebuilding in lanes: sessionSummary from 20,000 events, +30 ms per call from an action",
    "## How each figure is measured",
  ]) {
    expect(report).toContain(heading);
  }
  for (const row of [
    /\| rebufferByCdn \| 20,000 \/ 20,000 \|/,
    /\| sessionSummary \| 20,000 \/ 20,000 \|/,
    /\| 100,000 \| rebuild \| [0-9.]+ M \| [0-9.]+ M \| [0-9.]+× \| [0-9.]+× \| [0-9]+ MB \|/,
    // Section 4: peak RSS and the heap retained after a full GC, at both sizes.
    /\| 20,000 \| [0-9]+ MB \| [0-9]+ MB \|/,
    /\| 100,000 \| [0-9]+ MB \| [0-9]+ MB \|/,
    /\| rebuild heap retained after a full GC, 100,000 \/ 20,000 events \| ≤ 1\.2 \| [0-9.]+ \| (yes|\*\*no\*\*) \|/,
    /\| events re-applied after a crash \| 0 \| 0 \(read model identical\) \| yes \|/,
    /\| full \| 4,000,000 \| 2,000 \/ 2,000 \| [0-9.]+ \| [0-9]+ MB \| [0-9,]+ \| [0-9]+ \(1\) \| [0-9.]+ MiB \| [0-9]+ KiB \|/,
    /\| filtered \| [0-9,]+ \| [0-9]+ \/ 2,000 \|/,
    laneRow(1),
    laneRow(4),
  ]) {
    expect(report).toMatch(row);
  }
}, 180_000);
