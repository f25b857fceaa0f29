import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import { createConvexTest } from "../support/convex";

describe("the replay pool self check", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs a Node action on the replay pool and records its outcome through onComplete", async () => {
    const t = createConvexTest();
    const checkId = await t.mutation(internal.selfCheck.start, {});

    const pending = await t.query(internal.selfCheck.latest, {});
    expect(pending).toMatchObject({ _id: checkId, outcome: "pending" });

    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(50), 10_000);

    const finished = await t.query(internal.selfCheck.latest, {});
    expect(finished).toMatchObject({ _id: checkId, outcome: "success", nodeVersion: process.version });
    expect(finished!.finishedAt).toBeGreaterThanOrEqual(finished!.startedAt);
  });
});
