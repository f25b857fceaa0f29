// The offline Convex runtime: the project's functions on convex-test, in this process, with the real
// Workpool component and real timers, served over Convex's HTTP API on loopback.
import { fileURLToPath } from "node:url";
import { makeFunctionReference, type GenericDataModel } from "convex/server";
import { convexTest, type TestConvexForDataModel } from "convex-test";
import type { Value } from "convex/values";
import { enforceDeploymentLimits } from "../../convex-test/deployment-limits.ts";
import { nodeModulesIn } from "../../convex-test/node-modules.ts";
import { CallCounters, type CallCounts } from "./call-counters.ts";
import {
  currentExecution,
  runInExecution,
  type ExecutionContext,
  type FunctionKind,
  type RuntimeHooks,
} from "./execution-context.ts";
import { CronRunner, type CronJob } from "./crons.ts";
import { FunctionCatalog } from "./function-catalog.ts";
import { settle } from "./function-result.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";
import { routeFunctionLogsToStderr } from "./function-logs.ts";
import { installIndexedLookups } from "./indexed-lookups.ts";
import type { LocalIdentity } from "./identity.ts";
import { instrumentModules } from "./instrumentation.ts";
import { convexTestModuleMap, loadOnce, type ModuleLoader } from "./module-map.ts";
import { PeriodicSaver, readSnapshotFile, writeSnapshotFile } from "./persistence.ts";
import { ScheduledJobLedger } from "./scheduled-job-ledger.ts";
import { interceptScheduleSyscalls } from "./schedule-syscall.ts";
import { SchedulerTimers, trackSchedulerTimers } from "./scheduler-timers.ts";
import { restoreSnapshot, takeSnapshot, type SnapshotTarget } from "./snapshot.ts";
import { SNAPSHOT_MODULE_PATH, snapshotModule } from "./snapshot-module.ts";
import { SubscriptionHub } from "./subscriptions.ts";
import { convexLimitsExceptMaintenance } from "./transaction-limits.ts";
import { loadComponentSource, workpoolComponentSources, type ComponentSource } from "./workpool-registration.ts";

/** The app installs Reproject's component under this name (its default); the replay Workpool is inside it. */
export const REPROJECT_COMPONENT = "reproject";
const REPLAY_POOL_COMPONENT = `${REPROJECT_COMPONENT}/replayPool`;
/** Where an app that uses the Workpool directly (without Reproject) installs it. */
const APP_POOL_COMPONENT = "replayPool";

export interface LocalRuntimeOptions {
  /** The Convex functions folder; the project's `convex/` by default. */
  convexDir?: string;
  /** HTTP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Where to keep the snapshot that makes a restart resume; nothing is persisted without it. */
  persistFile?: string;
  /** Least time between two snapshots while data changes (default 5 s). */
  persistIntervalMs?: number;
  /** How long `stop()` waits for running functions before it saves and returns (default 1.5 s). */
  stopGraceMs?: number;
  /** Least time between two refreshes of subscribed queries (default 100 ms: at most 10 pushes/s). */
  minRefreshIntervalMs?: number;
  /** Period of the safety-net refresh of subscribed queries (default 1 s). */
  fallbackRefreshMs?: number;
  /** Where warnings go (default stderr). */
  log?: (line: string) => void;
  /**
   * The latency model: each query and mutation an action calls waits this long first, as a round
   * trip to a deployment does (DEFAULT_CALL_LATENCY_MS is a typical one); 0, the default, is none.
   */
  callLatencyMs?: number;
  /** Whether the app's cron jobs (`convex/crons.ts`) run, as on a deployment (default true). */
  runCrons?: boolean;
}

/** A round trip from an action to its deployment's database, as the latency model's default. */
export const DEFAULT_CALL_LATENCY_MS = 30;

export type LocalTestConvex = TestConvexForDataModel<GenericDataModel>;

export interface RuntimeStats {
  calls: CallCounts;
  subscriptions: number;
  startupMs: number;
  uptimeMs: number;
}

export interface LocalRuntime {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:3210 */
  readonly url: string;
  /** The convex-test instance, for in-process callers; its calls count like any other. */
  readonly t: LocalTestConvex;
  /** Runs a function in-process, internal ones included; `identity` undefined means no identity. */
  call(kind: FunctionKind, path: string, args?: Value, identity?: LocalIdentity): Promise<Value>;
  stats(): RuntimeStats;
  /** Stops serving, lets running functions finish (up to the grace period), saves, clears the scheduler's timers. */
  stop(): Promise<void>;
}

const PROJECT_CONVEX_DIR = fileURLToPath(new URL("../../../convex/", import.meta.url));
const REPROJECT_COMPONENT_DIR = fileURLToPath(new URL("../../component/", import.meta.url));

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const startedAt = performance.now();
  installIndexedLookups();
  routeFunctionLogsToStderr();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const [app, reproject, replayPool, appPool] = await Promise.all([
    loadComponentSource("", options.convexDir ?? PROJECT_CONVEX_DIR),
    loadComponentSource(REPROJECT_COMPONENT, REPROJECT_COMPONENT_DIR),
    workpoolComponentSources(REPLAY_POOL_COMPONENT),
    workpoolComponentSources(APP_POOL_COMPONENT),
  ]);
  const components = [reproject, ...replayPool, ...appPool];

  const counters = new CallCounters();
  const timers = new SchedulerTimers();
  const persistence =
    options.persistFile === undefined ? undefined : { file: options.persistFile, ledger: new ScheduledJobLedger() };
  let saver: PeriodicSaver | undefined;
  const subscriptions = new SubscriptionHub((query) => settle(() => refresh(query.path, query.args, query.identity)), {
    minRefreshIntervalMs: options.minRefreshIntervalMs ?? 100,
    fallbackRefreshMs: options.fallbackRefreshMs ?? 1000,
  });
  const hooks: RuntimeHooks = {
    functionStarted: (start) => counters.record(start),
    mutationCompleted: () => {
      subscriptions.invalidate();
      saver?.markChanged();
    },
    scheduleStarted: (armedTimers, settled) => persistence?.ledger.scheduleStarted(armedTimers, settled),
    jobScheduled: (job, target) => persistence?.ledger.jobScheduled(job, target),
    scheduledJobFinished: (job) => persistence?.ledger.jobFinished(job),
    timerArmed: (timer) => timers.armed(timer),
    timerFired: (timer) => timers.fired(timer),
    callLatencyMs: options.callLatencyMs ?? 0,
  };
  const inRuntime: ExecutionContext = { runtime: hooks, componentPath: "", origin: "function-call" };

  const { t, catalog } = hostFunctions(app, components, inRuntime);

  const invoke = (kind: FunctionKind, path: string, args: Value, identity: LocalIdentity | undefined) => {
    const caller = identity ? t.withIdentity(identity) : t;
    const argsObject = args as Record<string, Value>;
    if (kind === "query") return caller.query(makeFunctionReference<"query">(path), argsObject);
    if (kind === "mutation") return caller.mutation(makeFunctionReference<"mutation">(path), argsObject);
    return caller.action(makeFunctionReference<"action">(path), argsObject);
  };
  const refresh = (path: string, args: Value, identity: LocalIdentity | undefined) =>
    runInExecution({ ...inRuntime, origin: "subscription-refresh" }, () => invoke("query", path, args, identity));

  let startupMs = 0;
  const stats = (): RuntimeStats => ({
    calls: counters.snapshot(),
    subscriptions: subscriptions.size,
    startupMs,
    uptimeMs: performance.now() - startedAt,
  });
  let http: HttpServer;
  const crons = new CronRunner({
    kindOf: (path) => catalog.kindOf(path),
    run: (kind, path, args) => invoke(kind, path, args, undefined),
    log: (line) => log(`local runtime: ${line}`),
  });
  try {
    const targets = snapshotTargets(app, components);
    const saved = persistence && (await readSnapshotFile(persistence.file));
    if (saved) for (const warning of await restoreSnapshot(t, targets, saved, hooks)) log(`local runtime: ${warning}`);
    http = await startHttpServer(options.port ?? 0, { catalog, call: invoke, subscriptions, stats });
    if (persistence) {
      const { file, ledger } = persistence;
      saver = new PeriodicSaver(
        async () => writeSnapshotFile(file, await takeSnapshot(t, targets, ledger, hooks)),
        options.persistIntervalMs ?? 5000,
        (error) => log(`local runtime: saving ${file} failed: ${(error as Error).message}`),
      );
    }
    if (options.runCrons ?? true) await crons.start(await cronJobsOf(app));
  } catch (error) {
    crons.stop();
    timers.stop();
    subscriptions.close();
    throw error;
  }
  startupMs = performance.now() - startedAt;

  let stopping: Promise<void> | undefined;
  const stopGraceMs = options.stopGraceMs ?? 1500;
  return {
    url: http.url,
    t,
    async call(kind, path, args = {}, identity) {
      await catalog.check(path, kind, "internal");
      return invoke(kind, path, args, identity);
    },
    stats,
    stop: () =>
      (stopping ??= (async () => {
        crons.stop();
        timers.stop();
        await http.close();
        subscriptions.close();
        await settleWithin(t.finishInProgressScheduledFunctions(), stopGraceMs);
        await saver?.stop();
      })()),
  };
}

/** The jobs of the app's `crons` module (its default export, `cronJobs()`), if it has one. */
async function cronJobsOf(app: ComponentSource): Promise<Record<string, CronJob>> {
  const load = app.modules.get("crons");
  const crons = load ? (await load()).default : undefined;
  return (crons as { isCrons?: boolean; crons?: Record<string, CronJob> } | undefined)?.isCrons
    ? (crons as { crons: Record<string, CronJob> }).crons
    : {};
}

/**
 * A convex-test instance of the app and its components, every registered function instrumented for
 * the runtime, with Convex's transaction limits and the snapshot functions added to each database.
 */
function hostFunctions(app: ComponentSource, components: readonly ComponentSource[], inRuntime: ExecutionContext) {
  trackSchedulerTimers();
  const appModules = instrumentModules(app.modules, "", inRuntime.runtime, new Set(nodeModulesIn(app.directory)));
  const t = convexTest({
    schema: app.schema,
    modules: convexTestModuleMap(withSnapshotModule(appModules, "")),
    transactionLimits: convexLimitsExceptMaintenance,
  });
  interceptScheduleSyscalls();
  enforceDeploymentLimits();
  for (const { componentPath, schema, modules } of components) {
    if (!schema) throw new Error(`component ${componentPath} has no schema module`);
    const instrumented = instrumentModules(modules, componentPath, inRuntime.runtime);
    t.registerComponent(componentPath, schema, convexTestModuleMap(withSnapshotModule(instrumented, componentPath)));
  }
  return {
    t: withinRuntime(t as unknown as LocalTestConvex, inRuntime),
    // Without the snapshot functions: nothing outside the runtime calls them.
    catalog: new FunctionCatalog(appModules),
  };
}

function withSnapshotModule(modules: Map<string, ModuleLoader>, componentPath: string): Map<string, ModuleLoader> {
  return new Map([...modules, [SNAPSHOT_MODULE_PATH, loadOnce(async () => snapshotModule(componentPath))]]);
}

function snapshotTargets(app: ComponentSource, components: readonly ComponentSource[]): SnapshotTarget[] {
  return [app, ...components].map(({ componentPath, schema }) => ({
    componentPath,
    tables: Object.keys(schema?.tables ?? {}),
  }));
}

/**
 * The convex-test accessor with every method run in the runtime's context (unless already inside
 * one), so that what an inline `t.run` schedules is tracked like anything else.
 */
function withinRuntime<T extends object>(accessor: T, context: ExecutionContext): T {
  return new Proxy(accessor, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result: unknown = runInExecution(currentExecution() ?? context, () => value.apply(target, args));
        const returnsAccessor = property === "withIdentity" || property === "withRequestMetadata";
        return returnsAccessor ? withinRuntime(result as object, context) : result;
      };
    },
  });
}

/** Waits for `work`, but no longer than `limitMs`. */
async function settleWithin(work: Promise<unknown>, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
}
