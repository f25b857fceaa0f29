// One rebuild of a demo projection on the local runtime, in a process of its own so that its peak RSS,
// CPU profile and counters belong to that rebuild alone. Prints `PROGRESS <json>` lines while it runs
// (at each status poll and each archive row group decoded) and `RESULT <json>` at the end.
// Usage: rebuild-worker.ts <projection> <archive> [--persist FILE] [--rebuild-id ID] [--profile]
//                          [--time-limit SECONDS] [--rate-limit EVENTS_PER_SECOND] [--lanes N]
//                          [--call-latency-ms MS] [--digest]
// With --rebuild-id it triggers nothing: it resumes that rebuild from the runtime state in --persist.
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { api } from "../convex/_generated/api.js";
import { localAdminIdentity } from "../src/cli/admin-identity.ts";
import { readModelDocuments } from "../src/cli/read-model-dump.ts";
import { watchRebuilds, type RebuildStatus } from "../src/cli/rebuild-watch.ts";
import { runFunction } from "../src/cli/runtime-calls.ts";
import { readModelTotals, type ReadModelTotals } from "../src/local/demo/read-model-totals.ts";
import type { CallCounts } from "../src/local/runtime/call-counters.ts";
import { startLocalRuntime } from "../src/local/runtime/runtime.ts";
import { startCpuProfiler, type TimeShares } from "./cpu-profile.ts";
import { countWork, type WorkCounters } from "./instrumentation.ts";
import { sampleRetainedHeap } from "./retained-heap.ts";

export interface WorkerProgress {
  rebuildId: string | null;
  processed: number;
  total: number | null;
  cursor: number | null;
  rowsRead: number;
}

export interface WorkerResult extends WorkCounters {
  projection: string;
  rebuildId: string;
  state: RebuildStatus["state"];
  /** False when the time limit stopped the worker first. */
  completed: boolean;
  processed: number;
  total: number | null;
  /** From trigger to completion (the rebuild's own timestamps), or the time watched for a resume or a cut-off run. */
  seconds: number;
  counters: RebuildStatus["counters"];
  calls: CallCounts;
  statusPolls: number;
  maxRssMb: number;
  /** With --retained-heap: the most heap still in use after a full GC, sampled every few seconds, in MB. */
  retainedHeapMb: number | null;
  /** CPU time (user + system) the process used while it watched the rebuild, in seconds. */
  cpuSeconds: number;
  /** The time it watched the rebuild, trigger to completion, in seconds. */
  watchedSeconds: number;
  shares: TimeShares | null;
  readModel: ReadModelTotals[string] | null;
  /** SHA-256 of the read model's documents in key order (with --digest). */
  readModelDigest: string | null;
}

const BENCH_ADMIN = localAdminIdentity("bench", "Benchmark");
const RETAINED_HEAP_SAMPLE_MS = 2_000;
/** Snapshots often, so that a crash loses little (the resume benchmark kills this process). */
const PERSIST_INTERVAL_MS = 500;

class TimeLimitReached extends Error {}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    persist: { type: "string" },
    "rebuild-id": { type: "string" },
    profile: { type: "boolean" },
    "time-limit": { type: "string" },
    "rate-limit": { type: "string" },
    lanes: { type: "string" },
    "call-latency-ms": { type: "string" },
    digest: { type: "boolean" },
    "retained-heap": { type: "boolean" },
  },
});
const [projection, archive] = positionals;
if (!projection || !archive) throw new Error("usage: rebuild-worker.ts <projection> <archive> [options]");
const timeLimitMs = values["time-limit"] === undefined ? Infinity : Number(values["time-limit"]) * 1000;

const progress: WorkerProgress = {
  rebuildId: values["rebuild-id"] ?? null,
  processed: 0,
  total: null,
  cursor: null,
  rowsRead: 0,
};
const emit = (line: string, value: unknown) => process.stdout.write(`${line} ${JSON.stringify(value)}\n`);
const counters = countWork((work) => emit("PROGRESS", { ...progress, rowsRead: work.rowsRead }));
process.env.REPROJECT_ARCHIVE = archive;

const profiler = values.profile ? await startCpuProfiler() : null;
const runtime = await startLocalRuntime({
  ...(values.persist === undefined ? {} : { persistFile: values.persist, persistIntervalMs: PERSIST_INTERVAL_MS }),
  ...(values["call-latency-ms"] === undefined ? {} : { callLatencyMs: Number(values["call-latency-ms"]) }),
});
// Forced collections change how far the heap grows: a run that samples them measures no peak RSS.
const retainedHeap = values["retained-heap"] ? sampleRetainedHeap(RETAINED_HEAP_SAMPLE_MS) : null;
const watchStarted = performance.now();
const cpuAtStart = process.cpuUsage();
let rebuildId = values["rebuild-id"];
if (rebuildId === undefined) {
  const options = {
    ...(values["rate-limit"] === undefined ? {} : { rateLimit: Number(values["rate-limit"]) }),
    ...(values.lanes === undefined ? {} : { lanes: Number(values.lanes) }),
  };
  const answer = await runFunction(runtime, "mutation", api.rebuilds.trigger, { projection, options }, BENCH_ADMIN);
  if (answer.status !== "started")
    throw new Error(`trigger answered ${answer.status}: ${"reason" in answer ? answer.reason : ""}`);
  rebuildId = answer.rebuildId;
}
progress.rebuildId = rebuildId;

let last: RebuildStatus | undefined;
let statusPolls = 0;
let completed = true;
try {
  const watched = await watchRebuilds(runtime, BENCH_ADMIN, [rebuildId], {
    onStatus(status) {
      last = status;
      statusPolls++;
      Object.assign(progress, { processed: status.processed, total: status.total, cursor: status.cursor });
      emit("PROGRESS", { ...progress, rowsRead: counters.rowsRead });
      if (performance.now() - watchStarted > timeLimitMs) throw new TimeLimitReached();
    },
  });
  last = watched.statuses[0];
} catch (error) {
  if (!(error instanceof TimeLimitReached)) throw error;
  completed = false;
}
const status = last!;
const watchedSeconds = (performance.now() - watchStarted) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const shares = profiler ? await profiler.stop() : null;
const calls = runtime.stats().calls;
const result: WorkerResult = {
  projection,
  rebuildId,
  state: status.state,
  completed,
  processed: status.processed,
  total: status.total,
  seconds:
    completed && values["rebuild-id"] === undefined ? (status.finishedAt! - status.startedAt) / 1000 : watchedSeconds,
  counters: status.counters,
  calls,
  statusPolls,
  ...counters,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  retainedHeapMb: retainedHeap?.stop() ?? null,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  watchedSeconds,
  shares,
  readModel: completed ? ((await readModelTotals(runtime))[projection] ?? null) : null,
  readModelDigest: completed && values.digest ? await readModelDigest(projection) : null,
};
emit("RESULT", result);
// A cut-off rebuild is still running: the process ends here rather than wait for it.
if (!completed) process.exit(0);
await runtime.stop();

async function readModelDigest(name: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const document of readModelDocuments(runtime, name)) hash.update(`${JSON.stringify(document)}\n`);
  return hash.digest("hex");
}
