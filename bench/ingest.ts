// Live ingestion on the local runtime: the cost of one append mutation (`reproject:append`, as an
// app mutation's `reproject.appendEvents`) with both demo projections live, at several batch sizes.
// Every append reads and patches the one `eventLog` document, so a deployment commits appends one
// after another: the measured time per mutation bounds the events/s of the whole deployment.
import { api } from "../convex/_generated/api.js";
import { internal } from "../convex/_generated/api.js";
import { localAdminIdentity } from "../src/cli/admin-identity.ts";
import { watchRebuilds } from "../src/cli/rebuild-watch.ts";
import { runFunction } from "../src/cli/runtime-calls.ts";
import { liveDemoEvents } from "../src/local/demo/live-events.ts";
import type { FunctionCallCounts } from "../src/local/runtime/call-counters.ts";
import { startLocalRuntime } from "../src/local/runtime/runtime.ts";

export interface IngestMeasurement {
  eventsPerMutation: number;
  mutations: number;
  /** Wall time of one append mutation on this machine, handlers included. */
  msPerMutation: number;
  eventsPerSecond: number;
  /** Function calls one append makes: itself, plus the component query per projection for its live generations. */
  callsPerMutation: { queries: number; mutations: number };
}

const BENCH_ADMIN = localAdminIdentity("bench", "Benchmark");

export async function runIngestBenchmark(
  archive: string,
  archivedEvents: number,
  batchSizes: readonly number[],
  eventsPerSize: number,
  log: (line: string) => void,
): Promise<IngestMeasurement[]> {
  process.env.REPROJECT_ARCHIVE = archive;
  const runtime = await startLocalRuntime({ log: () => undefined });
  try {
    await runFunction(runtime, "action", internal.reprojectNode.initializeLog, { archiveHighWaterMark: archivedEvents });
    // Both projections live, so that every append runs their handlers as an app's would.
    const started = await runFunction(runtime, "mutation", internal.reproject.reconcile, {});
    const rebuilds = await runFunction(runtime, "query", api.rebuilds.listActive, {}, BENCH_ADMIN);
    await watchRebuilds(
      runtime,
      BENCH_ADMIN,
      rebuilds.map((rebuild) => rebuild.rebuildId),
    );
    log(`   ${started.length} projections built from ${archivedEvents.toLocaleString("en-US")} events`);

    const events = liveDemoEvents({ archived: archivedEvents, count: eventsPerSize * batchSizes.length, seed: 1 });
    const measurements: IngestMeasurement[] = [];
    for (const [index, size] of batchSizes.entries()) {
      const slice = events.slice(index * eventsPerSize, (index + 1) * eventsPerSize);
      const before = runtime.stats().calls.total;
      const startedAt = performance.now();
      for (let at = 0; at < slice.length; at += size) {
        await runFunction(runtime, "mutation", internal.reproject.append, { events: slice.slice(at, at + size) });
      }
      const seconds = (performance.now() - startedAt) / 1000;
      const mutations = Math.ceil(slice.length / size);
      const calls = difference(runtime.stats().calls.total, before);
      const measurement: IngestMeasurement = {
        eventsPerMutation: size,
        mutations,
        msPerMutation: (seconds * 1000) / mutations,
        eventsPerSecond: slice.length / seconds,
        callsPerMutation: { queries: calls.queries / mutations, mutations: calls.mutations / mutations },
      };
      log(
        `   ${size} events per mutation: ${measurement.msPerMutation.toFixed(2)} ms each, ${Math.round(measurement.eventsPerSecond)} events/s`,
      );
      measurements.push(measurement);
    }
    return measurements;
  } finally {
    await runtime.stop();
  }
}

function difference(after: FunctionCallCounts, before: FunctionCallCounts): FunctionCallCounts {
  return {
    queries: after.queries - before.queries,
    mutations: after.mutations - before.mutations,
    actions: after.actions - before.actions,
    scheduled: after.scheduled - before.scheduled,
  };
}
