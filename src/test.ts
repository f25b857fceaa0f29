/// <reference types="vite/client" />
// `reproject/test`: Reproject's component (and the replay Workpool inside it) for convex-test,
// the way `@convex-dev/workpool/test` registers the Workpool.
//
//   const t = convexTest(schema, modules);
//   reprojectTest.register(t);             // the name app.use(reproject) gave it: "reproject"
//   vi.useFakeTimers();
//   await t.mutation(internal.reproject.reconcile, {});
//   await reprojectTest.finishRebuilds(t, (ms) => vi.advanceTimersByTime(ms));
import workpool from "@convex-dev/workpool/test";
import type { TestConvex } from "convex-test";
import type { GenericDataModel, GenericMutationCtx, GenericSchema, SchemaDefinition } from "convex/server";
import schema from "./component/schema.ts";
import { enforceDeploymentLimits, limitCheckedModules } from "./convex-test/deployment-limits.ts";

// Two dots in a name mark files the Convex CLI never deploys (this one's siblings, test set-ups).
const modules = import.meta.glob(["./component/**/*.*s", "!./component/**/*.*.*s"]);

/**
 * Registers the component as `name`, and makes convex-test refuse what a deployment refuses and it
 * does not check: documents over 1 MiB or nested over 16 levels, arrays over 8,192 items and objects
 * over 1,024 fields; the component's functions refuse arguments and results over 16 MiB (pass the
 * app's modules through `limitCheckedModules` for its own functions).
 */
export function register<Schema extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<Schema>,
  name = "reproject",
): void {
  enforceDeploymentLimits();
  t.registerComponent(name, schema, limitCheckedModules(modules));
  workpool.register(t as unknown as TestConvex<SchemaDefinition<GenericSchema, boolean>>, `${name}/replayPool`);
}

/**
 * Runs scheduled work (under fake timers, advanced by `advanceTimers`) until no rebuild is running:
 * each one completed, failed, was paused or cancelled. Throws when rebuilds still run after
 * `maxRounds` rounds. The Workpool waits out retry backoffs in real time steps, hence the rounds.
 */
export async function finishRebuilds<Schema extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<Schema>,
  advanceTimers: (ms: number) => void,
  { name = "reproject", maxRounds = 60 }: { name?: string; maxRounds?: number } = {},
): Promise<void> {
  const inComponent = t as unknown as {
    runInComponent<R>(path: string, fn: (ctx: GenericMutationCtx<GenericDataModel>) => Promise<R>): Promise<R>;
  };
  const running = () =>
    inComponent.runInComponent(name, (ctx) =>
      ctx.db
        .query("rebuilds")
        .withIndex("by_state", (q) => q.eq("state", "running"))
        .collect(),
    );
  for (let round = 0; round < maxRounds; round++) {
    await t.finishAllScheduledFunctions(() => advanceTimers(100), 20_000);
    if ((await running()).length === 0) return;
    advanceTimers(1_000);
  }
  const still = (await running()).map((rebuild) => rebuild.projection).join(", ");
  throw new Error(`rebuilds of ${still} were still running after ${maxRounds} rounds of scheduled work`);
}

export { limitCheckedModules };

export default { register, finishRebuilds, limitCheckedModules, schema, modules };
