import { describe, expect, it } from "vitest";
import { STALL_AFTER_MS, lastProgressAt, stalledSince } from "../../admin-ui/src/components/charts/stall.ts";

const START = 1_700_000_000_000;
const sample = (seconds: number, processed: number) => ({
  at: START + seconds * 1000,
  processed,
  eventsPerSecond: 100,
});
const running = { state: "running", startedAt: START };

describe("a stalled rebuild", () => {
  it("is one that runs with no progress in its samples for longer than the threshold", () => {
    const samples = [sample(2, 200), sample(4, 400), sample(6, 400)];
    expect(lastProgressAt(samples)).toBe(START + 4_000);
    expect(stalledSince(samples, running, START + 4_000 + STALL_AFTER_MS)).toBeNull();
    expect(stalledSince(samples, running, START + 4_001 + STALL_AFTER_MS)).toBe(START + 4_000);
  });

  it("is one the engine's watchdog found stalled, since the progress it last saw", () => {
    const watched = { ...running, stalled: true, stall: { lastProgressAt: START + 3_000 } };
    expect(stalledSince([sample(2, 200)], watched, START + 10_000)).toBe(START + 3_000);
  });

  it("counts from the start when no batch ever committed", () => {
    expect(stalledSince([], running, START + STALL_AFTER_MS + 1)).toBe(START);
  });

  it("is never a rebuild that is not running", () => {
    for (const state of ["paused", "completed", "failed", "cancelled"]) {
      expect(stalledSince([sample(2, 200)], { state, startedAt: START }, START + 10 * STALL_AFTER_MS)).toBeNull();
    }
  });
});
