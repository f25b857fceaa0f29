// Lanes: which lane a row belongs to (every row to exactly one), the lane key's checks, the lanes'
// progress summed into the rebuild's, and their progress series summed into one.
import { describe, expect, it } from "vitest";
import type { Doc, Id } from "../../src/component/_generated/dataModel.js";
import { withLaneProgress, type Lane } from "../../src/component/lanes.ts";
import { sumOfLanes } from "../../src/component/samples.ts";
import { ZERO_COUNTERS } from "../../src/component/validators.ts";
import { checkedLanes } from "../../src/registry/lane-key.ts";
import { ProjectionDefinitionError, type EventRecord } from "../../src/registry/index.ts";
import { LaneKeyError, laneKeyOf, laneOfKey, ownsEvent, ownsPosition } from "../../src/replay/lanes.ts";
import { rebuildOptionsProblem } from "../../src/server/admin-api.ts";
import { envelope } from "../../convex/envelope.ts";
import { rebufferByCdn, sessionSummary } from "../../convex/projections.ts";
import { orderSummary } from "../../examples/order-fulfilment/convex/projections.ts";
import { rebuildRow } from "../support/rebuild-row";

function event(position: number, streamId: string): EventRecord {
  return {
    globalPosition: position,
    eventId: `e${position}`,
    eventType: "Play",
    eventVersion: 1,
    occurredAtMs: 0,
    streamId,
    attributes: { cdn: "CDN1", device: "Android" },
    payload: "{}",
  };
}

describe("lane keys", () => {
  it("send each key to one lane, the same on every call, and spread many keys evenly", () => {
    const counts = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 16_000; i++) {
      const lane = laneOfKey(`session-${i}`, 8);
      expect(laneOfKey(`session-${i}`, 8)).toBe(lane);
      counts[lane]!++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(1_600);
    for (const count of counts) expect(count).toBeLessThan(2_400);
  });

  it("hash a key to the same lane as ever, without reading the global Math, which the local runtime proxies", () => {
    expect(
      ["session-1", "s", "8f2c-9a1e-stream", "ünï"].map((key) => [8, 16, 3].map((n) => laneOfKey(key, n))),
    ).toEqual([
      [5, 13, 0],
      [2, 2, 1],
      [6, 6, 1],
      [0, 0, 2],
    ]);
    // convex-test serves globals such as Math through a getter per access (it lets a function see its
    // own); a lane hashes every row's key, so each access would cost every row of every lane.
    const real = Object.getOwnPropertyDescriptor(globalThis, "Math")!;
    let reads = 0;
    Object.defineProperty(globalThis, "Math", {
      configurable: true,
      get: () => {
        reads++;
        return real.value;
      },
    });
    try {
      laneOfKey("a-rather-long-session-identifier", 8);
    } finally {
      Object.defineProperty(globalThis, "Math", real);
    }
    expect(reads).toBe(0);
  });

  it("give every event and every passed-over row to exactly one lane", () => {
    const lanes = checkedLanes("sessions", { key: "stream" })!;
    for (let position = 1; position <= 500; position++) {
      const row = event(position, `s${position % 37}`);
      const owners = [0, 1, 2].filter((index) => ownsEvent(lanes, { index, count: 3 }, row));
      expect(owners).toHaveLength(1);
      expect([0, 1, 2].filter((index) => ownsPosition({ index, count: 3 }, position))).toHaveLength(1);
    }
  });

  it("refuse an event whose key function throws or answers no string, naming the event", () => {
    const throwing = checkedLanes("sessions", {
      key: () => {
        throw new Error("no tenant");
      },
    })!;
    expect(() => laneKeyOf(throwing, event(42, "s"))).toThrow(LaneKeyError);
    expect(() => laneKeyOf(throwing, event(42, "s"))).toThrow(
      "the lane key of Play event e42 at position 42 threw: no tenant",
    );
    const empty = checkedLanes("sessions", { key: () => "" })!;
    expect(() => laneKeyOf(empty, event(7, "s"))).toThrow("at position 7 is empty, not a string");
    const numeric = checkedLanes("sessions", { key: (() => 3) as never })!;
    expect(() => laneKeyOf(numeric, event(7, "s"))).toThrow("is a number, not a string");
  });

  it("are checked where the projection is declared", () => {
    expect(() => checkedLanes("p", { key: "stream", count: 17 })).toThrow(ProjectionDefinitionError);
    expect(() => checkedLanes("p", { key: "stream", count: 0 })).toThrow(
      "lanes.count must be a whole number from 1 to 16",
    );
    expect(() => checkedLanes("p", { key: "tenant" as never })).toThrow('lanes.key must be "stream" or a function');
    expect(checkedLanes("p", { key: "stream" })!.count).toBe(1);
  });
});

describe("a trigger's lanes", () => {
  it("are refused for a projection without a lane key, and beyond the bound", () => {
    expect(orderSummary.lanes).toBeUndefined();
    expect(rebuildOptionsProblem({ lanes: 4 }, envelope, orderSummary as never)).toMatch(
      /^orderSummary cannot be rebuilt in lanes: it declares no lane key/,
    );
    expect(rebuildOptionsProblem({ lanes: 1 }, envelope, orderSummary as never)).toBeNull();
    expect(rebuildOptionsProblem({ lanes: 2.5 }, envelope, sessionSummary)).toBe(
      "lanes must be a whole number from 1 to 16, got 2.5",
    );
    expect(rebuildOptionsProblem({ lanes: 16 }, envelope, rebufferByCdn)).toBeNull();
  });
});

const AT = Date.UTC(2026, 0, 1);

function rebuild(overrides: Partial<Doc<"rebuilds">> = {}): Doc<"rebuilds"> {
  const row = rebuildRow({ projection: "sessionSummary", state: "running", phase: "archive", total: 10_000, lanes: 2 });
  return {
    _id: "r1" as Id<"rebuilds">,
    _creationTime: AT,
    ...row,
    rate: { eventsPerSecond: 0, processed: 0, atMs: AT },
    startedAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

function lane(index: number, cursor: number | null, found: number, eventsPerSecond: number, done = false): Lane {
  return {
    _id: `l${index}` as Id<"rebuildLanes">,
    _creationTime: AT,
    rebuildId: "r1" as Id<"rebuilds">,
    lane: index,
    cursor,
    processed: found,
    counters: { ...ZERO_COUNTERS, found, applied: found - 1, skipped: 1 },
    usage: { batches: 2, documentsWritten: found, bytesWritten: 10 * found },
    rate: { eventsPerSecond, processed: found, atMs: AT + index },
    updatedAt: AT + 1_000 * (index + 1),
    done,
  };
}

describe("a rebuild's progress in lanes", () => {
  it("is its lanes' sum while they run, with the lowest lane's cursor", () => {
    const view = withLaneProgress(rebuild(), [lane(0, 900, 400, 100), lane(1, 700, 350, 50)]);
    expect(view).toMatchObject({
      processed: 750,
      counters: { found: 750, applied: 748, skipped: 2 },
      usage: { batches: 4, documentsWritten: 750, bytesWritten: 7_500 },
      cursor: 700,
      rate: { eventsPerSecond: 150, processed: 750 },
      updatedAt: AT + 2_000,
    });
    // A lane that has not committed yet holds the cursor at the start; a done lane's rate no longer counts.
    expect(withLaneProgress(rebuild(), [lane(0, 900, 400, 100, true), lane(1, null, 0, 0)])).toMatchObject({
      cursor: null,
      rate: { eventsPerSecond: 0 },
    });
  });

  it("is the rebuild's own once the lanes are added in (after the archive phase)", () => {
    const tail = rebuild({ phase: "tail", processed: 800, counters: { ...ZERO_COUNTERS, found: 800 } });
    expect(withLaneProgress(tail, [lane(0, 900, 400, 100, true), lane(1, 700, 350, 50, true)])).toBe(tail);
  });

  it("is drawn as one series: every lane's latest progress and rate at each lane's sample", () => {
    const series = sumOfLanes(
      [
        [
          { at: 1, processed: 10, eventsPerSecond: 5 },
          { at: 3, processed: 30, eventsPerSecond: 6 },
        ],
        [
          { at: 2, processed: 20, eventsPerSecond: 7 },
          { at: 4, processed: 25, eventsPerSecond: 8 },
        ],
      ],
      [true, false],
    );
    expect(series).toEqual([
      { at: 1, processed: 10, eventsPerSecond: 5 },
      { at: 2, processed: 30, eventsPerSecond: 12 },
      { at: 3, processed: 50, eventsPerSecond: 13 },
      // Lane 0 is done and sampled last at 3: its rate no longer adds after that.
      { at: 4, processed: 55, eventsPerSecond: 8 },
    ]);
  });
});
