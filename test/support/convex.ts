import type {
  DataModelFromSchemaDefinition,
  DocumentByName,
  GenericMutationCtx,
  TableNamesInDataModel,
} from "convex/server";
import { fileURLToPath } from "node:url";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import schema from "../../convex/schema";
import { modules } from "../../convex/test.setup";
import componentSchema from "../../src/component/schema";
import reprojectTest from "reproject/test";
import { nodeModulesIn } from "../../src/convex-test/node-modules";

const nodeModules = nodeModulesIn(fileURLToPath(new URL("../../convex/", import.meta.url)));
const checkedModules = reprojectTest.limitCheckedModules(modules, { nodeModules });

/**
 * A convex-test instance of the app with Reproject's component and the real replay Workpool inside it,
 * Convex's transaction limits enforced (or tighter ones, to reach a limit with little data), and the
 * value limits convex-test does not check (document and argument sizes, array lengths).
 * `testModules` adds functions of the test's own to the app's (keyed `./<module>.ts`).
 */
export function createConvexTest(transactionLimits: TransactionLimits = true, testModules: typeof modules = {}) {
  const appModules =
    Object.keys(testModules).length === 0
      ? checkedModules
      : reprojectTest.limitCheckedModules({ ...modules, ...testModules }, { nodeModules });
  const t = convexTest({ schema, modules: appModules, transactionLimits });
  reprojectTest.register(t);
  return t;
}

type TransactionLimits = NonNullable<Parameters<typeof convexTest>[0]>["transactionLimits"];
type ComponentDataModel = DataModelFromSchemaDefinition<typeof componentSchema>;
type ComponentTable = TableNamesInDataModel<ComponentDataModel>;

/** Runs `fn` in a transaction of Reproject's component: the engine's state as stored. */
export function inComponent<Result>(
  t: ReturnType<typeof createConvexTest>,
  fn: (ctx: GenericMutationCtx<ComponentDataModel>) => Promise<Result>,
): Promise<Result> {
  // convex-test runs inline functions in a component with `runInComponent`, which its types leave out.
  const accessor = t as unknown as {
    runInComponent<R>(path: string, fn: (ctx: GenericMutationCtx<ComponentDataModel>) => Promise<R>): Promise<R>;
  };
  return accessor.runInComponent("reproject", fn);
}

/** Every document of one of the component's tables, in creation order. */
export function componentDocuments<Table extends ComponentTable>(
  t: ReturnType<typeof createConvexTest>,
  table: Table,
): Promise<DocumentByName<ComponentDataModel, Table>[]> {
  return inComponent(t, (ctx) => ctx.db.query(table).collect());
}

/** The rebuilds of a projection, oldest first. */
export function rebuildsOf(t: ReturnType<typeof createConvexTest>, projection: string) {
  return inComponent(t, (ctx) =>
    ctx.db
      .query("rebuilds")
      .withIndex("by_projection", (q) => q.eq("projection", projection))
      .collect(),
  );
}

/** A projection's stored state (active generation, versions, staleness), or null. */
export function projectionRowOf(t: ReturnType<typeof createConvexTest>, projection: string) {
  return inComponent(t, (ctx) =>
    ctx.db
      .query("projections")
      .withIndex("by_name", (q) => q.eq("name", projection))
      .unique(),
  );
}

/** Runs scheduled work until no rebuild is running. */
export function settleRebuilds(t: ReturnType<typeof createConvexTest>): Promise<void> {
  return runUntil(
    t,
    async () =>
      (await inComponent(t, (ctx) =>
        ctx.db
          .query("rebuilds")
          .withIndex("by_state", (q) => q.eq("state", "running"))
          .first(),
      )) === null,
  );
}

/**
 * Runs scheduled work (with fake timers) until `done` holds. finishAllScheduledFunctions can return
 * while the Workpool waits out a retry backoff, so it is called again until the state is reached.
 */
export async function runUntil(
  t: ReturnType<typeof createConvexTest>,
  done: () => Promise<boolean>,
  maxRounds = 40,
): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 20_000);
    if (await done()) return;
    vi.advanceTimersByTime(1_000);
  }
  throw new Error(`scheduled work did not reach the expected state after ${maxRounds} rounds`);
}

/** Advances scheduled work in small steps until `done` holds: for acting in the middle of a rebuild. */
export async function stepUntil(
  t: ReturnType<typeof createConvexTest>,
  done: () => Promise<boolean>,
  maxSteps = 2_000,
): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    if (await done()) return;
    vi.advanceTimersByTime(50);
    await t.finishInProgressScheduledFunctions();
  }
  throw new Error(`the expected state was not reached within ${maxSteps} steps`);
}

/** For archiver tests: fake timers and no retention window (every event appended before `nowMs` is due). */
export function useArchiverTestClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    process.env.REPROJECT_ARCHIVE_RETENTION_MS = "0";
  });
  afterEach(() => {
    vi.useRealTimers();
    delete process.env.REPROJECT_ARCHIVE_RETENTION_MS;
    delete process.env.REPROJECT_ARCHIVE;
  });
}

/** Triggers a rebuild as an admin and runs the scheduled work until it is over: its final status. */
export async function rebuildToEnd(
  t: ReturnType<typeof createConvexTest>,
  projection: string,
  options: object = {},
  admin: { subject: string; role: string } = { subject: "ops-1", role: "admin" },
) {
  const caller = t.withIdentity(admin);
  const answer = (await caller.mutation(api.rebuilds.trigger, { projection, options })) as { rebuildId: string };
  const status = async () => (await caller.query(api.rebuilds.status, { rebuildId: answer.rebuildId }))!;
  await runUntil(t, async () => (await status()).state !== "running");
  return status();
}
