// A snapshot of every database of the runtime (the app's and each component's), taken and restored
// in one transaction each, so the app and the Workpool never disagree about in-flight work.
import type { GenericDataModel, GenericDocument } from "convex/server";
import type { TestConvexForDataModel } from "convex-test";
import { convexToJson, jsonToConvex, type JSONValue } from "convex/values";
import * as z from "zod";
import { runInExecution, type RuntimeHooks, type ScheduledJobRef } from "./execution-context.ts";
import type { ScheduledJobLedger } from "./scheduled-job-ledger.ts";
import { snapshotFunction, type DatabaseToRestore, type LiveScheduledJob } from "./snapshot-module.ts";

export const SNAPSHOT_FORMAT = "reproject-local-runtime-snapshot";

/** Values are in Convex's JSON encoding (`convexToJson`), so int64 and bytes survive. */
const scheduledJobSnapshot = z.object({
  id: z.string(),
  creationTime: z.number(),
  udfPath: z.string(),
  targetComponentPath: z.string(),
  args: z.json(),
  scheduledTime: z.number(),
});

const databaseSnapshot = z.object({
  tables: z.record(z.string(), z.array(z.record(z.string(), z.json()))),
  /** Jobs that had not run, or were running, when the snapshot was taken. */
  scheduledJobs: z.array(scheduledJobSnapshot),
  nextIdCounter: z.number().int(),
});

export const runtimeSnapshot = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(1),
  savedAt: z.string(),
  /** By component path: "" is the app. */
  databases: z.record(z.string(), databaseSnapshot),
});

export type RuntimeSnapshot = z.infer<typeof runtimeSnapshot>;
export type ScheduledJobSnapshot = z.infer<typeof scheduledJobSnapshot>;
type DatabaseSnapshot = z.infer<typeof databaseSnapshot>;

/** A database to snapshot: the app's or a component's, with the tables of its schema. */
export interface SnapshotTarget {
  readonly componentPath: string;
  readonly tables: readonly string[];
}

type TestConvex = TestConvexForDataModel<GenericDataModel>;

interface DatabaseDump {
  tables: Record<string, GenericDocument[]>;
  liveJobs: LiveScheduledJob[];
  nextIdCounter: number;
}

export async function takeSnapshot(
  t: TestConvex,
  targets: readonly SnapshotTarget[],
  ledger: ScheduledJobLedger,
  runtime: RuntimeHooks,
): Promise<RuntimeSnapshot> {
  const dumps = new Map<string, DatabaseDump>();
  const unfinishedJobs = new Map<string, ScheduledJobSnapshot[]>();
  // Results leave the transaction through this closure: returning them would serialize them twice.
  await inMaintenance(runtime, () =>
    t.run(async (ctx) => {
      await ledger.recordsSettled();
      const liveJobs: ScheduledJobRef[] = [];
      for (const { componentPath, tables } of targets) {
        const dump: DatabaseDump = { tables: {}, liveJobs: [], nextIdCounter: 0 };
        for (const table of tables) {
          dump.tables[table] = await ctx.runQuery(snapshotFunction<"query">(componentPath, "readTable"), { table });
        }
        dump.liveJobs = await ctx.runQuery(snapshotFunction<"query">(componentPath, "readLiveJobs"), {});
        dump.nextIdCounter = await ctx.runMutation(
          snapshotFunction<"mutation">(componentPath, "claimNextIdCounter"),
          {},
        );
        dumps.set(componentPath, dump);
        liveJobs.push(...dump.liveJobs.map(({ _id }) => ({ componentPath, jobId: _id })));
        unfinishedJobs.set(componentPath, unfinished(componentPath, dump.liveJobs, ledger));
      }
      ledger.retainOnly(liveJobs);
      return null;
    }),
  );
  const databases: Record<string, DatabaseSnapshot> = {};
  for (const [componentPath, dump] of dumps) {
    databases[componentPath] = {
      tables: Object.fromEntries(
        Object.entries(dump.tables).map(([table, documents]) => [
          table,
          documents.map((document) => convexToJson(document) as Record<string, JSONValue>),
        ]),
      ),
      scheduledJobs: unfinishedJobs.get(componentPath) ?? [],
      nextIdCounter: dump.nextIdCounter,
    };
  }
  return { format: SNAPSHOT_FORMAT, version: 1, savedAt: new Date().toISOString(), databases };
}

/** Live jobs minus the running ones whose function already returned (convex-test marks them a transaction later). */
function unfinished(
  componentPath: string,
  liveJobs: readonly LiveScheduledJob[],
  ledger: ScheduledJobLedger,
): ScheduledJobSnapshot[] {
  return liveJobs
    .filter((job) => !(job.state.kind === "inProgress" && ledger.hasFinished({ componentPath, jobId: job._id })))
    .map((job) => ({
      id: job._id,
      creationTime: job._creationTime,
      udfPath: job.name,
      targetComponentPath: ledger.targetComponentPath({ componentPath, jobId: job._id }),
      args: convexToJson(job.args[0] ?? {}),
      scheduledTime: job.scheduledTime,
    }));
}

/**
 * Rebuilds every database from `snapshot` into the runtime's empty ones. Tables and components the
 * snapshot has but the app no longer declares are left out; the returned warnings say which.
 */
export async function restoreSnapshot(
  t: TestConvex,
  targets: readonly SnapshotTarget[],
  snapshot: RuntimeSnapshot,
  runtime: RuntimeHooks,
): Promise<string[]> {
  const warnings: string[] = [];
  const known = new Set(targets.map(({ componentPath }) => componentPath));
  for (const componentPath of Object.keys(snapshot.databases)) {
    if (!known.has(componentPath))
      warnings.push(`component "${componentPath}" is not registered: its data was not restored`);
  }
  const restores: Array<{ componentPath: string; database: DatabaseToRestore }> = [];
  for (const { componentPath, tables } of targets) {
    const saved = snapshot.databases[componentPath];
    if (!saved) continue;
    const database: DatabaseToRestore = { tables: {}, jobs: [], nextIdCounter: saved.nextIdCounter };
    for (const [table, documents] of Object.entries(saved.tables)) {
      if (!tables.includes(table)) {
        warnings.push(
          `table "${table}" of ${describe(componentPath)} is not in its schema: ${documents.length} documents were not restored`,
        );
        continue;
      }
      database.tables[table] = documents.map((document) => jsonToConvex(document) as GenericDocument);
    }
    database.jobs = saved.scheduledJobs.map((job) => ({ ...job, args: jsonToConvex(job.args) }));
    restores.push({ componentPath, database });
  }
  await inMaintenance(runtime, () =>
    t.run(async (ctx) => {
      for (const { componentPath, database } of restores) {
        await ctx.runMutation(snapshotFunction<"mutation">(componentPath, "restore"), database);
      }
      return null;
    }),
  );
  return warnings;
}

function describe(componentPath: string): string {
  return componentPath === "" ? "the app" : `component "${componentPath}"`;
}

function inMaintenance<T>(runtime: RuntimeHooks, run: () => Promise<T>): Promise<T> {
  return runInExecution({ runtime, componentPath: "", origin: "maintenance" }, run);
}
