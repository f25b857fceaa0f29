// Rebuilding in lanes: sessionSummary rebuilt from one demo archive at several lane counts, each in a
// worker process of its own, on the local runtime with its latency model (every query and mutation
// an action calls waits as a round trip to a deployment would), the replay pool running every lane
// at once. Lanes overlap those waits; the local runtime runs every function in one process, so the
// CPU they need adds up there, and the report shows how busy the process was.
// Standalone: `node --import tsx bench/lanes.ts [--quick]` prints the report's section.
import { fileURLToPath } from "node:url";
import { demoArchiveDir } from "./demo-archive-cache.ts";
import { measureRebuild } from "./rebuild-bench.ts";
import type { WorkerResult } from "./rebuild-worker.ts";
import { cpuShare, lanesSection } from "./results-report.ts";

export interface LanesSizes {
  events: number;
  laneCounts: number[];
  callLatencyMs: number;
  /** REPROJECT_REPLAY_PARALLELISM: chunks the replay pool runs at once, enough for the most lanes. */
  replayParallelism: number;
}

export const LANES_FULL: LanesSizes = {
  events: 1_000_000,
  laneCounts: [1, 2, 4, 8],
  callLatencyMs: 30,
  replayParallelism: 8,
};
export const LANES_QUICK: LanesSizes = { events: 20_000, laneCounts: [1, 4], callLatencyMs: 30, replayParallelism: 8 };

/** The projection rebuilt: its read model is keyed by stream, and so is its lane key. */
export const LANES_PROJECTION = "sessionSummary";

export interface LaneRun {
  lanes: number;
  result: WorkerResult;
  /** Whether its read model's documents are those of the first lane count's rebuild (one lane). */
  readModelIdentical: boolean;
}

export interface LanesResults {
  projection: string;
  sizes: LanesSizes;
  runs: LaneRun[];
}

export async function runLanesBenchmark(sizes: LanesSizes, log: (line: string) => void): Promise<LanesResults> {
  const archive = await demoArchiveDir(sizes.events, log);
  const runs: LaneRun[] = [];
  for (const lanes of sizes.laneCounts) {
    const result = await measureRebuild(LANES_PROJECTION, archive, {
      lanes,
      callLatencyMs: sizes.callLatencyMs,
      digest: true,
      env: { REPROJECT_REPLAY_PARALLELISM: String(sizes.replayParallelism) },
    });
    if (!result.completed || result.readModelDigest === null)
      throw new Error(`the ${lanes}-lane rebuild of ${archive} did not complete (${result.state})`);
    const readModelIdentical = result.readModelDigest === (runs[0]?.result ?? result).readModelDigest;
    runs.push({ lanes, result, readModelIdentical });
    log(
      `   ${lanes} lane(s): ${result.processed.toLocaleString("en-US")} events in ${result.seconds.toFixed(1)} s, ` +
        `CPU ${(cpuShare(result) * 100).toFixed(0)}%, read model ${readModelIdentical ? "identical" : "DIFFERENT"}`,
    );
  }
  return { projection: LANES_PROJECTION, sizes, runs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = process.argv.includes("--quick") ? LANES_QUICK : LANES_FULL;
  const results = await runLanesBenchmark(sizes, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${lanesSection(results).join("\n")}\n`);
}
