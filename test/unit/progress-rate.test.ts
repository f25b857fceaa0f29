import { describe, expect, it } from "vitest";
import {
  RATE_TIME_CONSTANT_SEC,
  estimateSecondsLeft,
  percentDone,
  startRate,
  updateRate,
} from "../../src/progress/rate.ts";

describe("rebuild rate", () => {
  it("takes the first measured interval as the rate", () => {
    const rate = updateRate(startRate(0, 0), 5_000, 2_000);
    expect(rate.eventsPerSecond).toBe(2_500);
  });

  it("moves toward a new speed by the weight of the elapsed time", () => {
    const steady = updateRate(startRate(0, 0), 10_000, 1_000);
    const afterSlowSecond = updateRate(steady, 11_000, 2_000);
    const expected = 10_000 + (1 - Math.exp(-1 / RATE_TIME_CONSTANT_SEC)) * (1_000 - 10_000);
    expect(afterSlowSecond.eventsPerSecond).toBeCloseTo(expected, 6);
    expect(afterSlowSecond.eventsPerSecond).toBeLessThan(10_000);
    expect(afterSlowSecond.eventsPerSecond).toBeGreaterThan(1_000);
  });

  it("converges to a constant speed", () => {
    let rate = updateRate(startRate(0, 0), 100, 1_000);
    for (let second = 2; second <= 200; second++) rate = updateRate(rate, second * 3_000, second * 1_000);
    expect(rate.eventsPerSecond).toBeCloseTo(3_000, 0);
  });

  it("ignores updates that carry no elapsed time", () => {
    const rate = updateRate(startRate(0, 1_000), 50, 1_000);
    expect(rate).toEqual({ eventsPerSecond: 0, processed: 50, atMs: 1_000 });
  });
});

describe("ETA and percent", () => {
  it("estimates the seconds left from the remaining events", () => {
    expect(estimateSecondsLeft(250, 1_250, 100)).toBe(10);
    expect(estimateSecondsLeft(1_250, 1_250, 0)).toBe(0);
    expect(estimateSecondsLeft(10, 1_250, 0)).toBeNull();
  });

  it("reaches exactly 100 only when everything is processed", () => {
    expect(percentDone(999_999, 1_000_000)).toBe(99.99);
    expect(percentDone(1_000_000, 1_000_000)).toBe(100);
    expect(percentDone(1, 3)).toBe(33.33);
    expect(percentDone(0, 0)).toBe(100);
  });
});
