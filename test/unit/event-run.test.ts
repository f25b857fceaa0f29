import { describe, expect, it } from "vitest";
import type { EventRecord } from "../../src/registry/index.ts";
import { addEvent, emptyRun, passOver, rowsOf, splitRun } from "../../src/replay/event-run.ts";

const event = (position: number): EventRecord => ({
  globalPosition: position,
  eventId: `e${position}`,
  eventType: "Rebuffer",
  eventVersion: 2,
  occurredAtMs: 1_736_000_000_000 + position,
  streamId: "s1",
  attributes: {},
  payload: "{}",
});

describe("event runs", () => {
  it("hold the rows they pass over as counts: a million of them take no more memory than one", () => {
    const run = emptyRun();
    for (let position = 1; position <= 1_000_000; position++)
      passOver(run, position % 2 ? "skipped" : "filtered", position);
    addEvent(run, event(1_000_001));
    expect(rowsOf(run)).toBe(1_000_001);
    expect(run).toMatchObject({ skipped: 500_000, filtered: 500_000, lastPosition: 1_000_001 });
    expect(JSON.stringify(run).length).toBeLessThan(500);
  });

  it("split at an event boundary, each passed-over row going with the half its position falls in", () => {
    const run = emptyRun();
    // Positions 1–3 skipped, event 4, 5 filtered, event 6, 7–8 skipped, event 9, 10 filtered, event 11, 12 skipped.
    const rows = [
      "skipped",
      "skipped",
      "skipped",
      "event",
      "filtered",
      "event",
      "skipped",
      "skipped",
      "event",
      "filtered",
      "event",
      "skipped",
    ] as const;
    rows.forEach((role, index) =>
      role === "event" ? addEvent(run, event(index + 1)) : passOver(run, role, index + 1),
    );
    const [first, second] = splitRun(run);
    expect(first).toMatchObject({ skipped: 3, filtered: 1, lastPosition: 6 });
    expect(first!.events.map((e) => e.globalPosition)).toEqual([4, 6]);
    expect(second).toMatchObject({
      skipped: 3,
      filtered: 1,
      lastPosition: 12,
      skippedBefore: [2, 2],
      filteredBefore: [0, 1],
    });
    expect(second!.events.map((e) => e.globalPosition)).toEqual([9, 11]);
    expect(rowsOf(first!) + rowsOf(second!)).toBe(rowsOf(run));
    const [firstOfSecond] = splitRun(second!);
    expect(firstOfSecond).toMatchObject({ skipped: 2, filtered: 0, lastPosition: 9 });
  });
});
