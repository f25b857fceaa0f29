// The benchmark report: the machine and versions it ran on, each measurement as a table, the goals
// of issue 8 with what was met, and how each figure was measured. Printed and written to RESULTS.md.
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { TIME_SHARES, type TimeShare } from "./cpu-profile.ts";
import type { IngestMeasurement } from "./ingest.ts";
import type { LaneRun, LanesResults } from "./lanes.ts";
import type { PlanScaleResults } from "./plan-scale.ts";
import type { ResumeMeasurement } from "./rebuild-bench.ts";
import type { WorkerResult } from "./rebuild-worker.ts";
import type { RegistryMeasurement } from "./registry.ts";
import type { ScanMeasurement } from "./scan.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../", import.meta.url));
const REPORTED_PACKAGES = [
  "convex",
  "convex-test",
  "@convex-dev/workpool",
  "hyparquet",
  "hyparquet-compressors",
  "zod",
  "@duckdb/node-api",
  "tsx",
];

export interface EndToEnd {
  projection: string;
  result: WorkerResult;
}

export interface BenchResults {
  mode: "full" | "quick";
  startedAt: Date;
  loadAverage: number[];
  scan: ScanMeasurement[];
  registry: { events: number; measurements: RegistryMeasurement[] };
  endToEnd: { runs: number; measurements: EndToEnd[] };
  rss: {
    smallEvents: number;
    smallMb: number;
    smallRetainedMb: number;
    largeEvents: number;
    largeMb: number;
    largeRetainedMb: number;
  };
  resume: ResumeMeasurement;
  ingest: IngestMeasurement[];
  planScale: PlanScaleResults;
  lanes: LanesResults;
}

/** A deployment's commit latency for a mutation, the assumption of the ceiling calculation. */
const ASSUMED_COMMIT_MS = 10;

/** Events/s when appends serialize on the one eventLog document: one mutation after another. */
function ingestCeiling(measurement: IngestMeasurement): number {
  return (measurement.eventsPerMutation * 1000) / (measurement.msPerMutation + ASSUMED_COMMIT_MS);
}

const SHARE_LABELS: Record<TimeShare, string> = {
  decode: "decode",
  handlers: "handlers",
  convex: "Convex transactions",
  scheduling: "scheduling / idle",
  gc: "GC",
  other: "other",
};

const count = (value: number) => Math.round(value).toLocaleString("en-US");
const millions = (value: number) => `${(value / 1e6).toFixed(2)} M`;
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");

function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(`${PROJECT_ROOT}node_modules/${name}/package.json`, "utf8")) as {
    version: string;
  };
  return manifest.version;
}

/** Function calls of a rebuild without the benchmark's own status polls, per 1M events. */
export function callsPerMillion(result: WorkerResult) {
  const scale = 1_000_000 / result.processed;
  const total = result.calls.total;
  const queries = total.queries - result.statusPolls;
  return {
    queries: queries * scale,
    mutations: total.mutations * scale,
    actions: total.actions * scale,
    scheduled: total.scheduled * scale,
    total: (queries + total.mutations + total.actions) * scale,
    ...componentCalls(result, scale),
  };
}

/**
 * Calls into Reproject's component (made from the app's functions, inside their transactions: no
 * round trip of their own) and the replay Workpool's (its own scheduling and bookkeeping).
 */
function componentCalls(result: WorkerResult, scale: number) {
  const sum = (matches: (path: string) => boolean) =>
    Object.entries(result.calls.components)
      .filter(([path]) => matches(path))
      .reduce((total, [, calls]) => total + calls.queries + calls.mutations + calls.actions, 0) * scale;
  return {
    component: sum((path) => path === "reproject"),
    workpool: sum((path) => path.split("/").includes("replayPool")),
  };
}

function rate(result: WorkerResult): number {
  return result.processed / result.seconds;
}

/** The share of the wall time the worker process spent on the CPU (1 = one core busy throughout). */
export function cpuShare(result: WorkerResult): number {
  return result.cpuSeconds / result.watchedSeconds;
}

/** How much faster than the one-lane rebuild (the first run) a run went. */
function speedUp(run: LaneRun, runs: readonly LaneRun[]): number {
  return rate(run.result) / rate(runs[0]!.result);
}

/** The section "Rebuilding in lanes": also printed alone by `bench/lanes.ts`. */
export function lanesSection({ projection, sizes, runs }: LanesResults): string[] {
  const first = runs[0]!.result;
  return [
    `## 8. Rebuilding in lanes: ${projection} from ${count(first.processed)} events, +${sizes.callLatencyMs} ms per call from an action`,
    "",
    table(
      [
        "lanes",
        "time",
        "events/s",
        "vs 1 lane",
        "CPU time",
        "CPU of the process",
        "queries",
        "mutations",
        "actions",
        "documents written",
        "bytes written",
        "peak RSS",
        "read model vs 1 lane",
      ],
      runs.map((run) => {
        const { result } = run;
        const total = result.calls.total;
        return [
          String(run.lanes),
          `${result.seconds.toFixed(1)} s`,
          count(rate(result)),
          `${speedUp(run, runs).toFixed(2)}×`,
          `${result.cpuSeconds.toFixed(1)} s`,
          `${(cpuShare(result) * 100).toFixed(0)}%`,
          count(total.queries - result.statusPolls),
          count(total.mutations),
          count(total.actions),
          count(result.documentsWritten),
          `${(result.bytesWritten / 2 ** 20).toFixed(1)} MiB`,
          `${result.maxRssMb.toFixed(0)} MB`,
          run.readModelIdentical ? "identical" : "different",
        ];
      }),
    ),
    "",
    `Each rebuild runs in a worker process of its own on the local runtime with its latency model (every query and mutation an action calls waits ${sizes.callLatencyMs} ms first, without using the CPU, as a round trip to a deployment does) and \`REPROJECT_REPLAY_PARALLELISM=${sizes.replayParallelism}\`, so every lane runs at once. *CPU time* is the process's user + system CPU time from trigger to completion, *CPU of the process* that over the wall time: the local runtime runs every Convex function, every lane's action and mutation, in that one Node process, so lanes overlap only the waits; near 100% the run is CPU-bound and more lanes cannot go faster here, while on a deployment each action has its own process and the mutations run on Convex's servers. *Read model vs 1 lane* compares a SHA-256 of the documents in key order.`,
  ];
}

function endToEndRow({ projection, result }: EndToEnd): string[] {
  const shares = result.shares;
  const profiled = shares ? TIME_SHARES.reduce((sum, share) => sum + shares[share], 0) : 0;
  const percent = (share: TimeShare) => (shares ? `${((shares[share] / profiled) * 100).toFixed(0)}%` : "");
  const done = result.completed ? "" : ` (stopped after ${result.seconds.toFixed(0)} s)`;
  return [
    projection,
    `${count(result.processed)} / ${count(result.total ?? result.processed)}${done}`,
    `${result.seconds.toFixed(1)} s`,
    count(rate(result)),
    ...TIME_SHARES.map(percent),
  ];
}

interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

function goals(results: BenchResults): Goal[] {
  /** The lowest ratio over the archive sizes scanned. */
  const scanRatio = (columns: ScanMeasurement["columns"]) =>
    Math.min(...results.scan.filter((scan) => scan.columns === columns).map((scan) => scan.ratio));
  const scanSizes = [...new Set(results.scan.map((scan) => scan.events))].sort((a, b) => a - b);
  const scanRss = (events: number) =>
    results.scan.find((scan) => scan.events === events && scan.columns === "rebuild")!.reprojectMaxRssMb;
  const scanRssRatio = scanRss(scanSizes.at(-1)!) / scanRss(scanSizes[0]!);
  const registryWorst = Math.min(...results.registry.measurements.map((measurement) => measurement.wall));
  const rebuildOf = (projection: string) =>
    results.endToEnd.measurements.find((run) => run.projection === projection)!.result;
  const endToEnd = (projection: string, target: number): Goal => {
    const run = rebuildOf(projection);
    return {
      goal: `end to end, ${projection}`,
      target: `≥ ${count(target)} events/s`,
      measured: run.completed
        ? count(rate(run))
        : `did not finish: ${count(run.processed)} events in ${run.seconds.toFixed(0)} s`,
      met: run.completed && rate(run) >= target,
    };
  };
  const calls = callsPerMillion(rebuildOf("rebufferByCdn")).total;
  const rssRatio = results.rss.largeMb / results.rss.smallMb;
  const retainedRatio = results.rss.largeRetainedMb / results.rss.smallRetainedMb;
  return [
    {
      goal: "archive scan vs DuckDB (1 thread), the rebuild's columns",
      target: "≥ 0.25×",
      measured: `${scanRatio("rebuild").toFixed(2)}× (lowest of ${scanSizes.map(count).join(" and ")} events)`,
      met: scanRatio("rebuild") >= 0.25,
    },
    {
      goal: "archive scan vs DuckDB (1 thread), all columns",
      target: "≥ 0.25×",
      measured: `${scanRatio("all").toFixed(2)}× (lowest of ${scanSizes.map(count).join(" and ")} events)`,
      met: scanRatio("all") >= 0.25,
    },
    ...(scanSizes.length > 1
      ? [
          {
            goal: `scan peak RSS ${count(scanSizes.at(-1)!)} / ${count(scanSizes[0]!)} events (rebuild's columns)`,
            target: "≤ 1.2 and < 256 MB",
            measured: `${scanRssRatio.toFixed(2)} (${scanRss(scanSizes.at(-1)!).toFixed(0)} MB)`,
            met: scanRssRatio <= 1.2 && scanRss(scanSizes.at(-1)!) < 256,
          },
        ]
      : []),
    {
      goal: "registry: validate + upcast + fold",
      target: "≥ 1 M events/s",
      measured: `${millions(registryWorst)} events/s (slowest case)`,
      met: registryWorst >= 1_000_000,
    },
    endToEnd("rebufferByCdn", 200_000),
    endToEnd("sessionSummary", 50_000),
    { goal: "function calls per 1M events, rebufferByCdn", target: "≤ 500", measured: count(calls), met: calls <= 500 },
    {
      goal: `rebuild peak RSS ${count(results.rss.largeEvents)} / ${count(results.rss.smallEvents)} events`,
      target: "≤ 1.2",
      measured: rssRatio.toFixed(2),
      met: rssRatio <= 1.2,
    },
    {
      goal: `rebuild heap retained after a full GC, ${count(results.rss.largeEvents)} / ${count(results.rss.smallEvents)} events`,
      target: "≤ 1.2",
      measured: retainedRatio.toFixed(2),
      met: retainedRatio <= 1.2,
    },
    (() => {
      const full = results.planScale.plans.find((plan) => plan.name === "full")!;
      const { sizes } = results.planScale;
      return {
        goal: `full plan of ${count(sizes.files)} data files (${count(full.total)} events), +${sizes.latencyMs} ms per request`,
        target: "< 10 s and < 256 MB",
        measured: `${full.seconds.toFixed(1)} s, ${full.maxRssMb.toFixed(0)} MB`,
        met: full.seconds < 10 && full.maxRssMb < 256,
      };
    })(),
    (() => {
      const { runs } = results.lanes;
      const most = runs.at(-1)!;
      const identical = runs.every((run) => run.readModelIdentical);
      return {
        goal: `rebuilding ${results.lanes.projection} in ${most.lanes} lanes vs one, +${results.lanes.sizes.callLatencyMs} ms per call`,
        target: "≥ 5×, read model identical",
        measured: `${speedUp(most, runs).toFixed(2)}× (read model ${identical ? "identical" : "DIFFERENT"}; CPU ${(cpuShare(most.result) * 100).toFixed(0)}%)`,
        met: speedUp(most, runs) >= 5 && identical,
      };
    })(),
    {
      goal: "events re-applied after a crash",
      target: "0",
      measured: `${count(results.resume.reApplied)} (read model ${results.resume.readModelMatches ? "identical" : "DIFFERENT"})`,
      met: results.resume.reApplied === 0 && results.resume.readModelMatches,
    },
  ];
}

export function resultsMarkdown(results: BenchResults): string {
  const cpu = cpus();
  const scale = (result: WorkerResult) => 1_000_000 / result.processed;
  const completedRuns = results.endToEnd.measurements.filter((run) => run.result.completed);
  const sections = [
    `# Benchmark results${results.mode === "quick" ? " (quick mode: small sizes, figures not meaningful)" : ""}`,
    "",
    `Run with \`npm run bench${results.mode === "quick" ? " -- --quick" : ""}\` on ${results.startedAt.toISOString()}.`,
    "",
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}; ` +
      `load average at the start ${results.loadAverage.map((load) => load.toFixed(2)).join(" / ")}, at the end ${loadavg()
        .map((load) => load.toFixed(2))
        .join(" / ")} ` +
      "(other work on the machine slows every figure).",
    "",
    `Packages: ${REPORTED_PACKAGES.map((name) => `${name} ${packageVersion(name)}`).join(", ")}.`,
    "",
    "## Goals",
    "",
    table(
      ["goal", "target", "measured", "met"],
      goals(results).map((goal) => [goal.goal, goal.target, goal.measured, goal.met ? "yes" : "**no**"]),
    ),
    "",
    "## 1. Archive scan vs DuckDB (threads=1), same Parquet files, same run",
    "",
    table(
      [
        "events",
        "columns",
        "Reproject events/s",
        "DuckDB events/s",
        "ratio",
        "ratio, first scan",
        "Reproject peak RSS",
      ],
      results.scan.map((scan) => [
        count(scan.events),
        scan.columns,
        millions(scan.reprojectEventsPerSec),
        millions(scan.duckdbEventsPerSec),
        `${scan.ratio.toFixed(2)}×`,
        `${scan.coldRatio.toFixed(2)}×`,
        `${scan.reprojectMaxRssMb.toFixed(0)} MB`,
      ]),
    ),
    "",
    `Registry without Convex (validate + upcast + fold through \`applyBatch\` into memory, ${count(results.registry.events)} events, best of 3):`,
    "",
    table(
      ["case", "events/s (wall)", "events per CPU-second"],
      results.registry.measurements.map((m) => [m.label, millions(m.wall), millions(m.cpu)]),
    ),
    "",
    "## 2. End-to-end rebuilds on the local runtime, and where the time goes",
    "",
    table(
      ["projection", "events", "time", "events/s", ...TIME_SHARES.map((share) => SHARE_LABELS[share])],
      results.endToEnd.measurements.map(endToEndRow),
    ),
    "",
    "## 3. Convex function calls and bytes written per 1M events",
    "",
    table(
      [
        "projection",
        "queries",
        "mutations",
        "actions",
        "of which scheduled",
        "all calls",
        "of which into Reproject's component",
        "of which the Workpool's",
        "documents written",
        "bytes written",
      ],
      completedRuns.map(({ projection, result }) => {
        const calls = callsPerMillion(result);
        return [
          projection,
          count(calls.queries),
          count(calls.mutations),
          count(calls.actions),
          count(calls.scheduled),
          count(calls.total),
          count(calls.component),
          count(calls.workpool),
          count(result.documentsWritten * scale(result)),
          `${((result.bytesWritten * scale(result)) / 2 ** 20).toFixed(1)} MiB`,
        ];
      }),
    ),
    "",
    "## 4. Peak RSS of a rebuild (rebufferByCdn, local runtime)",
    "",
    table(
      ["events", "peak RSS", "heap retained after a full GC"],
      [
        [
          count(results.rss.smallEvents),
          `${results.rss.smallMb.toFixed(0)} MB`,
          `${results.rss.smallRetainedMb.toFixed(0)} MB`,
        ],
        [
          count(results.rss.largeEvents),
          `${results.rss.largeMb.toFixed(0)} MB`,
          `${results.rss.largeRetainedMb.toFixed(0)} MB`,
        ],
      ],
    ) +
      `\n\nRatios: peak RSS ${(results.rss.largeMb / results.rss.smallMb).toFixed(2)}, heap retained ` +
      `${(results.rss.largeRetainedMb / results.rss.smallRetainedMb).toFixed(2)}.`,
    "",
    "## 5. Resume after a crash in the middle (rebufferByCdn)",
    "",
    table(
      [
        "events",
        "crashed at",
        "checkpoint after restart",
        "rows re-read",
        "events re-applied",
        "read model vs uninterrupted",
        "chunk retries",
      ],
      [
        [
          count(results.resume.events),
          count(results.resume.processedAtCrash),
          count(results.resume.processedAtRestart),
          count(results.resume.reRead),
          count(results.resume.reApplied),
          results.resume.readModelMatches ? "identical" : "different",
          count(results.resume.retried),
        ],
      ],
    ),
    "",
    "## 6. Live ingestion: one append mutation with both demo projections live",
    "",
    table(
      [
        "events per mutation",
        "ms per mutation",
        "events/s here",
        "calls per mutation",
        `ceiling at +${ASSUMED_COMMIT_MS} ms commit`,
      ],
      results.ingest.map((m) => [
        count(m.eventsPerMutation),
        m.msPerMutation.toFixed(2),
        count(m.eventsPerSecond),
        `${m.callsPerMutation.mutations.toFixed(0)} mutation, ${m.callsPerMutation.queries.toFixed(0)} queries`,
        `${count(ingestCeiling(m))} events/s`,
      ]),
    ),
    "",
    `Every append reads and patches the one \`eventLog\` document, so a deployment commits appends one after another, whatever their number of callers: events/s ≤ events per mutation × 1000 / (ms per mutation + commit ms), with ${ASSUMED_COMMIT_MS} ms assumed for the commit.`,
    "",
    `## 7. Planning a rebuild of ${count(results.planScale.archive.events)} events in ${count(results.planScale.archive.dataFiles)} data files, +${results.planScale.sizes.latencyMs} ms per S3 request`,
    "",
    table(
      [
        "plan",
        "events (total)",
        "files kept / in manifests",
        "seconds",
        "peak RSS",
        "S3 requests",
        "pages (mutations)",
        "plan bytes stored",
        "largest document",
      ],
      results.planScale.plans.map((plan) => [
        plan.name,
        count(plan.total),
        `${count(plan.slices)} / ${count(plan.dataFiles)}`,
        plan.seconds.toFixed(2),
        `${plan.maxRssMb.toFixed(0)} MB`,
        count(plan.requests),
        `${count(plan.pages)} (${count(plan.pageWrites)})`,
        `${(plan.bytesStored / 2 ** 20).toFixed(2)} MiB`,
        `${(plan.largestDocument / 1024).toFixed(0)} KiB`,
      ]),
    ),
    "",
    `The archive: ${count(results.planScale.archive.manifests)} manifests (one per append of ${count(results.planScale.sizes.filesPerManifest)} files), ${count(results.planScale.sizes.filesPerDay)} files a day, ${count(results.planScale.sizes.eventsPerFile)} events a file. The filtered plan keeps six hours of one day and one event type: ${results.planScale.filter.eventTypes!.join(", ")}.`,
    "",
    ...lanesSection(results.lanes),
    "",
    "## How each figure is measured",
    "",
    "- **Scan**: `bench/scan.ts`, each engine in a process of its own on the same files; DuckDB decodes every value (`min()` of each column). *Ratio* compares the medians of 3 scans after a first one (JIT, WebAssembly, DuckDB's start-up and the OS file cache warm for both engines, as in a long rebuild); *ratio, first scan* compares the first scans of fresh processes, start-up included. Peak RSS covers all of a process's scans.",
    `- **End to end**: \`bench/rebuild-worker.ts\` runs one rebuild per process on the local runtime (\`startLocalRuntime\`: the project's Convex functions on convex-test, the real Workpool, real timers, Convex's transaction limits), triggered through \`rebuilds:trigger\`; time and events/s from the rebuild's own \`startedAt\` / \`finishedAt\` (planning and the Workpool's scheduling included), the best of ${results.endToEnd.runs} run(s). A run marked stopped hit its time limit; its rate is what it managed until then.`,
    "- **Shares of time**: V8's sampling CPU profiler (1 ms) in the same run; each sample is charged to the innermost frame on its stack that belongs to a part: *decode* = the archive scan (src/archive, hyparquet, zstd, rows to events); *handlers* = the registry's validate / upcast / fold (src/registry, zod, convex/projections.ts); *Convex transactions* = convex-test and the convex package (argument and document serialization, validation, the in-memory database) plus the app's Convex functions around the handlers; *scheduling / idle* = the Workpool's and batch worker's code and the time the process had nothing to run (waiting for the Workpool's 200 ms polling and scheduled-function timers; local file reads overlap with decoding); *GC* = the garbage collector.",
    "- **Function calls**: the runtime's own counters (`runtime.stats().calls`: every query, mutation and action the app and its components ran, the Workpool's included), minus the benchmark's status polls. Calls into Reproject's component are made by the app's functions inside their own transactions (a batch mutation opens and commits its batch there), so they are no round trips of their own; the Workpool's are the replay pool's scheduling and bookkeeping.",
    "- **Bytes written**: every document write of every transaction, sized as convex-test sizes it to enforce Convex's limits (`TransactionMetricsTracker.trackWrite`, counted by `bench/instrumentation.ts`); convex-test does not count index entries or the transaction log, so a deployment writes more.",
    "- **Live ingestion**: `bench/ingest.ts` builds both demo projections on the local runtime, then appends the demo generator's next events through `reproject:append` (what `reproject.appendEvents` does in an app mutation), one mutation after another, at each batch size; *calls per mutation* counts the append and the component query per projection for its live generations.",
    "- **Planning**: `bench/plan-scale.ts` writes the archive to s3rver by its metadata (`bench/synthetic-archive.ts`: real Iceberg metadata, manifest lists and manifests whose entries carry a real data file's column statistics with their own partition, row count and position and time bounds; the files of the one day the filtered plan reads are real Parquet files of that many events, the others are not written since no plan opens them). Each plan runs in a process of its own (`bench/plan-scale-worker.ts`: open the table, plan the scan and the high-water mark as the `plan` action does, cut the plan into the pages it stores) through `test/support/faulty-s3-proxy.ts`, which holds every request 20 ms before passing it on and counts them. Seconds exclude the process's start-up; peak RSS includes it (Node, the AWS SDK and the Parquet reader: ~140 MB). Bytes stored and the largest document are the header's and pages' text as the component stores it; Convex stores a little more per document (field names, ids).",
    "- **Peak RSS**: `process.resourceUsage().maxRSS` of a worker process without the profiler, which holds the runtime, its in-memory database and the scan. It depends on how far V8 lets the heap grow between full collections, which varies from run to run; *heap retained* is what stays reachable: the largest heap used right after a forced full GC, sampled every 2 s in a second run of each size (`bench/retained-heap.ts`; the forced collections change the peak, so that run measures no RSS).",
    "- **Resume**: a worker with the runtime persisted to a file (snapshot every 0.5 s at most) is killed with SIGKILL at the first snapshot after 40% of the events (at 75% at the latest, whatever snapshot is on disk then); a second worker restarts the runtime from the file and the rebuild resumes by itself. *Rows re-read* = rows decoded by both processes (counted where `ArchiveTable.scan` yields them) minus the archive's rows: the rows the crashed process had read past its last saved checkpoint plus the start of the row group the resumed scan skips into. *Re-applied* = events applied beyond an uninterrupted rebuild, and the read models compared.",
  ];
  return `${sections.join("\n")}\n`;
}
