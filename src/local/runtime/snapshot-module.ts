// Convex functions the runtime adds to the app and to every component, so that one transaction can
// read or rebuild all of their databases through nested calls (convex-test gives no other access to
// a component's tables). Documents and scheduled jobs keep their ids: convex-test numbers ids from
// one counter per database, so restoring in id order and spending the numbers of deleted documents
// on placeholders hands out the same ids again.
import {
  internalMutationGeneric,
  internalQueryGeneric,
  type FunctionHandle,
  type FunctionType,
  type GenericDatabaseWriter,
  type GenericDataModel,
  type GenericDocument,
} from "convex/server";
import type { Value } from "convex/values";
import { currentExecution, runInExecution, type RuntimeHooks } from "./execution-context.ts";
import type { ModuleExports } from "./module-map.ts";
import type { ScheduledJobSnapshot } from "./snapshot.ts";

export const SNAPSHOT_MODULE_PATH = "_localRuntime/snapshot";

/** convex-test's databases number their first document 10000. */
const FIRST_ID_COUNTER = 10_000;
/** Placeholders spend the id numbers of deleted documents; convex-test validates only schema tables. */
const ID_PLACEHOLDER_TABLE = "localRuntimeIdPlaceholder";

export interface LiveScheduledJob {
  readonly _id: string;
  readonly _creationTime: number;
  readonly name: string;
  readonly args: Value[];
  readonly scheduledTime: number;
  readonly state: { readonly kind: "pending" | "inProgress" };
}

// Type aliases, not interfaces: function arguments must fit `Record<string, Value>`.
export type JobToRestore = Omit<ScheduledJobSnapshot, "args"> & { args: Value };

export type DatabaseToRestore = {
  tables: Record<string, GenericDocument[]>;
  jobs: JobToRestore[];
  nextIdCounter: number;
};

export class SnapshotRestoreError extends Error {
  override name = "SnapshotRestoreError";
}

/** A reference to one of the snapshot functions of a component, usable from any other one. */
export function snapshotFunction<Type extends "query" | "mutation">(
  componentPath: string,
  name: keyof ReturnType<typeof snapshotModule>,
): FunctionHandle<Type> {
  return functionHandle(componentPath, `${SNAPSHOT_MODULE_PATH}:${name}`);
}

/** How convex-test addresses a function of any component: `function://<component path>;<module>:<export>`. */
function functionHandle<Type extends FunctionType>(componentPath: string, udfPath: string): FunctionHandle<Type> {
  return `function://${componentPath};${udfPath}` as FunctionHandle<Type>;
}

function idCounter(id: string): number {
  return Number(/^\d+/.exec(id)?.[0] ?? Number.NaN);
}

export function snapshotModule(componentPath: string) {
  return {
    readTable: internalQueryGeneric({
      handler: async (ctx, { table }: { table: string }) =>
        // One page instead of `collect()`: a single syscall, about twice as fast on large tables.
        (await ctx.db.query(table).paginate({ cursor: null, numItems: Number.MAX_SAFE_INTEGER })).page,
    }),

    readLiveJobs: internalQueryGeneric({
      handler: async (ctx): Promise<LiveScheduledJob[]> =>
        (await ctx.db.system
          .query("_scheduled_functions")
          .filter((q) => q.or(q.eq(q.field("state.kind"), "pending"), q.eq(q.field("state.kind"), "inProgress")))
          .collect()) as LiveScheduledJob[],
    }),

    /** The counter the next document will get (the probe spends one number, which is harmless). */
    claimNextIdCounter: internalMutationGeneric({
      handler: async (ctx): Promise<number> => {
        const probe = await ctx.db.insert(ID_PLACEHOLDER_TABLE, {});
        await ctx.db.delete(probe);
        return idCounter(probe) + 1;
      },
    }),

    restore: internalMutationGeneric({
      handler: async (ctx, database: DatabaseToRestore) => {
        const runtime = maintenanceRuntime();
        const clock = pinClock();
        try {
          await runInExecution({ runtime, componentPath, origin: "maintenance" }, async () => {
            let nextCounter = FIRST_ID_COUNTER;
            const spendIdsUntil = async (counter: number) => {
              for (; nextCounter < counter; nextCounter++) {
                // Any time before the next entry's: convex-test then steps its clock by a microsecond.
                clock.pinNextRead(0);
                const placeholder = await ctx.db.insert(ID_PLACEHOLDER_TABLE, {});
                expectId(placeholder, nextCounter, `${nextCounter} (placeholder)`);
                await ctx.db.delete(placeholder);
              }
            };
            for (const entry of restoreOrder(database)) {
              await spendIdsUntil(idCounter(entry.id));
              clock.pinNextRead(entry.creationTime);
              const restoredId =
                entry.kind === "document"
                  ? await insertDocument(ctx.db, entry.table, entry.document)
                  : await ctx.scheduler.runAt(
                      entry.job.scheduledTime,
                      functionHandle<"mutation" | "action">(entry.job.targetComponentPath, entry.job.udfPath),
                      entry.job.args as Record<string, Value>,
                    );
              expectId(restoredId, idCounter(entry.id), entry.id);
              nextCounter++;
            }
            await spendIdsUntil(database.nextIdCounter);
          });
        } finally {
          clock.release();
        }
        return null;
      },
    }),
  } satisfies ModuleExports;

  function expectId(restoredId: string, counter: number, expected: string): void {
    if (idCounter(restoredId) !== counter) {
      throw new SnapshotRestoreError(
        `component "${componentPath}": restoring ${expected} produced id ${restoredId}; ` +
          "convex-test no longer numbers documents the way this runtime expects",
      );
    }
  }
}

type RestoreEntry =
  | { kind: "document"; id: string; creationTime: number; table: string; document: GenericDocument }
  | { kind: "job"; id: string; creationTime: number; job: JobToRestore };

function restoreOrder(database: DatabaseToRestore): RestoreEntry[] {
  const entries: RestoreEntry[] = [
    ...Object.entries(database.tables).flatMap(([table, documents]) =>
      documents.map((document): RestoreEntry => ({
        kind: "document",
        id: document._id as string,
        creationTime: document._creationTime as number,
        table,
        document,
      })),
    ),
    ...database.jobs.map((job): RestoreEntry => ({ kind: "job", id: job.id, creationTime: job.creationTime, job })),
  ];
  return entries.sort((a, b) => idCounter(a.id) - idCounter(b.id));
}

async function insertDocument(
  db: GenericDatabaseWriter<GenericDataModel>,
  table: string,
  { _id, _creationTime, ...fields }: GenericDocument,
): Promise<string> {
  try {
    return await db.insert(table, fields);
  } catch (error) {
    throw new SnapshotRestoreError(
      `document ${String(_id)} of table "${table}" does not fit the current schema: ${(error as Error).message}`,
    );
  }
}

function maintenanceRuntime(): RuntimeHooks {
  const execution = currentExecution();
  if (execution?.origin !== "maintenance")
    throw new Error("snapshot functions run only inside the runtime's maintenance");
  return execution.runtime;
}

/**
 * Replaces `Date` for the calling function only (convex-test isolates globals per handler).
 * convex-test reads `Date.now()` once for a document's creation time, and for a scheduled job reads
 * it again for the timer's delay: pinning only the next read restores the creation time and still
 * arms the timer for the job's scheduled time (at once if it passed while the runtime was down).
 */
function pinClock() {
  const realDate = globalThis.Date;
  let pinnedMs: number | undefined;
  const now = () => {
    const ms = pinnedMs ?? realDate.now();
    pinnedMs = undefined;
    return ms;
  };
  globalThis.Date = new Proxy(realDate, {
    get: (target, property, receiver) =>
      property === "now" ? now : (Reflect.get(target, property, receiver) as unknown),
  });
  return {
    pinNextRead(ms: number) {
      pinnedMs = ms;
    },
    release() {
      globalThis.Date = realDate;
    },
  };
}
