// All of Reproject's benchmarks in one run: `npm run bench [-- --quick] [--out FILE]`. Prints the
// report and writes it to bench/RESULTS.md (or FILE). `--quick` runs every part at small sizes, to
// check the benchmarks work; its figures mean nothing.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { demoArchiveDir } from "./demo-archive-cache.ts";
import { bestRebuild, measureRebuild, measureResume } from "./rebuild-bench.ts";
import { runIngestBenchmark } from "./ingest.ts";
import { LANES_FULL, LANES_QUICK, runLanesBenchmark, type LanesSizes } from "./lanes.ts";
import { PLAN_SCALE_FULL, PLAN_SCALE_QUICK, runPlanScaleBenchmark, type PlanScaleSizes } from "./plan-scale.ts";
import { runRegistryBenchmark } from "./registry.ts";
import { resultsMarkdown, type BenchResults, type EndToEnd } from "./results-report.ts";
import { runScanBenchmark } from "./scan.ts";

interface Sizes {
  scan: number[];
  registry: number;
  endToEnd: number;
  /** A rebuild that has not finished by then is stopped and reported as such. */
  endToEndLimitSeconds: number;
  /** Each end-to-end figure is the best of this many runs. */
  endToEndRuns: number;
  rssLarge: number;
  resume: number;
  /** Events/s ceiling that keeps the crashed rebuild running long enough to be crashed in the middle. */
  resumeRateLimit?: number;
  /** Events appended at each batch size, after building the projections from an archive of `ingestArchive`. */
  ingest: number;
  ingestArchive: number;
  planScale: PlanScaleSizes;
  lanes: LanesSizes;
}

const FULL: Sizes = {
  scan: [1_000_000, 10_000_000],
  registry: 1_000_000,
  endToEnd: 1_000_000,
  endToEndLimitSeconds: 120,
  endToEndRuns: 2,
  rssLarge: 10_000_000,
  resume: 1_000_000,
  ingest: 5_000,
  ingestArchive: 100_000,
  planScale: PLAN_SCALE_FULL,
  lanes: LANES_FULL,
};
const QUICK: Sizes = {
  scan: [20_000, 100_000],
  registry: 20_000,
  endToEnd: 20_000,
  endToEndLimitSeconds: 60,
  endToEndRuns: 1,
  rssLarge: 100_000,
  resume: 100_000,
  resumeRateLimit: 20_000,
  ingest: 200,
  ingestArchive: 20_000,
  planScale: PLAN_SCALE_QUICK,
  lanes: LANES_QUICK,
};
const PROJECTIONS = ["rebufferByCdn", "sessionSummary"];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    out: { type: "string", default: fileURLToPath(new URL("./RESULTS.md", import.meta.url)) },
  },
});
const sizes = values.quick ? QUICK : FULL;
const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAt = new Date();
const loadAverage = loadavg();

log("1. archive scan vs DuckDB");
const scan = await runScanBenchmark(sizes.scan, log, values.quick ? 1 : 3);
log("   registry without Convex");
const registry = { events: sizes.registry, measurements: await runRegistryBenchmark(sizes.registry, log) };

log("2./3. end-to-end rebuilds on the local runtime");
const archive = await demoArchiveDir(sizes.endToEnd, log);
const endToEnd: EndToEnd[] = [];
for (const projection of PROJECTIONS) {
  const result = await bestRebuild(projection, archive, sizes.endToEndRuns, {
    profile: true,
    timeLimitSeconds: sizes.endToEndLimitSeconds,
  });
  log(
    `   ${projection}: ${result.processed.toLocaleString("en-US")} events in ${result.seconds.toFixed(1)} s${result.completed ? "" : " (stopped)"}`,
  );
  endToEnd.push({ projection, result });
}

log("4. peak RSS");
// Both without the profiler, whose samples take memory too.
const small = await measureRebuild("rebufferByCdn", archive);
const large = await measureRebuild("rebufferByCdn", await demoArchiveDir(sizes.rssLarge, log));
const retainedSmall = await measureRebuild("rebufferByCdn", archive, { retainedHeap: true });
const retainedLarge = await measureRebuild("rebufferByCdn", await demoArchiveDir(sizes.rssLarge, log), {
  retainedHeap: true,
});
const rss = {
  smallEvents: small.processed,
  smallMb: small.maxRssMb,
  smallRetainedMb: retainedSmall.retainedHeapMb!,
  largeEvents: large.processed,
  largeMb: large.maxRssMb,
  largeRetainedMb: retainedLarge.retainedHeapMb!,
};
log(
  `   ${rss.smallMb.toFixed(0)} MB at ${rss.smallEvents.toLocaleString("en-US")} events, ${rss.largeMb.toFixed(0)} MB at ${rss.largeEvents.toLocaleString("en-US")}; heap retained ${rss.smallRetainedMb.toFixed(0)} MB and ${rss.largeRetainedMb.toFixed(0)} MB`,
);

log("5. resume after a crash");
const resumeArchive = await demoArchiveDir(sizes.resume, log);
// The uninterrupted rebuild to compare with: one of the runs above when it was of the same archive.
const reference =
  [small, large].find((run) => run.processed === sizes.resume) ??
  (await measureRebuild("rebufferByCdn", resumeArchive));
const resume = await measureResume(
  "rebufferByCdn",
  resumeArchive,
  reference,
  sizes.resumeRateLimit === undefined ? {} : { rateLimit: sizes.resumeRateLimit },
);

log("6. live ingestion");
const ingest = await runIngestBenchmark(
  await demoArchiveDir(sizes.ingestArchive, log),
  sizes.ingestArchive,
  [1, 10, 100, 1_000],
  sizes.ingest,
  log,
);

log("7. planning a billion-event archive");
const planScale = await runPlanScaleBenchmark(sizes.planScale, log);

log("8. rebuilding in lanes");
const lanes = await runLanesBenchmark(sizes.lanes, log);

const results: BenchResults = {
  mode: values.quick ? "quick" : "full",
  startedAt,
  loadAverage,
  scan,
  registry,
  endToEnd: { runs: sizes.endToEndRuns, measurements: endToEnd },
  rss,
  resume,
  ingest,
  planScale,
  lanes,
};
const markdown = resultsMarkdown(results);
writeFileSync(values.out!, markdown);
process.stdout.write(markdown);
log(`written to ${values.out}`);
