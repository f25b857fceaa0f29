import { describe, expect, it } from "vitest";
import { BatchSizer, FAST_MUTATION_MS, MAX_EVENTS_PER_MUTATION, SLOW_MUTATION_MS, isTransactionLimitError } from "../../src/replay/batch-sizer.ts";

describe("batch sizes", () => {
  it("start at the projection's default and grow while mutations stay quick, up to four times it", () => {
    const sizer = new BatchSizer(1000);
    expect(sizer.size).toBe(1000);
    const sizes = [];
    for (let i = 0; i < 12; i++) {
      sizer.afterSuccess(FAST_MUTATION_MS - 1);
      sizes.push(sizer.size);
    }
    expect(sizes.slice(0, 3)).toEqual([1250, 1562, 1953]);
    expect(sizes.at(-1)).toBe(4000);
    expect(Math.max(...sizes)).toBe(4000);
  });

  it("hold steady between quick and slow, shrink after a slow mutation, halve after a limit error", () => {
    const sizer = new BatchSizer(1000);
    sizer.afterSuccess(FAST_MUTATION_MS + 10);
    expect(sizer.size).toBe(1000);
    sizer.afterSuccess(SLOW_MUTATION_MS + 1);
    expect(sizer.size).toBe(700);
    sizer.afterLimitError();
    expect(sizer.size).toBe(350);
    for (let i = 0; i < 20; i++) sizer.afterLimitError();
    expect(sizer.size).toBe(1);
  });

  it("never grow past what Convex arrays can carry", () => {
    const sizer = new BatchSizer(5000);
    for (let i = 0; i < 20; i++) sizer.afterSuccess(1);
    expect(sizer.size).toBe(MAX_EVENTS_PER_MUTATION);
  });

  it("recognise Convex's limit errors, and only those", () => {
    expect(isTransactionLimitError(new Error("Too many writes in a single function execution (limit: 16000). This is a Convex limit"))).toBe(true);
    expect(isTransactionLimitError(new Error("Arguments for applyBatch are too large (17 MiB, limit 16 MiB)"))).toBe(true);
    expect(isTransactionLimitError(new Error("attribute cdn is missing"))).toBe(false);
  });
});
