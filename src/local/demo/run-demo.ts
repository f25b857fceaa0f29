// The one-command demo: an archive on a loopback S3 server, the local runtime (and the admin panel),
// live events, both demo projections rebuilt with progress bars, then a redeploy that bumps
// sessionSummary's version and its automatic rebuild. Every step goes through the same functions a
// deployment runs.
import { rmSync } from "node:fs";
import { api, internal } from "../../../convex/_generated/api.js";
import { localAdminIdentity } from "../../cli/admin-identity.ts";
import { formatCount, formatDuration, startProgressBoard } from "../../cli/progress-bar.ts";
import { watchRebuilds, type RebuildStatus } from "../../cli/rebuild-watch.ts";
import { describeDuration } from "../../progress/preflight-wording.ts";
import { runFunction } from "../../cli/runtime-calls.ts";
import type { PreflightPlan } from "../../node/preflight.ts";
import type { CallCounts } from "../runtime/call-counters.ts";
import { encodeIdentityToken } from "../runtime/identity.ts";
import { startLocalRuntime, type LocalRuntime } from "../runtime/runtime.ts";
import { startAdminPanel, type DevAdmin } from "./admin-panel.ts";
import { prepareDemoArchive } from "./demo-archive.ts";
import { demoLayout } from "./demo-layout.ts";
import { startDemoS3 } from "./demo-s3.ts";
import { liveDemoEvents, type LiveEvent } from "./live-events.ts";
import { readModelTotals, type ReadModelTotals } from "./read-model-totals.ts";
import { prepareVersionBump } from "./redeploy.ts";

export interface DemoOptions {
  events: number;
  seed: number;
  /** Run to the end without the admin panel. */
  headless: boolean;
  /** The admin panel's port. */
  port: number;
  /** Where the demo keeps its data (S3 objects, runtime state, redeployed functions). */
  dir?: string;
  /** Progress lines (the bars draw on stderr themselves). */
  log: (line: string) => void;
}

/** The projection whose version the simulated redeploy bumps. */
export const BUMPED_PROJECTION = "sessionSummary";
/** Live events appended: a tenth of the archive, at most this many. */
const MAX_LIVE_EVENTS = 5_000;
/** Events per append mutation, like an app recording a burst of playback telemetry. */
const APPEND_BATCH = 500;

export const DEMO_ADMIN: DevAdmin = {
  subject: "demo-admin",
  name: "Demo admin",
  role: process.env.REPROJECT_ADMIN_ROLE ?? "admin",
};
const ADMIN = localAdminIdentity(DEMO_ADMIN.subject, DEMO_ADMIN.name);

type ReconcileOutcome = { projection: string; action: string };

export interface RebuildSummary {
  projection: string;
  version: number;
  /** Who triggered it: `system` for the rebuilds reconcile starts. */
  triggeredBy: string;
  state: RebuildStatus["state"];
  processed: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface DemoSummary {
  events: { archive: number; live: number; seed: number };
  archive: { location: string; generated: boolean; seconds: number };
  reconcile: { initial: ReconcileOutcome[]; afterRedeploy: ReconcileOutcome[] };
  redeploy: { projection: string; fromVersion: number; toVersion: number; convexDir: string };
  rebuilds: RebuildSummary[];
  /** The pre-flight plan of the version-bump rebuild, made before reconcile starts it. */
  preflight: PreflightPlan;
  /** Wall-clock time of the demo, and of its two rebuild rounds; events/s over the rebuilds. */
  seconds: number;
  rebuildSeconds: number;
  rebuildEventsPerSecond: number;
  /** Convex function calls by kind, over both runs of the runtime (the demo's status polls included). */
  calls: CallCounts;
  statusPolls: number;
  readModels: ReadModelTotals;
  adminPanel: { url: string; admin: DevAdmin; token: string } | null;
}

export interface RunningDemo {
  summary: DemoSummary;
  /** Stops the panel, the runtime (saving its state) and the S3 server. */
  stop(): Promise<void>;
}

export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const startedAt = performance.now();
  const { log } = options;
  const layout = demoLayout(options.dir);
  // The archive is reused between runs; the database starts empty each time.
  rmSync(layout.runtimeState, { force: true });
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const s3 = await startDemoS3(layout.s3Dir);
    stops.push(() => s3.stop());
    log(`S3 server (s3rver) on ${s3.endpoint}, data in ${layout.s3Dir}`);

    const archive = await prepareDemoArchive({ events: options.events, seed: options.seed });
    log(
      `${archive.generated ? "generated" : "reusing"} the archive ${archive.location} (${options.events.toLocaleString("en-US")} events, seed ${options.seed}) in ${archive.seconds.toFixed(1)} s`,
    );
    process.env.REPROJECT_ARCHIVE = archive.location;

    let runtime: LocalRuntime = await startLocalRuntime({ persistFile: layout.runtimeState });
    stops.push(() => runtime.stop());
    log(`local runtime on ${runtime.url}, state saved to ${layout.runtimeState}`);

    let adminPanel: DemoSummary["adminPanel"] = null;
    if (!options.headless) {
      const panel = await startAdminPanel({ runtimeUrl: runtime.url, port: options.port, admin: DEMO_ADMIN });
      stops.push(() => panel.close());
      adminPanel = { url: panel.url, admin: DEMO_ADMIN, token: encodeIdentityToken(ADMIN) };
      log(`admin panel: ${panel.url}  (sign in as ${JSON.stringify(DEMO_ADMIN)}; bearer token ${adminPanel.token})`);
    }

    const live = liveDemoEvents({
      archived: options.events,
      count: Math.min(MAX_LIVE_EVENTS, Math.ceil(options.events / 10)),
      seed: options.seed,
    });
    await runFunction(runtime, "action", internal.reprojectNode.initializeLog, {
      archiveHighWaterMark: options.events,
    });
    const half = Math.ceil(live.length / 2);
    await appendLiveEvents(runtime, live.slice(0, half));
    log(
      `live event log continues the archive at position ${(options.events + 1).toLocaleString("en-US")}: appended ${half.toLocaleString("en-US")} events`,
    );

    let statusPolls = 0;
    const rebuildRound = async (title: string) => {
      const outcomes = await runFunction(runtime, "mutation", internal.reproject.reconcile, {});
      log(`${title}: ${outcomes.map(({ projection, action }) => `${projection} ${action}`).join(", ")}`);
      const active = await runFunction(runtime, "query", api.rebuilds.listActive, {}, ADMIN);
      const roundStarted = performance.now();
      const board = startProgressBoard();
      const watched = await watchRebuilds(
        runtime,
        ADMIN,
        active.map((status) => status.rebuildId),
        { board },
      );
      board.stop();
      statusPolls += watched.polls;
      for (const status of watched.statuses) {
        if (status.state !== "completed")
          throw new Error(
            `the rebuild of ${status.projection} ${status.state}: ${status.lastError?.message ?? "no error recorded"}`,
          );
      }
      return { outcomes, statuses: watched.statuses, seconds: (performance.now() - roundStarted) / 1000 };
    };

    const first = await rebuildRound("reconcile (first deploy)");
    await appendLiveEvents(runtime, live.slice(half));
    log(
      `appended ${(live.length - half).toLocaleString("en-US")} more live events, applied at once to the active read models`,
    );

    const callsBeforeRedeploy = runtime.stats().calls;
    await runtime.stop();
    const redeploy = prepareVersionBump(layout.redeployDir, BUMPED_PROJECTION);
    runtime = await startLocalRuntime({
      persistFile: layout.runtimeState,
      convexDir: redeploy.convexDir,
      port: Number(new URL(runtime.url).port),
    });
    log(
      `redeploy: ${redeploy.projection} version ${redeploy.fromVersion} → ${redeploy.toVersion} (functions copied to ${redeploy.convexDir}); ` +
        `runtime restarted from its saved state`,
    );
    const preflight = await runFunction(
      runtime,
      "action",
      api.reprojectNode.preflight,
      { projection: BUMPED_PROJECTION },
      ADMIN,
    );
    log(
      `pre-flight plan of the ${BUMPED_PROJECTION} rebuild: ${preflight.events.total.toLocaleString("en-US")} events, ` +
        describeDuration(preflight.estimate.duration, formatDuration, formatCount),
    );
    const second = await rebuildRound("reconcile (after the redeploy)");
    const calls = addCallCounts(callsBeforeRedeploy, runtime.stats().calls);
    const readModels = await readModelTotals(runtime);

    const rebuilds = [...first.statuses, ...second.statuses].map(rebuildSummary);
    const rebuildSeconds = first.seconds + second.seconds;
    const processed = rebuilds.reduce((sum, rebuild) => sum + rebuild.processed, 0);
    const summary: DemoSummary = {
      events: { archive: options.events, live: live.length, seed: options.seed },
      archive,
      reconcile: { initial: first.outcomes, afterRedeploy: second.outcomes },
      redeploy,
      rebuilds,
      preflight,
      seconds: (performance.now() - startedAt) / 1000,
      rebuildSeconds,
      rebuildEventsPerSecond: Math.round(processed / rebuildSeconds),
      calls,
      statusPolls,
      readModels,
      adminPanel,
    };
    return { summary, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function appendLiveEvents(runtime: LocalRuntime, events: LiveEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += APPEND_BATCH) {
    await runFunction(runtime, "mutation", internal.reproject.append, {
      events: events.slice(start, start + APPEND_BATCH),
    });
  }
}

function rebuildSummary(status: RebuildStatus): RebuildSummary {
  const seconds = ((status.finishedAt ?? status.updatedAt) - status.startedAt) / 1000;
  return {
    projection: status.projection,
    version: status.version,
    triggeredBy: status.triggeredBy.subject,
    state: status.state,
    processed: status.processed,
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(status.processed / seconds) : 0,
  };
}

function addCallCounts(a: CallCounts, b: CallCounts): CallCounts {
  type Counts = CallCounts["total"];
  const add = (x: Counts | undefined, y: Counts | undefined): Counts => ({
    queries: (x?.queries ?? 0) + (y?.queries ?? 0),
    mutations: (x?.mutations ?? 0) + (y?.mutations ?? 0),
    actions: (x?.actions ?? 0) + (y?.actions ?? 0),
    scheduled: (x?.scheduled ?? 0) + (y?.scheduled ?? 0),
  });
  const componentPaths = new Set([...Object.keys(a.components), ...Object.keys(b.components)]);
  return {
    app: add(a.app, b.app),
    components: Object.fromEntries(
      [...componentPaths].map((path) => [path, add(a.components[path], b.components[path])]),
    ),
    total: add(a.total, b.total),
    subscriptionRefreshes: a.subscriptionRefreshes + b.subscriptionRefreshes,
  };
}
