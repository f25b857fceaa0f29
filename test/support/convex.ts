import workpool from "@convex-dev/workpool/test";
import { convexTest } from "convex-test";
import { vi } from "vitest";
import schema from "../../convex/schema";
import { modules } from "../../convex/test.setup";

/** A convex-test instance of the app with the real replay Workpool component and Convex's transaction limits enforced. */
export function createConvexTest() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  workpool.register(t, "replayPool");
  return t;
}

/**
 * Runs scheduled work (with fake timers) until `done` holds. finishAllScheduledFunctions can return
 * while the Workpool waits out a retry backoff, so it is called again until the state is reached.
 */
export async function runUntil(t: ReturnType<typeof createConvexTest>, done: () => Promise<boolean>, maxRounds = 40): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(100), 20_000);
    if (await done()) return;
    vi.advanceTimersByTime(1_000);
  }
  throw new Error(`scheduled work did not reach the expected state after ${maxRounds} rounds`);
}

/** Advances scheduled work in small steps until `done` holds: for acting in the middle of a rebuild. */
export async function stepUntil(t: ReturnType<typeof createConvexTest>, done: () => Promise<boolean>, maxSteps = 2_000): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    if (await done()) return;
    vi.advanceTimersByTime(50);
    await t.finishInProgressScheduledFunctions();
  }
  throw new Error(`the expected state was not reached within ${maxSteps} steps`);
}
